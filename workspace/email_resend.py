"""Whether a logged email may go again: an email telling a client to come, pay, sign or
answer is not sent again once its booking is cancelled, declined or ran out; it would tell
them something no longer true (and its calendar invite would put the session back in their
calendar). What stays true after the end (the cancellation itself, money paid or refunded,
a signed document, an invoice, emails to the studio) may go again. Nor is an email about a
booking as it was before a move or change: it would give the old time."""

from django.utils.translation import gettext as _

from sessions.emails import booking_email_outdated
from sessions.models import Booking
from studio.models import SentEmail

TRUE_AFTER_THE_END = {
    "booking-cancelled",
    "booking-declined",
    "payment-received",
    "payment-recorded",
    "refund-issued",
    "late-payment",
    "document-signed",
    "invoice",
    "sign-in",
}


def resend_refusal(email: SentEmail) -> str | None:
    """Why the email may not go again now, for a person; None when it may."""
    kind = email.kind or ""
    if kind in TRUE_AFTER_THE_END or kind.startswith("studio-"):
        return None
    ended = email.bookings.filter(status__in=Booking.ENDED_STATUSES).first()
    if ended is None:
        return _out_of_date(email)
    return _(
        "“%(subject)s” was not sent again: booking %(reference)s is %(status)s now, so it "
        "would tell the client something no longer true."
    ) % {
        "subject": email.subject,
        "reference": ended.reference,
        "status": ended.get_status_display().lower(),
    }


def _out_of_date(email: SentEmail) -> str | None:
    """A booking email written before the booking moved or changed: sent again it would give
    the client the old time, and its invite would put it back in their calendar."""
    booking = booking_email_outdated(email.key)
    if booking is None:
        return None
    return _(
        "“%(subject)s” was not sent again: booking %(reference)s has moved or changed since, "
        "so it would give the client the old details. The client has the newer email."
    ) % {"subject": email.subject, "reference": booking.reference}
