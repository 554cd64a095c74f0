"""Reads of documents across bookings: a client's, for "My sessions", and the studio's
bookings still waiting on a signature, for the dashboard; where a template is used; a
booking's documents for its admin page."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch
from django.urls import reverse

from sessions.access import booking_token
from sessions.models import Booking, Document, DocumentEvent, DocumentFile, SessionTypeDocument

# Bookings whose documents the client is still asked to sign.
WAITING_STATUSES = (Booking.Status.HELD, Booking.Status.REQUESTED, Booking.Status.CONFIRMED)


@dataclass(frozen=True)
class ClientDocument:
    document: Document
    url: str  # where to read (and sign) it
    pdf_url: str  # the sealed PDF, once there is one


@dataclass(frozen=True)
class ClientDocuments:
    waiting: list[ClientDocument]  # required first, then the soonest session's
    signed: list[ClientDocument]  # newest first


def _waiting(document: Document, now: datetime) -> bool:
    booking = document.booking
    return (
        document.status == Document.Status.PENDING
        and booking.status in WAITING_STATUSES
        and booking.starts_at > now
        and not (booking.status == Booking.Status.HELD and booking.hold_expires_at <= now)
    )


def documents_for_client(*, client_id: int, now: datetime) -> ClientDocuments:
    """A client's documents: those waiting for their signature on sessions to come, and
    those signed, each with its links. One query."""
    has_pdf = DocumentFile.objects.filter(document=OuterRef("pk")).exclude(file="")
    documents = (
        Document.objects.filter(booking__client_id=client_id)
        .exclude(status=Document.Status.VOIDED)
        .select_related("booking__session_type", "template")
        .annotate(has_pdf=Exists(has_pdf))
        .order_by("booking__starts_at", "-required", "kind", "pk")
    )
    waiting, signed = [], []
    for document in documents:
        token = booking_token(document.booking)
        item = ClientDocument(
            document=document,
            url=reverse("sessions:document-sign", args=[token, document.reference]),
            pdf_url=reverse("sessions:document-pdf", args=[token, document.reference])
            if document.has_pdf
            else "",
        )
        if _waiting(document, now):
            waiting.append(item)
        elif document.status == Document.Status.SIGNED:
            signed.append(item)
    waiting.sort(key=lambda item: not item.document.required)  # stable: soonest first within
    signed.sort(key=lambda item: item.document.signed_at, reverse=True)
    return ClientDocuments(waiting=waiting, signed=signed)


def bookings_waiting_for_signatures(*, now: datetime, due_hours: int) -> list[Booking]:
    """Confirmed or requested sessions to come with a required document not yet signed,
    the soonest first, each with `documents_waiting` (how many) and `signing_overdue`
    (past the sign-by time, `due_hours` before the session). One query."""
    bookings = list(
        # Joined to their pending required documents first, so only those are counted
        # (not every session to come with all its documents).
        Booking.objects.filter(
            status__in=(Booking.Status.CONFIRMED, Booking.Status.REQUESTED),
            starts_at__gt=now,
            documents__required=True,
            documents__status=Document.Status.PENDING,
        )
        .annotate(documents_waiting=Count("documents"))
        .select_related("client", "session_type")
        .order_by("starts_at")
    )
    for booking in bookings:
        booking.signing_overdue = now >= booking.starts_at - timedelta(hours=due_hours)
    return bookings


@dataclass(frozen=True)
class TemplateUse:
    """Where a document template is used: the session types asking for it, and how many
    documents of each status were made from it."""

    links: list[SessionTypeDocument]
    documents: dict[str, int]

    @property
    def document_count(self) -> int:
        return sum(self.documents.values())


def document_template_use(*, template_id: int) -> TemplateUse:
    """Two queries."""
    links = list(
        SessionTypeDocument.objects.filter(template_id=template_id)
        .select_related("session_type")
        .order_by("session_type__name")
    )
    counts = (
        Document.objects.filter(template_id=template_id)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return TemplateUse(links=links, documents={row["status"]: row["n"] for row in counts})


def booking_for_preview(*, now: datetime) -> Booking | None:
    """The booking a template's preview starts with: the next one coming up, else the
    latest."""
    upcoming = Booking.objects.filter(
        status__in=Booking.ACTIVE_STATUSES, starts_at__gte=now
    ).order_by("starts_at")
    return upcoming.first() or Booking.objects.order_by("-starts_at").first()


def booking_documents_for_studio(booking: Booking) -> list[Document]:
    """A booking's documents for its admin page, voided ones too, each with its template,
    version, countersigner, model-release choices, audit trail (with who) and sealed PDFs,
    `latest_file` the newest PDF still kept. Five queries however many documents."""
    documents = list(
        booking.documents.select_related("template", "version", "countersigned_by")
        .prefetch_related(
            "choices",
            "files",
            Prefetch("events", queryset=DocumentEvent.objects.select_related("actor_user")),
        )
        .order_by("-required", "kind", "pk")
    )
    documents.sort(key=lambda document: document.status == Document.Status.VOIDED)
    for document in documents:
        kept = [file for file in document.files.all() if file.file]
        document.latest_file = kept[-1] if kept else None
    return documents
