"""Emails about contracts and model releases: the client's link to what is waiting to be
signed (and reminders of it, sessions.documents.reminders), and the sealed PDF once a
document is signed, to the client and to the studio. Each goes once (keyed), and each one
sent is a line in the document's audit trail."""

import hashlib
from email.utils import formataddr

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from sessions.access import booking_token, booking_url
from sessions.documents.services import SIGNABLE_STATUSES, document_event_record
from sessions.models import Booking, Document, DocumentEvent, DocumentFile, DocumentTemplate
from studio.emailing import email_kind_send, email_to_studio
from studio.selectors import studio_get


def document_sign_link(booking: Booking, document: Document) -> str:
    """The absolute address where the client reads and signs `document`."""
    path = reverse("sessions:document-sign", args=[booking_token(booking), document.reference])
    return settings.SITE_URL + path


def first_name(booking: Booking) -> str:
    names = booking.booked_as_name.split()
    return names[0] if names else booking.booked_as_name


def documents_waiting(booking: Booking, document_ids: list[int] | None = None) -> list[Document]:
    """The booking's documents still waiting to be signed (of `document_ids`, if given), in
    the order the client is asked: required first."""
    documents = booking.documents.filter(status=Document.Status.PENDING)
    if document_ids is not None:
        documents = documents.filter(pk__in=document_ids)
    return list(documents.select_related("template").order_by("-required", "kind", "pk"))


def _ids_key(document_ids: list[int]) -> str:
    ids = "-".join(str(pk) for pk in sorted(set(document_ids)))
    return ids if len(ids) <= 120 else hashlib.sha256(ids.encode()).hexdigest()[:32]


def _booking_for_email(booking_id: int) -> Booking | None:
    return (
        Booking.objects.select_related("client", "session_type", "photographer")
        .filter(pk=booking_id, status__in=SIGNABLE_STATUSES)
        .first()
    )


def documents_message(booking: Booking, documents: list[Document], **extra) -> dict:
    """What emails/documents-to-sign/ and documents-reminder/ fill in, in the current zone:
    the session, each document with its link, the first one's as the button."""
    links = [
        (document_label(document), document_sign_link(booking, document)) for document in documents
    ]
    return {
        "name": first_name(booking),
        "what": booking.session_type.called,
        "when": date_format(timezone.localtime(booking.starts_at), "l j F, H:i"),
        "count": len(documents),
        "any_required": any(document.required for document in documents),
        "links": links,
        "button_link": links[0][1],
        "booking_link": booking_url(booking, absolute=True),
        "studio_name": studio_get().name,
        **extra,
    }


def document_label(document: Document) -> str:
    """A document's name as listed for the client: its title, for whom, required or not."""
    name = document.title or document.template.name
    if document.person_name:
        name = f"{name} ({document.person_name})"
    if document.required:
        return _("%(name)s (required)") % {"name": name}
    return _("%(name)s (optional)") % {"name": name}


def documents_email_send(*, booking_id: int, document_ids: list[int], again: str = "") -> bool:
    """Email the client links to the documents of `document_ids` still waiting; once per
    booking and set of documents (a document reissued makes a new set), and once more per
    `again` (the studio's "send the link again"). False when none is waiting any more, the
    booking has ended, or it was sent already."""
    booking = _booking_for_email(booking_id)
    if booking is None:
        return False
    documents = documents_waiting(booking, document_ids)
    if not documents:
        return False
    studio = studio_get()
    sent = email_kind_send(
        kind="documents-to-sign",
        key=f"booking:{booking.pk}:documents:{_ids_key(document_ids)}"
        + (f":again:{again}" if again else ""),
        to=formataddr((booking.booked_as_name, booking.client.email)),
        context=lambda: documents_message(booking, documents),
        reply_to=studio.contact_email or None,
        booking=booking,
    )
    if sent:
        for document in documents:
            document_event_record(document, DocumentEvent.Kind.SENT, detail=booking.client.email)
    return sent


def _pdf_name(document: Document, stage: str) -> str:
    title = slugify(document.title or document.template.name) or "document"
    suffix = "-countersigned" if stage == DocumentFile.Stage.COUNTERSIGNED else ""
    return f"{title}-{document.reference}{suffix}.pdf"


def document_pdf_emails_send(*, document_id: int, file_id: int) -> None:
    """Send a newly sealed PDF of a signed document, attached: to the client ("document-
    signed") and to the studio ("studio-document-signed"), each once per file. A document
    the studio countersigns reaches the client once countersigned (the final copy); a copy
    remade on erasure goes to no one."""
    file = (
        DocumentFile.objects.select_related(
            "document__template",
            "document__booking__client",
            "document__booking__session_type",
            "document__booking__photographer",
        )
        .filter(pk=file_id, document_id=document_id)
        .first()
    )
    if file is None or not file.file or file.stage == DocumentFile.Stage.REDACTED:
        return
    document = file.document
    if document.status != Document.Status.SIGNED or document.erased_at:
        return
    with file.file.open("rb") as opened:
        attachment = (_pdf_name(document, file.stage), opened.read(), "application/pdf")
    booking = document.booking
    studio = studio_get()
    context = _pdf_context(document, file)
    final_for_client = not (
        file.stage == DocumentFile.Stage.SIGNED and document.template.studio_countersigns
    )
    if final_for_client and email_kind_send(
        kind="document-signed",
        key=f"document:{document.pk}:file:{file.pk}:client",
        to=formataddr((booking.booked_as_name, booking.client.email)),
        context=lambda: {**context(), "name": first_name(booking)},
        reply_to=studio.contact_email or None,
        booking=booking,
        attachments=[attachment],
    ):
        document_event_record(document, DocumentEvent.Kind.EMAILED, detail=booking.client.email)
    to_studio = email_to_studio()
    if to_studio and email_kind_send(
        kind="studio-document-signed",
        key=f"document:{document.pk}:file:{file.pk}:studio",
        to=to_studio,
        context=lambda: {
            **context(),
            "client": booking.client,
            "name": booking.name_for_studio,
            "button_link": settings.SITE_URL
            + reverse("admin:shoots_booking_change", args=[booking.pk]),
        },
        booking=booking,
        attachments=[attachment],
    ):
        document_event_record(document, DocumentEvent.Kind.EMAILED, detail=studio.contact_email)


def _pdf_context(document: Document, file: DocumentFile):
    booking = document.booking

    def context() -> dict:
        return {
            "title": document.title or document.template.name,
            "studio_name": studio_get().name,
            "reference": document.reference,
            "signed_name": document.signed_name,
            "signed_at": date_format(timezone.localtime(document.signed_at), "l j F Y, H:i"),
            "what": booking.session_type.called,
            "when": date_format(timezone.localtime(booking.starts_at), "l j F, H:i"),
            "countersigned": file.stage == DocumentFile.Stage.COUNTERSIGNED,
            "awaiting_countersignature": file.stage == DocumentFile.Stage.SIGNED
            and document.template.studio_countersigns,
            "release": document.kind == DocumentTemplate.Kind.RELEASE,
            "sha256": file.sha256,
            "button_link": booking_url(booking, absolute=True),
        }

    return context
