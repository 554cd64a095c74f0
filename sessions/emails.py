"""Emails about bookings: confirmed, requested, rescheduled, cancelled. Each is sent once
per booking and calendar sequence, however often a task retries."""

import zoneinfo
from email.utils import formataddr

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from sessions.access import booking_url
from sessions.calendar import booking_invite
from sessions.models import Booking
from studio.email_kinds import fill, wording
from studio.emailing import email_render, email_send_once
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


# Heading and opening words of the emails whose wording is Sitting's own ("confirmed" is
# the studio's to edit: studio.email_kinds).
OPENINGS = {
    "requested": (
        _lazy("We have your request"),
        _lazy(
            "Hello {name}, thank you for your request. We'll look at it and write again "
            "shortly to confirm."
        ),
    ),
    "rescheduled": (
        _lazy("Your session has moved"),
        _lazy(
            "Hello {name}, your session has moved to a new time. The attached invite "
            "updates your calendar."
        ),
    ),
    "cancelled": (
        _lazy("Your session is cancelled"),
        _lazy(
            "Hello {name}, your session is cancelled. The attached file removes it from "
            "your calendar. We hope to see you another time."
        ),
    ),
    "declined": (
        _lazy("About your request"),
        _lazy(
            "Hello {name}, we're sorry: we can't take your session at the time you asked "
            "for. Please choose another time, or reply and we'll find one together."
        ),
    ),
}


def booking_facts(booking: Booking, studio) -> dict:
    """The placeholders of an email about a booking (studio.email_kinds.BOOKING_FACTS), in
    the current time zone."""
    local = timezone.localtime(booking.starts_at)
    names = booking.client.name.split()
    return {
        "name": names[0] if names else booking.client.name,
        "client": booking.client.name,
        "session": booking.session_type.name,
        "date": date_format(local, "l j F"),
        "time": date_format(local, "H:i"),
        "photographer": booking.photographer.display_name,
        "reference": booking.reference,
        "studio": studio.name,
    }


def booking_message(kind: str, booking: Booking, studio, *, template=None) -> dict:
    """Subject, heading and opening paragraphs of a booking email. `template` is an unsaved
    wording to preview."""
    facts = booking_facts(booking, studio)
    if kind == "confirmed":
        words = wording("booking-confirmed", facts, template=template)
        return {**words, "intro": words["paragraphs"]}
    subjects = {
        "requested": _("We have your request: %(what)s on %(when)s"),
        "rescheduled": _("Your %(what)s has moved to %(when)s"),
        "cancelled": _("Your %(what)s on %(when)s is cancelled"),
        "declined": _("About your %(what)s request for %(when)s"),
    }
    heading, opening = OPENINGS[kind]
    return {
        "subject": subjects[kind] % {"what": facts["session"], "when": facts["date"]},
        "heading": str(heading),
        "intro": [fill(str(opening), facts)],
    }


def booking_email_context(kind: str, booking: Booking, studio, *, template=None) -> dict:
    """Everything emails/booking.* show. In the studio's zone and language."""
    return {
        **booking_message(kind, booking, studio, template=template),
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
        context = booking_email_context(kind, booking, studio)
        text, html = email_render("booking", context)
        invite = booking_invite_for(booking)
        method = "CANCEL" if booking.status in ENDED else "REQUEST"
        return email_send_once(
            key=f"booking:{booking.pk}:{kind}:{booking.calendar_sequence}",
            to=formataddr((booking.client.name, booking.client.email)),
            subject=context["subject"],
            text=text,
            html=html,
            attachments=[("session.ics", invite, f"text/calendar; method={method}")],
            reply_to=studio.contact_email or None,
            kind=f"booking-{kind}",
            booking=booking,
        )
