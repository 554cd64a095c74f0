"""Forms of the document templates admin: a template's words, checked for merge fields no
booking can fill in, and the preview of (possibly unsaved) words on a real booking."""

import difflib

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sessions.documents.merge import FIELDS, merge_fields_unknown
from sessions.models import Booking, Document, DocumentTemplate, Usage
from studio.forms import stored_in


def merge_fields_refusal(text: str) -> str:
    """What to tell the studio about the merge fields in `text` that no booking can fill
    in, naming each (and the field it probably meant); "" when there are none."""
    unknown = merge_fields_unknown(text)
    if not unknown:
        return ""
    message = gettext(
        "This template can't fill in %(unknown)s. The merge fields it knows are: %(known)s."
    ) % {
        "unknown": ", ".join(f"{{{name}}}" for name in unknown),
        "known": ", ".join(f"{{{name}}}" for name in FIELDS),
    }
    for name in unknown:
        for meant in difflib.get_close_matches(name, list(FIELDS), n=1):
            message += " " + gettext("Did you mean {%(meant)s} for {%(typed)s}?") % {
                "meant": meant,
                "typed": name,
            }
    return message


def usages_in_order(chosen) -> list[str]:
    return [value for value in Usage.values if value in set(chosen or [])]


class DocumentTemplateAdminForm(forms.ModelForm):
    usages = forms.MultipleChoiceField(
        label=_("Uses the client is asked about"),
        choices=Usage.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Each use ticked here is a separate tick box for the client, free to leave."),
    )

    class Meta:
        model = DocumentTemplate
        fields = ["name", "kind", "signer", "body", "usages", "studio_countersigns", "is_active"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 24, "cols": 90, "class": "document-body"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Kept as typed, so saving unchanged words makes no new version.
        if "body" in self.fields:
            self.fields["body"].strip = False

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].replace("\r\n", "\n")
        if not body.strip():
            raise forms.ValidationError(self.fields["body"].error_messages["required"], "required")
        refusal = merge_fields_refusal(body)
        if refusal:
            raise forms.ValidationError(refusal, code="unknown_merge_field")
        return body

    def clean_usages(self) -> list[str]:
        return usages_in_order(self.cleaned_data.get("usages"))

    def clean(self):
        data = super().clean()
        if data.get("kind") == DocumentTemplate.Kind.CONTRACT and data.get("usages"):
            self.add_error(
                "usages",
                gettext(
                    "Only a model release asks the client about uses: untick them, or make "
                    "this a model release."
                ),
            )
        return data


class DocumentPreviewForm(forms.Form):
    """A template's words (as typed on its page, maybe not saved) and the booking whose
    details fill them in."""

    preview_booking = forms.ModelChoiceField(
        Booking.objects.select_related("client", "session_type", "photographer"),
        label=_("Preview on the booking"),
        widget=AutocompleteSelect(Document._meta.get_field("booking"), admin.site),
        error_messages={
            "required": _("Choose a booking to preview with."),
            "invalid_choice": _("That booking isn't there any more: please choose another."),
        },
    )
    name = forms.CharField(
        required=False, widget=forms.HiddenInput, **stored_in(DocumentTemplate, "name")
    )
    body = forms.CharField(
        required=False, widget=forms.HiddenInput, **stored_in(DocumentTemplate, "body")
    )
    usages = forms.MultipleChoiceField(
        choices=Usage.choices, required=False, widget=forms.MultipleHiddenInput
    )

    def clean_usages(self) -> list[str]:
        return usages_in_order(self.cleaned_data.get("usages"))
