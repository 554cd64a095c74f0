"""Reminders of documents still to sign: a required document waiting on a confirmed or
requested booking is nudged `Studio.documents_nudge_days` after it was first sent, and
once more the day before the sign-by time (`Studio.documents_due_hours` before the
session). Nothing goes after the sign-by time, at night (sessions.reminders' quiet hours),
or twice: each is keyed in the sent-email log. Beat's reminder scan queues them."""

from datetime import datetime, timedelta
from email.utils import formataddr
from zoneinfo import ZoneInfo

from django.db.models import Exists, Min, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format

from sessions.documents.emails import documents_message, documents_waiting
from sessions.documents.services import document_event_record
from sessions.models import Booking, Document, DocumentEvent
from sessions.reminders import Reminder, due_now, out_of_quiet_hours, wall_clock_before
from studio.background import task_enqueue_on_commit
from studio.email_kinds import email_enabled
from studio.emailing import email_kind_send
from studio.models import SentEmail
from studio.selectors import studio_get

KIND = "documents"
STATUSES = (Booking.Status.CONFIRMED, Booking.Status.REQUESTED)


def documents_due_at(booking: Booking, studio) -> datetime:
    """The sign-by time: the studio's number of hours before the session."""
    return booking.starts_at - timedelta(hours=studio.documents_due_hours)


def document_reminders(
    *, booking: Booking, sent_at: datetime, due_at: datetime, nudge_days: int, tz: ZoneInfo
) -> list[Reminder]:
    """A booking's reminders of documents to sign, with when each is due: `nudge_days`
    after `sent_at` (none for 0), and the day before `due_at`."""
    stamp = int(booking.starts_at.timestamp())
    moments = [("last", wall_clock_before(due_at, days=1, tz=tz))]
    if nudge_days:
        moments.insert(0, ("nudge", wall_clock_before(sent_at, days=-nudge_days, tz=tz)))
    return [
        Reminder(
            booking_id=booking.pk,
            kind=KIND,
            days=0 if which == "last" else nudge_days,
            due_at=out_of_quiet_hours(moment, tz=tz),
            # The nudge goes once; the last reminder again if the session (and so the
            # sign-by time) moves.
            key=f"booking:{booking.pk}:documents-last:{stamp}"
            if which == "last"
            else f"booking:{booking.pk}:documents-nudge",
        )
        for which, moment in moments
    ]


def _waiting_bookings(*, now: datetime, booking_id: int | None = None):
    """Bookings to come with a required document waiting, with `documents_sent_at`: when
    the first of those was sent (else issued)."""
    waiting = Document.objects.filter(
        booking=OuterRef("pk"), required=True, status=Document.Status.PENDING
    )
    bookings = (
        Booking.objects.filter(status__in=STATUSES, starts_at__gt=now)
        .filter(Exists(waiting))
        .annotate(
            documents_sent_at=Min(
                "documents__events__at",
                filter=Q(
                    documents__required=True,
                    documents__status=Document.Status.PENDING,
                    documents__events__kind=DocumentEvent.Kind.SENT,
                ),
            ),
            documents_issued_at=Min(
                "documents__created_at",
                filter=Q(documents__required=True, documents__status=Document.Status.PENDING),
            ),
        )
    )
    if booking_id is not None:
        bookings = bookings.filter(pk=booking_id)
    return bookings


def _pending(booking: Booking, studio, *, now: datetime, tz: ZoneInfo) -> list[Reminder]:
    due_at = documents_due_at(booking, studio)
    reminders = document_reminders(
        booking=booking,
        sent_at=booking.documents_sent_at or booking.documents_issued_at,
        due_at=due_at,
        nudge_days=studio.documents_nudge_days,
        tz=tz,
    )
    return due_now(reminders, now=now, until=due_at, tz=tz)


def document_reminders_scan(*, now: datetime | None = None) -> int:
    """Queue each reminder of documents to sign that is due and not yet sent; how many.
    Safe to run as often as wanted: the send claims the email's key."""
    now = now or timezone.now()
    if not email_enabled("documents-reminder"):
        return 0
    studio = studio_get()
    tz = ZoneInfo(studio.time_zone)
    horizon = timedelta(hours=studio.documents_due_hours, days=100)
    pending = [
        reminder
        for booking in _waiting_bookings(now=now).filter(starts_at__lte=now + horizon)
        for reminder in _pending(booking, studio, now=now, tz=tz)
    ]
    sent = set(
        SentEmail.objects.filter(key__in=[r.key for r in pending]).values_list("key", flat=True)
    )
    queued = 0
    for reminder in pending:
        if reminder.key not in sent:
            task_enqueue_on_commit(
                "sessions.tasks.document_reminder_send_task",
                booking_id=reminder.booking_id,
                key=reminder.key,
            )
            queued += 1
    return queued


def document_reminder_send(*, booking_id: int, key: str, now: datetime | None = None) -> bool:
    """Send one reminder if it is still due as the worker picks it up (the documents may
    have been signed, the booking cancelled or moved since it was queued)."""
    now = now or timezone.now()
    studio = studio_get()
    tz = ZoneInfo(studio.time_zone)
    booking = (
        _waiting_bookings(now=now, booking_id=booking_id)
        .select_related("client", "session_type", "photographer")
        .first()
    )
    if booking is None:
        return False
    reminder = next((r for r in _pending(booking, studio, now=now, tz=tz) if r.key == key), None)
    if reminder is None:
        return False
    documents = documents_waiting(booking)
    sent = email_kind_send(
        kind="documents-reminder",
        key=key,
        to=formataddr((booking.booked_as_name, booking.client.email)),
        context=lambda: documents_message(
            booking,
            documents,
            due=date_format(timezone.localtime(documents_due_at(booking, studio)), "l j F, H:i"),
            last=reminder.days == 0,
        ),
        reply_to=studio.contact_email or None,
        booking=booking,
    )
    if sent:
        for document in documents:
            document_event_record(document, DocumentEvent.Kind.REMINDED, detail=key)
    return sent
