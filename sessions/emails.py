"""Emails about bookings: confirmed, requested, rescheduled, cancelled. Each is sent once
per booking and calendar sequence, however often a task retries."""

import zoneinfo
from email.utils import formataddr

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sessions.access import booking_url
from sessions.calendar import booking_invite
from sessions.models import Booking
from studio.emailing import email_send_once
from studio.selectors import studio_get

KINDS = ("confirmed", "requested", "rescheduled", "cancelled", "declined")


# The status a booking must still have for each email to make sense when it is sent.
EXPECTED_STATUSES = {
    "confirmed": {Booking.Status.CONFIRMED},
    "requested": {Booking.Status.REQUESTED},
    "rescheduled": {Booking.Status.CONFIRMED, Booking.Status.REQUESTED, Booking.Status.HELD},
    "cancelled": {Booking.Status.CANCELLED},
    "declined": {Booking.Status.DECLINED},
}
ENDED = {Booking.Status.CANCELLED, Booking.Status.DECLINED, Booking.Status.EXPIRED}


def booking_invite_for(booking: Booking) -> bytes:
    """The booking as a calendar event: cancelled for ended bookings, tentative while it
    waits for approval or payment."""
    studio = studio_get()
    if booking.status in ENDED:
        method, status = "CANCEL", "CANCELLED"
    elif booking.status == Booking.Status.CONFIRMED or booking.status == Booking.Status.COMPLETED:
        method, status = "REQUEST", "CONFIRMED"
    else:
        method, status = "REQUEST", "TENTATIVE"
    return booking_invite(
        uid=f"booking-{booking.reference}@sitting",
        sequence=booking.calendar_sequence,
        method=method,
        status=status,
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


def _subject(kind: str, booking: Booking, studio) -> str:
    when = _local_day(booking)
    subjects = {
        "confirmed": _("You're booked: %(what)s on %(when)s with %(studio)s"),
        "requested": _("We have your request: %(what)s on %(when)s"),
        "rescheduled": _("Your %(what)s has moved to %(when)s"),
        "cancelled": _("Your %(what)s on %(when)s is cancelled"),
        "declined": _("About your %(what)s request for %(when)s"),
    }
    return subjects[kind] % {"what": booking.session_type.name, "when": when, "studio": studio.name}


def _local_day(booking: Booking) -> str:
    return date_format(timezone.localtime(booking.starts_at), "l j F")


def _questionnaire_links(booking: Booking) -> list[tuple[str, str]]:
    from django.urls import reverse

    from sessions.access import booking_token

    token = booking_token(booking)
    return [
        (
            questionnaire.name,
            settings.SITE_URL
            + reverse("sessions:questionnaire-fill", args=[token, questionnaire.pk]),
        )
        for questionnaire in booking.session_type.questionnaires.filter(is_active=True)
    ]


def booking_email_send(*, booking_id: int, kind: str, sequence: int | None = None) -> bool:
    """Email the client about their booking, with a calendar invite (a cancellation for
    the calendar when cancelled). False when this email was already sent, or when the
    booking has changed since it was queued (`sequence`), so it no longer applies."""
    if kind not in KINDS:
        raise ValueError(f"unknown booking email {kind!r}")
    booking = (
        Booking.objects.select_related("client", "session_type", "photographer")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or booking.status not in EXPECTED_STATUSES[kind]:
        return False
    if sequence is not None and booking.calendar_sequence != sequence:
        return False
    studio = studio_get()
    with (
        timezone.override(zoneinfo.ZoneInfo(studio.time_zone)),
        translation.override(settings.LANGUAGE_CODE),
    ):
        context = {
            "kind": kind,
            "booking": booking,
            "studio": studio,
            "booking_link": booking_url(booking, absolute=True),
            "book_again_link": settings.SITE_URL + "/book/",
            "time_zone": studio.time_zone,
            "paid": sum(payment.net_received for payment in booking.payments.all()),
            "questionnaires": _questionnaire_links(booking) if kind == "confirmed" else [],
            "has_guide": kind == "confirmed" and booking.session_type.guides.exists(),
        }
        invite = booking_invite_for(booking)
        method = "CANCEL" if booking.status in ENDED else "REQUEST"
        return email_send_once(
            key=f"booking:{booking.pk}:{kind}:{booking.calendar_sequence}",
            to=formataddr((booking.client.name, booking.client.email)),
            subject=_subject(kind, booking, studio),
            text=render_to_string("emails/booking.txt", context),
            html=render_to_string("emails/booking.html", context),
            attachments=[("session.ics", invite, f"text/calendar; method={method}")],
            reply_to=studio.contact_email or None,
        )
