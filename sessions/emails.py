"""Emails about bookings. Each is sent once per booking, however often a task retries."""

import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from sessions.access import booking_url
from sessions.calendar import booking_invite
from sessions.models import Booking
from studio.selectors import studio_get


def booking_invite_for(booking: Booking, *, method: str = "REQUEST") -> bytes:
    studio = studio_get()
    return booking_invite(
        uid=f"booking-{booking.reference}@sitting",
        sequence=booking.calendar_sequence,
        method=method,
        summary=f"{booking.session_type.name} · {studio.name}",
        description=(
            f"Your {booking.session_type.name.lower()} session with "
            f"{booking.photographer.display_name}. Reference {booking.reference}.\n"
            f"Details and changes: {booking_url(booking, absolute=True)}"
        ),
        location=booking.session_type.location or studio.address.replace("\n", ", "),
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        organizer_email=studio.contact_email or settings.DEFAULT_FROM_EMAIL,
        organizer_name=studio.name,
        attendee_email=booking.client.email,
        attendee_name=booking.client.name,
        url=booking_url(booking, absolute=True),
        stamp=timezone.now(),
    )


def booking_confirmation_send(*, booking_id: int) -> bool:
    """Email the client their booking with a calendar invite. Returns False when it was
    already sent (or the booking is gone), so a retried task never sends it twice."""
    claimed = Booking.objects.filter(pk=booking_id, confirmation_sent_at__isnull=True).update(
        confirmation_sent_at=timezone.now()
    )
    if claimed != 1:
        return False
    try:
        booking = Booking.objects.select_related("client", "session_type", "photographer").get(
            pk=booking_id
        )
        _send_confirmation(booking)
    except Exception:
        # Not sent: release the claim so the task's retry can send it.
        Booking.objects.filter(pk=booking_id).update(confirmation_sent_at=None)
        raise
    return True


def _send_confirmation(booking: Booking) -> None:
    studio = studio_get()
    with (
        timezone.override(zoneinfo.ZoneInfo(studio.time_zone)),
        translation.override(settings.LANGUAGE_CODE),
    ):
        context = {
            "booking": booking,
            "studio": studio,
            "booking_link": booking_url(booking, absolute=True),
            "time_zone": studio.time_zone,
        }
        subject = render_to_string("emails/booking_confirmed_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("emails/booking_confirmed.txt", context),
            to=[f"{booking.client.name} <{booking.client.email}>"],
            reply_to=[studio.contact_email] if studio.contact_email else None,
        )
        message.attach_alternative(
            render_to_string("emails/booking_confirmed.html", context), "text/html"
        )
        message.attach("session.ics", booking_invite_for(booking), "text/calendar; method=REQUEST")
        message.send()
