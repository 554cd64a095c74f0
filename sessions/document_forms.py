"""The client's signing form: what they typed, ticked and (optionally) drew."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sessions.documents.services import ELECTRONIC_CONSENT, SignatureGiven
from sessions.models import Document, DocumentTemplate, DocumentTemplateVersion, Usage
from sessions.signature_images import drawn_signature_parse
from studio.forms import PersonNameField, stored_in

# A drawn signature arrives as a PNG data URL; its parser refuses more than 300 KB of PNG.
DRAWN_MAX_CHARS = 420_000
# A sealed contract is a few hundred kilobytes; anything near the request limit is not one.
VERIFY_MAX_BYTES = 8 * 1024 * 1024


class SignForm(forms.Form):
    """Signing one document. `version` is what the page shows: its release uses become one
    tick box each. `shown` is the SHA-256 of the text shown, so a signature is of exactly
    what was read."""

    shown = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    person_name = PersonNameField(
        label=_("The child's full name"), required=False, **stored_in(Document, "person_name")
    )
    signed_name = PersonNameField(
        label=_("Your full name"),
        help_text=_("Typing your name is your signature."),
        **stored_in(Document, "signed_name"),
    )
    on_behalf = forms.BooleanField(
        label=_("I am signing on behalf of the person named in this document"), required=False
    )
    on_behalf_of = forms.CharField(
        label=_("If you are signing for them: how are you related?"),
        required=False,
        help_text=_("For example: parent, partner, assistant."),
        **stored_in(Document, "on_behalf_of"),
    )
    drawn_signature = forms.CharField(
        required=False,
        max_length=DRAWN_MAX_CHARS,
        widget=forms.HiddenInput,
        error_messages={"max_length": _("The drawn signature is too large; please clear it.")},
    )
    agree = forms.BooleanField(
        label=ELECTRONIC_CONSENT,
        error_messages={"required": _("Please tick the box to agree to sign electronically.")},
    )

    def __init__(
        self, *args, document: Document, version: DocumentTemplateVersion, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.document = document
        self.guardian = version.signer == DocumentTemplate.Signer.GUARDIAN
        labels = dict(Usage.choices)
        self.usage_names = []
        for usage in version.usages:
            if usage in labels:
                name = f"usage_{usage}"
                self.fields[name] = forms.BooleanField(label=labels[usage], required=False)
                self.usage_names.append((usage, name))
        if self.guardian:
            del self.fields["on_behalf"]
            self.fields["on_behalf_of"].required = True
            self.fields["on_behalf_of"].label = _("Your relationship to the child")
            self.fields["on_behalf_of"].help_text = _("For example: mother, father, guardian.")
            self.fields["person_name"].required = not document.person_name
            # Booked for someone else: most likely the child this release is about.
            self.fields["person_name"].initial = document.booking.photographed_name
        if not self.guardian or document.person_name:
            del self.fields["person_name"]

    def clean_drawn_signature(self) -> bytes | None:
        try:
            return drawn_signature_parse(self.cleaned_data["drawn_signature"])
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("on_behalf") and not cleaned.get("on_behalf_of", "").strip():
            self.add_error("on_behalf_of", _("Please say how you are related to the person named."))
        return cleaned

    def signature(self) -> SignatureGiven:
        cleaned = self.cleaned_data
        on_behalf = self.guardian or cleaned.get("on_behalf")
        return SignatureGiven(
            shown_sha256=cleaned["shown"],
            signed_name=cleaned["signed_name"],
            agreed=cleaned["agree"],
            on_behalf_of=cleaned.get("on_behalf_of", "").strip() if on_behalf else "",
            person_name=cleaned.get("person_name", ""),
            drawn_png=cleaned["drawn_signature"],
            usages={usage: bool(cleaned.get(name)) for usage, name in self.usage_names},
        )


class VerifyForm(forms.Form):
    """The public verification page: a signed PDF, or its reference."""

    pdf = forms.FileField(
        label=_("The signed PDF"),
        required=False,
        help_text=_("It is checked here and not kept."),
    )
    reference = forms.CharField(
        label=_("Or its reference"),
        required=False,
        max_length=40,
        help_text=_("At the foot of every page, like DOC-ACDE-FGHJ-KMNP."),
        error_messages={"max_length": _("A reference is 17 characters, like DOC-ACDE-FGHJ-KMNP.")},
    )

    def clean(self):
        cleaned = super().clean()
        pdf = cleaned.get("pdf")
        if pdf and pdf.size > VERIFY_MAX_BYTES:
            self.add_error("pdf", _("That file is too large to be one of our PDFs."))
        elif not pdf and not cleaned.get("reference", "").strip() and not self.errors:
            raise ValidationError(_("Please choose the PDF, or type its reference."))
        return cleaned


class ButtonFormMixin:
    """A form whose fields sit on the booking's admin page, inside the admin's own form:
    each field names its <form> (`html_form`) by the form attribute."""

    def __init__(self, *args, html_form: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if html_form:
            for field in self.fields.values():
                field.widget.attrs["form"] = html_form


class DocumentSendForm(ButtonFormMixin, forms.Form):
    """The studio sends a booking's documents to sign: those its session asks for, or one
    chosen, perhaps for another person (a second adult, a child)."""

    template = forms.ModelChoiceField(
        label=_("Document"),
        queryset=DocumentTemplate.objects.filter(is_active=True).only("pk", "kind", "name"),
        required=False,
        empty_label=_("The documents this session asks for"),
    )
    person_name = PersonNameField(
        label=_("For (if not the client)"),
        required=False,
        help_text=_("A model release for another adult, or a child."),
        **stored_in(Document, "person_name"),
    )
    required = forms.BooleanField(label=_("Required before the session"), required=False)


class DocumentVoidForm(ButtonFormMixin, forms.Form):
    """Voiding a document, with the reason kept in its record."""

    reason = forms.CharField(
        label=_("Why void it?"),
        help_text=_("Kept in the document's record."),
        **stored_in(Document, "void_reason"),
    )
    reissue = forms.BooleanField(label=_("and send a new copy to sign"), required=False)
