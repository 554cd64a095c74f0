"""Contracts and model releases: what the studio writes (templates, versioned), what each
booking's client is asked to sign (documents), and the evidence of each signature.

A template's text is Markdown with {merge fields}; editing it makes a new version. A document
is one person's copy for one booking: while it waits it shows the template's latest version
filled in with the booking's facts; once signed it keeps the exact text shown, its SHA-256
and everything that proves who signed, and never changes again (void it and issue another).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions.models.booking import Booking, SessionType
from studio.models import ActedBy

# Readable over the phone, like booking references (no 0/O, 1/I/L, 5/S, 8/B).
DOCUMENT_REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY234679"


def document_reference_new() -> str:
    """ "DOC-XXXX-XXXX-XXXX": 26^12 possibilities, so nobody finds a record by guessing."""
    groups = (
        "".join(secrets.choice(DOCUMENT_REFERENCE_ALPHABET) for _ in range(4)) for _ in range(3)
    )
    return "DOC-" + "-".join(groups)


class Usage(models.TextChoices):
    """What a model release may allow, one tick each."""

    PORTFOLIO = "portfolio", _("The studio's portfolio and website")
    SOCIAL = "social", _("The studio's social media")
    ADVERTISING = "advertising", _("Print advertising and brochures")
    COMPETITIONS = "competitions", _("Photography competitions and awards")


class DocumentTemplate(models.Model):
    """A contract or a model release the studio writes once and has clients sign."""

    class Kind(models.TextChoices):
        CONTRACT = "contract", _("Contract")
        RELEASE = "release", _("Model release")

    class Signer(models.TextChoices):
        SELF = "self", _("The person photographed (an adult)")
        GUARDIAN = "guardian", _("A parent or guardian, for a child")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(
        _("title"), max_length=120, help_text=_("Shown to the client as the document's title.")
    )
    body = models.TextField(
        _("text"),
        max_length=30_000,
        help_text=_(
            "Markdown: **bold**, *italic*, lists and headings (### Heading) work. Merge fields "
            "such as {client_name} or {date} are filled in for each booking."
        ),
    )
    signer = models.CharField(
        _("signed by"), max_length=10, choices=Signer.choices, default=Signer.SELF
    )
    usages = models.JSONField(
        _("uses the client is asked about"),
        default=list,
        blank=True,
        help_text=_("Model releases: each use is a separate tick box for the client."),
    )
    studio_countersigns = models.BooleanField(
        _("the studio countersigns"),
        default=False,
        help_text=_("The photographer signs after the client; the final PDF is sent to both then."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class DocumentTemplateVersion(ActedBy):
    """A template's words as they stood: made on every edit, never changed."""

    template = models.ForeignKey(
        DocumentTemplate, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    signer = models.CharField(_("signed by"), max_length=10, choices=DocumentTemplate.Signer)
    usages = models.JSONField(_("uses asked about"), default=list)
    created_at = models.DateTimeField(_("made"), default=timezone.now)

    class Meta:
        verbose_name = _("document template version")
        verbose_name_plural = _("document template versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="document_template_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"


class SessionTypeDocument(models.Model):
    """A document a session type asks for: required before the booking is confirmed, or
    offered (a model release usually is)."""

    session_type = models.ForeignKey(
        SessionType, on_delete=models.CASCADE, related_name="document_links"
    )
    template = models.ForeignKey(
        DocumentTemplate,
        on_delete=models.CASCADE,
        related_name="session_type_links",
        verbose_name=_("document"),
    )
    required = models.BooleanField(
        _("required"),
        default=True,
        help_text=_("Required: signed before the booking is confirmed. Otherwise offered."),
    )

    class Meta:
        verbose_name = _("document for this session")
        verbose_name_plural = _("documents for this session")
        ordering = ["-required", "template__kind", "template__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["session_type", "template"], name="session_type_document_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.template)


class Document(models.Model):
    """One person's copy of a template for one booking: waiting, signed, or void."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be signed")
        SIGNED = "signed", _("Signed")
        VOIDED = "voided", _("Void")

    reference = models.CharField(
        _("reference"), max_length=20, unique=True, default=document_reference_new, editable=False
    )
    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, related_name="documents", verbose_name=_("booking")
    )
    template = models.ForeignKey(
        DocumentTemplate, on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentTemplate.Kind.choices)
    required = models.BooleanField(_("required"), default=True)
    person_name = models.CharField(
        _("for"),
        max_length=120,
        blank=True,
        help_text=_("Whom a release is about when not the client: another adult, a child."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("issued"), default=timezone.now)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    # The signature, filled in once, when signed.
    version = models.ForeignKey(
        DocumentTemplateVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("version signed"),
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    text_html = models.TextField(_("text signed"), blank=True)
    text_sha256 = models.CharField(_("SHA-256 of the text"), max_length=64, blank=True)
    signed_name = models.CharField(_("typed name"), max_length=120, blank=True)
    signed_email = models.EmailField(_("email"), blank=True)
    on_behalf_of = models.CharField(
        _("signing as"),
        max_length=120,
        blank=True,
        help_text=_("When someone signs for another: their relationship (parent, assistant)."),
    )
    drawn_signature = models.BinaryField(_("drawn signature (PNG)"), null=True, blank=True)
    consent_text = models.TextField(_("consent to sign electronically"), blank=True)
    consent_version = models.CharField(_("consent version"), max_length=20, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signed_ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    signed_user_agent = models.CharField(_("browser"), max_length=500, blank=True)
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("countersigned by"),
    )
    countersigned_name = models.CharField(_("countersigned as"), max_length=120, blank=True)
    countersigned_at = models.DateTimeField(_("countersigned"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    void_reason = models.CharField(_("why it was voided"), max_length=500, blank=True)
    erased_at = models.DateTimeField(_("personal details erased"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-required", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="signed")
                | (Q(signed_at__isnull=False, version__isnull=False) & ~Q(text_sha256="")),
                name="document_signed_has_evidence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.template.name} ({self.reference})"

    @property
    def awaiting_countersignature(self) -> bool:
        return (
            self.status == self.Status.SIGNED
            and self.template.studio_countersigns
            and self.countersigned_at is None
        )


class DocumentFile(models.Model):
    """A sealed PDF of a signed document: one when the client signs, another when the
    studio countersigns. Each stays verifiable by its SHA-256."""

    class Stage(models.TextChoices):
        SIGNED = "signed", _("Signed by the client")
        COUNTERSIGNED = "countersigned", _("Countersigned by the studio")
        REDACTED = "redacted", _("Remade without the drawn signature, on erasure")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="files")
    stage = models.CharField(_("stage"), max_length=14, choices=Stage.choices)
    # Empty once deleted (an erasure): the SHA-256 stays, so the record still answers for it.
    file = models.FileField(_("PDF"), upload_to="documents/", max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("made"), default=timezone.now)

    class Meta:
        verbose_name = _("sealed PDF")
        verbose_name_plural = _("sealed PDFs")
        ordering = ["document", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "stage"], name="document_file_stage")
        ]

    def __str__(self) -> str:
        return f"{self.document.reference} ({self.stage})"


class ReleaseChoice(models.Model):
    """One use a model release asked about, and the answer, as signed."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="choices")
    usage = models.CharField(_("use"), max_length=20, choices=Usage.choices)
    label = models.CharField(_("as worded"), max_length=200)
    granted = models.BooleanField(_("allowed"))

    class Meta:
        verbose_name = _("model release choice")
        verbose_name_plural = _("model release choices")
        ordering = ["document", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "usage"], name="release_choice_unique")
        ]

    def __str__(self) -> str:
        return f"{self.label}: {'yes' if self.granted else 'no'}"


class DocumentEvent(ActedBy):
    """A line of a document's audit trail: who did what, when, from where."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Prepared")
        SENT = "sent", _("Sent to sign")
        OPENED = "opened", _("Opened")
        SIGNED = "signed", _("Signed")
        COUNTERSIGNED = "countersigned", _("Countersigned")
        SEALED = "sealed", _("PDF sealed")
        EMAILED = "emailed", _("PDF emailed")
        DOWNLOADED = "downloaded", _("PDF downloaded")
        REMINDED = "reminded", _("Reminder sent")
        VOIDED = "voided", _("Voided")
        ERASED = "erased", _("Personal details erased")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=14, choices=Kind.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=500, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("document event")
        verbose_name_plural = _("document events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["document", "kind"], name="document_event_kind")]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.kind}"
