"""Questionnaires and session guides in the admin, and the answers as the studio reads them."""

from django import forms
from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from sessions.models import Booking, Question, Questionnaire, QuestionnaireResponse, SessionGuide


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [
            "position",
            "label",
            "kind",
            "required",
            "help_text",
            "choices",
            "max_choices",
            "max_images",
            "condition_question",
            "condition_value",
        ]
        widgets = {
            "choices": forms.Textarea(attrs={"rows": 3, "cols": 24}),
            "label": forms.TextInput(attrs={"size": 36}),
            "help_text": forms.TextInput(attrs={"size": 28}),
            "position": forms.NumberInput(attrs={"class": "question-number"}),
            "max_choices": forms.NumberInput(attrs={"class": "question-number"}),
            "max_images": forms.NumberInput(attrs={"class": "question-number"}),
        }

    def clean(self):
        cleaned = super().clean()
        kind, choices = cleaned.get("kind"), cleaned.get("choices", "")
        if kind in Question.CHOICE_KINDS and not [c for c in choices.splitlines() if c.strip()]:
            self.add_error("choices", _("List the choices, one per line."))
        if cleaned.get("max_choices") and kind != Question.Kind.MULTIPLE_CHOICE:
            self.add_error("max_choices", _("Only a several-choice question has a limit."))
        parent = cleaned.get("condition_question")
        wanted = (cleaned.get("condition_value") or "").strip()
        if parent is None:
            if wanted:
                self.add_error("condition_question", _("Choose the question this depends on."))
            return cleaned
        if self.instance.pk and parent.pk == self.instance.pk:
            self.add_error("condition_question", _("A question cannot depend on itself."))
        elif parent.questionnaire_id != self.instance.questionnaire_id and self.instance.pk:
            self.add_error("condition_question", _("Choose a question of this questionnaire."))
        if parent.kind == Question.Kind.YES_NO:
            allowed = ["yes", "no"]
        elif parent.kind in Question.CHOICE_KINDS:
            allowed = [c.casefold() for c in parent.choice_list]
        else:
            self.add_error(
                "condition_question", _("Only yes/no and choice questions can be depended on.")
            )
            return cleaned
        if wanted.casefold() not in allowed:
            self.add_error(
                "condition_value",
                _("Write one of: %(answers)s.")
                % {
                    "answers": ", ".join(
                        ["Yes", "No"] if allowed == ["yes", "no"] else parent.choice_list
                    )
                },
            )
        elif allowed == ["yes", "no"]:
            cleaned["condition_value"] = wanted.casefold()
        else:  # the choice exactly as written, so that browser and server compare alike
            cleaned["condition_value"] = next(
                c for c in parent.choice_list if c.casefold() == wanted.casefold()
            )
        return cleaned


class QuestionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """A question may only depend on one placed before it, in the order as saved now."""
        super().clean()
        position = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if form.instance.pk and not data.get("DELETE"):
                position[form.instance.pk] = data.get("position", form.instance.position)
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            parent = data.get("condition_question")
            if parent is None or data.get("DELETE"):
                continue
            parent_position = position.get(parent.pk, parent.position)
            if parent_position >= (data.get("position") or 0):
                form.add_error(
                    "condition_question",
                    _("It must depend on a question that comes before it."),
                )


class QuestionInline(admin.StackedInline):
    model = Question
    form = QuestionForm
    formset = QuestionFormSet
    extra = 0
    fieldsets = [
        (None, {"fields": [("position", "kind", "required"), "label", "help_text"]}),
        (_("Choices and photos"), {"fields": [("choices", "max_choices", "max_images")]}),
        (_("Only show when"), {"fields": [("condition_question", "condition_value")]}),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "condition_question":
            object_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Question.objects.filter(
                questionnaire_id=object_id if str(object_id or "").isdigit() else None,
                kind__in=[Question.Kind.YES_NO, *Question.CHOICE_KINDS],
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "question_count", "types"]
    list_filter = ["is_active", "session_types"]
    filter_horizontal = ["session_types"]
    inlines = [QuestionInline]
    save_on_top = True

    class Media:
        js = ["js/admin-question-order.js"]
        css = {"all": ["css/admin-answers.css"]}

    def get_queryset(self, request):
        from django.db.models import Count

        return (
            super()
            .get_queryset(request)
            .annotate(question_total=Count("questions", distinct=True))
            .prefetch_related("session_types")
        )

    @admin.display(description=_("questions"), ordering="question_total")
    def question_count(self, obj) -> int:
        return obj.question_total

    @admin.display(description=_("session types"))
    def types(self, obj) -> str:
        return ", ".join(t.name for t in obj.session_types.all()) or "—"


@admin.register(SessionGuide)
class SessionGuideAdmin(admin.ModelAdmin):
    list_display = ["title", "types", "updated_at"]
    filter_horizontal = ["session_types"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("session_types")

    @admin.display(description=_("session types"))
    def types(self, obj) -> str:
        return ", ".join(t.name for t in obj.session_types.all()) or "—"


def booking_answers_html(booking: Booking) -> str:
    """The booking's questionnaire answers, readable, with photos that open full size."""
    responses = list(
        QuestionnaireResponse.objects.filter(booking=booking).prefetch_related("answers", "images")
    )
    expected = list(booking.session_type.questionnaires.filter(is_active=True))
    answered = {response.questionnaire_id for response in responses}
    return render_to_string(
        "admin/shoots/booking/_answers.html",
        {
            "responses": [
                {"response": response, "rows": answer_rows(response)} for response in responses
            ],
            "missing": [q for q in expected if q.pk not in answered],
            "booking_id": booking.pk,
        },
    )


def answer_rows(response: QuestionnaireResponse) -> list[dict]:
    """Each answer with its photos, in the order the client saw them."""
    images: dict[int | None, list] = {}
    for image in response.images.all():
        images.setdefault(image.question_id, []).append(image)
    rows = []
    for answer in response.answers.all():
        value = answer.value
        if isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        elif value in ("yes", "no") and answer.kind == Question.Kind.YES_NO:
            value = _("Yes") if value == "yes" else _("No")
        rows.append(
            {
                "label": answer.label,
                "value": value,
                "images": images.pop(answer.question_id, []) if answer.question_id else [],
            }
        )
    for leftover in images.values():  # photos whose question was deleted since
        rows.append({"label": leftover[0].label, "value": "", "images": leftover})
    return rows
