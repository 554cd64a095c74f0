"""The client's questionnaire as a Django form: one field per question, built from its questions.

Bound to what the browser sent, the form cleans every answer (control characters out, spaces
trimmed) and refuses one over ANSWER_MAX characters, draft or not: that is what `is_valid()`
says; the other answers are still `answers` (with the refused in `refused`), so a draft keeps
them. What submitting asks besides (each shown question answered, as its kind expects) is the
form's `problems`, not its errors, because a first submit that has some is still saved as a
draft; the service decides when they count (`questionnaires.answers_save`).
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sessions.models import Question
from sessions.questionnaires import (
    ANSWER_MAX,
    ANSWER_NEEDED,
    Answers,
    uploads_not_taken,
    visible_question_ids,
)
from studio.forms import TOO_LONG, RowIdField, TextBoxField

# Control characters other than tabs and line breaks: PostgreSQL's jsonb refuses NUL.
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))
CHOICES_KEPT = 50  # of a several-choice answer; a browser sends at most the choices there are


def answer_text(value) -> str:
    return str(value).translate(_CONTROL).strip()


def field_name(question: Question) -> str:
    return f"q-{question.pk}"


class AnswerField(TextBoxField):
    """A typed answer, as text whatever its kind, so a draft keeps "two" for a number.
    Subclasses `check` what submitting asks of an answer given."""

    def __init__(self, *, question: Question, **kwargs):
        super().__init__(
            required=False,
            strip=False,
            max_length=ANSWER_MAX,
            error_messages={"max_length": TOO_LONG},
            **kwargs,
        )
        self.question = question

    def to_python(self, value) -> str:
        return answer_text(super().to_python(value))

    def check(self, value) -> None:
        """Raise ValidationError if submitting refuses this (non-empty) answer."""

    def problems(self, value) -> list[str]:
        """What submitting this answer would be refused for."""
        if value in self.empty_values:
            return [str(ANSWER_NEEDED)] if self.question.required else []
        try:
            self.check(value)
        except ValidationError as error:
            return error.messages
        return []


class NumberAnswerField(AnswerField):
    def check(self, value) -> None:
        try:
            number = Decimal(str(value).replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValidationError(_("Please enter a number, such as 3."), code="invalid")
        if number < 0:  # people, ages, outfits, hours: never fewer than none
            raise ValidationError(_("Please enter a number of 0 or more."), code="min_value")


class DateAnswerField(AnswerField):
    def check(self, value) -> None:
        try:
            date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(
                _("Please enter a date, such as 2026-06-10."), code="invalid"
            ) from None


class YesNoAnswerField(AnswerField):
    def check(self, value) -> None:
        if value not in ("yes", "no"):
            raise ValidationError(_("Please answer yes or no."), code="invalid_choice")


class ChoiceAnswerField(AnswerField):
    def check(self, value) -> None:
        if value not in self.question.choice_list:
            raise ValidationError(_("Please choose one of the options."), code="invalid_choice")


class ChoicesAnswerField(AnswerField):
    """Several choices ticked: a list of texts, each at most ANSWER_MAX characters, and at
    most the question's `max_choices` of them once submitted."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value) -> list[str]:
        return [answer_text(item) for item in value or [] if item][:CHOICES_KEPT]

    def run_validators(self, value) -> None:
        longest = max(map(len, value), default=0)
        if longest > ANSWER_MAX:
            raise ValidationError(
                TOO_LONG,
                code="max_length",
                params={"limit_value": ANSWER_MAX, "show_value": longest},
            )

    def check(self, value) -> None:
        if any(item not in self.question.choice_list for item in value):
            raise ValidationError(_("Please choose from the options."), code="invalid_choice")
        limit = self.question.max_choices
        if limit and len(value) > limit:
            raise ValidationError(
                ngettext(
                    "Please choose at most %(count)d option (you chose %(chosen)d).",
                    "Please choose at most %(count)d options (you chose %(chosen)d).",
                    limit,
                ),
                code="max_choices",
                params={"count": limit, "chosen": len(value)},
            )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.Field):
    """The photos chosen for a photo question. The service checks each one, since only it
    knows how many the question already holds, so that one bad file is refused alone."""

    widget = MultipleFileInput

    def __init__(self, *, question: Question, **kwargs):
        super().__init__(required=False, **kwargs)
        self.question = question

    def to_python(self, value) -> list:
        return [upload for upload in value or [] if upload]


FIELDS = {
    Question.Kind.SHORT_TEXT: (AnswerField, {}),
    Question.Kind.LONG_TEXT: (AnswerField, {"widget": forms.Textarea}),
    Question.Kind.NUMBER: (NumberAnswerField, {}),
    Question.Kind.DATE: (DateAnswerField, {}),
    Question.Kind.YES_NO: (YesNoAnswerField, {}),
    Question.Kind.SINGLE_CHOICE: (ChoiceAnswerField, {}),
    Question.Kind.MULTIPLE_CHOICE: (ChoicesAnswerField, {}),
    Question.Kind.IMAGES: (PhotosField, {}),
}


class QuestionnaireForm(forms.Form):
    """The answers to one questionnaire's questions (`q-<id>` each), the button pressed and
    the photo to remove; once valid, `answers` for the service. The page draws its own
    inputs with the same names."""

    action = forms.Field(required=False)  # "submit", else a draft
    remove = RowIdField(required=False)  # the photo whose "Remove" was pressed
    # Set by the page's script: which open page sends, and its how-manieth send.
    sent_page = forms.RegexField(r"^[A-Za-z0-9]{1,32}$", required=False)
    sent_number = forms.IntegerField(min_value=0, max_value=2**31 - 1, required=False)

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            field_class, options = FIELDS.get(question.kind, (AnswerField, {}))
            self.fields[field_name(question)] = field_class(question=question, **options)

    def _sent(self, question: Question):
        name = field_name(question)
        return self.fields[name].to_python(self[name].data)

    @property
    def values(self) -> dict[int, object]:
        """Each answer as typed, cleaned but not judged: what the page shows again."""
        return {
            question.pk: self._sent(question)
            for question in self.questions
            if question.kind != Question.Kind.IMAGES
        }

    def clean(self):
        cleaned = super().clean()
        values = self.values
        visible = visible_question_ids(self.questions, values)
        uploads = {
            question.pk: self._sent(question)
            for question in self.questions
            if question.kind == Question.Kind.IMAGES and question.pk in visible
        }
        refused = frozenset(q.pk for q in self.questions if field_name(q) in self.errors)
        others = len(self.errors) > len(refused)  # not from the page: nothing is saved
        if self.errors:  # the photos chosen are not taken
            for question_id, messages in uploads_not_taken(uploads).items():
                self.add_error(f"q-{question_id}", messages)
            uploads = {}
            if others:
                return cleaned
        problems = {}
        for question in self.questions:
            field = self.fields[field_name(question)]
            shown = question.pk in visible and isinstance(field, AnswerField)
            if (
                shown
                and question.pk not in refused
                and (found := field.problems(values[question.pk]))
            ):
                problems[question.pk] = found
        self.answers = Answers(
            questions=self.questions,
            values=values,
            visible=visible,
            uploads={pk: files for pk, files in uploads.items() if files},
            problems=problems,
            sent_as=(cleaned.get("sent_page") or "", cleaned.get("sent_number") or 0),
            refused=refused,
        )
        return cleaned

    @property
    def savable(self) -> bool:
        """After is_valid(): whether `answers` can be saved (when the form is not valid: as
        a draft, all but the answers refused)."""
        return hasattr(self, "answers")

    @property
    def submitting(self) -> bool:
        return self.cleaned_data.get("action") == "submit"

    def question_errors(self) -> dict[int, list[str]]:
        return {
            question.pk: list(self.errors[field_name(question)])
            for question in self.questions
            if field_name(question) in self.errors
        }
