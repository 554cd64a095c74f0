"""A client's contracts and model releases in a privacy export or erasure (sessions.privacy
gathers them with the bookings).

A signed document is a legal record, so erasure keeps it (the text signed, its SHA-256,
the typed name and the evidence of signing) but removes the drawn signature: the sealed
PDFs that show it are deleted from storage (their rows and SHA-256 stay, so a copy the
client holds can still be checked) and a copy without it is sealed again. A document still
waiting is voided: no one is left to sign it."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from clients.models import Client
from sessions.documents.services import document_event_record
from sessions.models import Document, DocumentEvent, DocumentFile
from studio.background import task_enqueue_on_commit


def _document_export(document: Document) -> dict:
    return {
        "reference": document.reference,
        "booking": document.booking.reference,
        "title": document.title or document.template.name,
        "kind": document.kind,
        "required": document.required,
        "for": document.person_name,
        "status": document.status,
        "issued_at": document.created_at,
        "text_signed": document.text_html,
        "text_sha256": document.text_sha256,
        "template_version": document.version.number if document.version_id else None,
        "signed_name": document.signed_name,
        "signed_email": document.signed_email,
        "on_behalf_of": document.on_behalf_of,
        "drawn_signature": document.drawn_signature is not None,
        "consent": document.consent_text,
        "consent_version": document.consent_version,
        "signed_at": document.signed_at,
        "signed_ip": document.signed_ip,
        "signed_user_agent": document.signed_user_agent,
        "countersigned_by": document.countersigned_name,
        "countersigned_at": document.countersigned_at,
        "voided_at": document.voided_at,
        "void_reason": document.void_reason,
        "erased_at": document.erased_at,
        "release_choices": [
            {"use": choice.usage, "as_worded": choice.label, "allowed": choice.granted}
            for choice in document.choices.all()
        ],
        "audit_trail": [
            {
                "what": event.kind,
                "at": event.at,
                "by": event.actor,
                "ip": event.ip,
                "browser": event.user_agent,
                "detail": event.detail,
            }
            for event in document.events.all()
        ],
        # The PDFs themselves are the studio's to send (they are emailed when sealed);
        # the export names each and its fingerprint.
        "sealed_pdfs": [
            {
                "stage": file.stage,
                "file_name": file.file.name.rsplit("/", 1)[-1] if file.file else None,
                "sha256": file.sha256,
                "made_at": file.created_at,
            }
            for file in document.files.all()
        ],
    }


def client_documents_export(*, client: Client) -> list[dict]:
    """Every document of the client's bookings, with its evidence, choices, audit trail and
    sealed PDFs named (not their bytes), in a fixed number of queries."""
    documents = (
        Document.objects.filter(booking__client=client)
        .select_related("booking", "template", "version")
        .prefetch_related(
            "choices",
            Prefetch("events", queryset=DocumentEvent.objects.order_by("at", "pk")),
            "files",
        )
        .order_by("booking__starts_at", "pk")
    )
    return [_document_export(document) for document in documents]


@dataclass
class DocumentsErased:
    kept: int = 0  # signed documents kept
    signatures: int = 0  # drawn signatures removed
    voided: int = 0  # waiting documents voided
    files: list[str] = field(default_factory=list)  # sealed PDFs to delete once committed


def client_documents_erase(*, client: Client, now: datetime) -> DocumentsErased:
    """Drawn signatures removed (and the PDFs showing them deleted, a copy without them
    sealed again), waiting documents voided, each document marked erased with a line in its
    audit trail. Call inside the erasure's transaction, holding the client's lock."""
    erased = DocumentsErased()
    documents = (
        Document.objects.select_for_update()
        .filter(booking__client=client, erased_at__isnull=True)
        .order_by("pk")
    )
    for document in documents:
        detail = []
        if document.status == Document.Status.PENDING:
            reason = _("Client's data erased")
            document.status = Document.Status.VOIDED
            document.voided_at = now
            document.void_reason = reason
            document_event_record(document, DocumentEvent.Kind.VOIDED, detail=reason)
            erased.voided += 1
        if document.drawn_signature is not None:
            document.drawn_signature = None
            erased.signatures += 1
            detail.append(_("Drawn signature removed."))
            files = list(document.files.exclude(file="").exclude(stage=DocumentFile.Stage.REDACTED))
            if files:
                erased.files += [file.file.name for file in files]
                DocumentFile.objects.filter(pk__in=[file.pk for file in files]).update(file="")
                detail.append(
                    _("Sealed PDFs showing it deleted (their SHA-256 kept): %(stages)s.")
                    % {"stages": ", ".join(file.stage for file in files)}
                )
                task_enqueue_on_commit(
                    "sessions.tasks.document_seal_task", document_id=document.pk, stage="redacted"
                )
        if document.status == Document.Status.SIGNED:
            erased.kept += 1
        document.erased_at = now
        document.save(
            update_fields=["status", "voided_at", "void_reason", "drawn_signature", "erased_at"]
        )
        document_event_record(
            document,
            DocumentEvent.Kind.ERASED,
            detail=" ".join(detail) or _("Personal details erased; the record is kept."),
        )
    return erased
