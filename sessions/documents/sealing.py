"""Sealed PDFs of signed documents: the text as signed, the signature, and a last page
"Signature certificate" with the evidence and the audit trail, sealed (PAdES) with the
installation's certificate so that any change shows in any PDF reader. One file per stage
(signed; countersigned; remade without the drawn signature when the client's data is
erased), each kept with its SHA-256 so the verification page can answer for it.
"""

import hashlib
import logging
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sessions.documents.emails import document_pdf_emails_send
from sessions.documents.pdf import document_pdf_render
from sessions.documents.seal import pdf_seal
from sessions.documents.services import document_event_record
from sessions.models import Document, DocumentEvent, DocumentFile
from studio.selectors import studio_get

log = logging.getLogger(__name__)


def seal_directory() -> Path:
    """Where the installation keeps its sealing key and certificate (made on first use)."""
    return Path(settings.VAR_DIR) / "document-seal"


def _grouped(digest: str) -> str:
    """A hex digest in groups of eight, so it wraps in a narrow column."""
    return " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))


def _utc(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


def certificate_rows(document: Document, *, redacted: bool) -> list[tuple[str, str]]:
    """The evidence, as (label, value) lines for the certificate page."""
    signer = document.signed_name
    if document.on_behalf_of:
        signer = _("%(name)s, signing as %(relationship)s") % {
            "name": signer,
            "relationship": document.on_behalf_of,
        }
    rows = [
        (_("Signed by"), signer),
        (_("Email"), document.signed_email),
        (_("About"), document.person_name),
        (_("Signed at"), _utc(document.signed_at)),
        (_("IP address"), document.signed_ip or ""),
        (_("Browser"), document.signed_user_agent),
        (_("Document"), f"{document.title} ({document.reference})"),
        (_("Template version"), str(document.version.number) if document.version else ""),
        (_("SHA-256 of the text signed"), _grouped(document.text_sha256)),
        (_("Consent to sign electronically"), document.consent_text),
        (_("Consent version"), document.consent_version),
        (
            _("Drawn signature"),
            _("Removed when the client's data was erased")
            if redacted
            else (_("Yes, shown above") if document.drawn_signature else _("No: typed name")),
        ),
    ]
    rows += [
        (choice.label, _("Yes") if choice.granted else _("No")) for choice in document.choices.all()
    ]
    if document.countersigned_at:
        rows += [
            (_("Countersigned by"), document.countersigned_name),
            (_("Countersigned at"), _utc(document.countersigned_at)),
        ]
    return [(label, value) for label, value in rows if value]


def audit_rows(document: Document) -> list[tuple[str, str, str]]:
    """The audit trail: (when, what, who and from where)."""
    rows = []
    for event in document.events.select_related("actor_user"):
        who = event.actor_label
        if event.ip:
            who = f"{who} · {event.ip}" if who else event.ip
        rows.append((_utc(event.at), str(event.get_kind_display()), who))
    return rows


def document_pdf_bytes(document: Document, *, stage: str) -> bytes:
    """The document as a sealed PDF, as it stands now."""
    studio = studio_get()
    redacted = stage == DocumentFile.Stage.REDACTED
    signer = document.signed_name
    if document.countersigned_at:
        signer = _("%(client)s; for the studio, %(studio)s") % {
            "client": signer,
            "studio": document.countersigned_name,
        }
    pdf = document_pdf_render(
        title=document.title,
        body_html=document.text_html,
        studio_name=studio.name,
        studio_address=studio.address,
        reference=document.reference,
        certificate=certificate_rows(document, redacted=redacted),
        audit=audit_rows(document),
        drawn_signature_png=None if redacted else _bytes(document.drawn_signature),
        signer_name=signer,
    )
    return pdf_seal(
        pdf,
        reason=_("Signed document %(reference)s") % {"reference": document.reference},
        location=studio.name,
        directory=seal_directory(),
        studio_name=studio.name,
    )


def _bytes(value) -> bytes | None:
    return bytes(value) if value else None


def _ready(document: Document, stage: str) -> bool:
    if stage == DocumentFile.Stage.SIGNED:
        return document.signed_at is not None and document.erased_at is None
    if stage == DocumentFile.Stage.COUNTERSIGNED:
        return document.countersigned_at is not None and document.erased_at is None
    return document.erased_at is not None  # redacted


def _emails_due(document: Document, stage: str) -> bool:
    """The final PDF goes to both sides: after the client signs, or after the studio
    countersigns when it does."""
    if stage == DocumentFile.Stage.COUNTERSIGNED:
        return True
    return stage == DocumentFile.Stage.SIGNED and not document.template.studio_countersigns


def document_seal(*, document_id: int, stage: str) -> bool:
    """Make, seal and keep the document's PDF for `stage`, once; then email it where due
    (each email once, so a retry after a mail failure sends what did not go). Returns
    whether a PDF was made now."""
    document = (
        Document.objects.select_related("template", "version", "booking")
        .filter(pk=document_id)
        .first()
    )
    if document is None or not _ready(document, stage):
        return False
    sealed = document.files.filter(stage=stage).first()
    made = False
    if sealed is None:
        sealed, made = _file_store(document, stage)
    if sealed is not None and sealed.file and _emails_due(document, stage):
        document_pdf_emails_send(document_id=document.pk, file_id=sealed.pk)
    return made


def _file_store(document: Document, stage: str) -> tuple[DocumentFile | None, bool]:
    data = document_pdf_bytes(document, stage=stage)
    digest = hashlib.sha256(data).hexdigest()
    name = default_storage.save(
        f"documents/{document.reference}-{stage}-{digest[:12]}.pdf", ContentFile(data)
    )
    try:
        with transaction.atomic():
            sealed = DocumentFile.objects.create(
                document=document, stage=stage, file=name, sha256=digest
            )
            document_event_record(document, DocumentEvent.Kind.SEALED, detail=digest)
    except IntegrityError:  # another worker sealed this stage first: theirs stands
        default_storage.delete(name)
        return document.files.filter(stage=stage).first(), False
    log.info("Sealed %s (%s): %s", document.reference, stage, digest)
    return sealed, True
