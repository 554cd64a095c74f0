"""Emails to the studio about its bookings: a new booking or request, a cancellation, a
move the client made, a questionnaire sent. Once each (keyed), to the studio's contact
address, with a link to the booking in the admin. Selections and disputes have their own
(gallery.emails, payments)."""

import logging
import zoneinfo
from email.utils import formataddr

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sessions.emails import booking_moved_from, when_text
from sessions.models import Booking, QuestionnaireResponse
from studio.emailing import email_render, email_send_once
from studio.selectors import studio_get

log = logging.getLogger(__name__)

KINDS = ("new", "cancelled", "moved", "questionnaire")


def studio_email_send(
    *, booking_id: int, kind: str, response_id: int | None = None, sequence: int | None = None
) -> bool:
    """Tell the studio; False if already told, if the news no longer holds, or if the studio
    has no contact address. A move is told once per move (`sequence`: the booking's
    calendar sequence after it), and not if the booking has changed again since."""
    if kind not in KINDS:
        raise ValueError(f"unknown studio email {kind!r}")
    booking = (
        Booking.objects.select_related("client", "session_type", "photographer")
        .filter(pk=booking_id)
        .first()
    )
    studio = studio_get()
    if booking is None or not studio.contact_email:
        return False
    still = {
        "new": booking.status in (Booking.Status.CONFIRMED, Booking.Status.REQUESTED),
        "cancelled": booking.status == Booking.Status.CANCELLED,
        "moved": booking.status in Booking.ACTIVE_STATUSES
        and booking.calendar_sequence == sequence,
        "questionnaire": QuestionnaireResponse.objects.filter(
            pk=response_id, booking=booking, status=QuestionnaireResponse.Status.SUBMITTED
        ).exists(),
    }
    if not still[kind]:
        return False
    with (
        timezone.override(zoneinfo.ZoneInfo(studio.time_zone)),
        translation.override(settings.LANGUAGE_CODE),
    ):
        facts = {
            "client": booking.name_for_studio,
            "what": booking.session_type.name,
            "when": date_format(timezone.localtime(booking.starts_at), "l j F, H:i"),
            "photographer": booking.photographer.display_name,
            "ref": booking.reference,
        }
        if kind == "new":
            requested = booking.status == Booking.Status.REQUESTED
            subject = (
                _("Request to approve: %(what)s for %(client)s, %(when)s")
                if requested
                else _("New booking: %(what)s for %(client)s, %(when)s")
            ) % facts
            heading = _("A request to approve") if requested else _("A new booking")
            lines = [
                _("%(client)s booked a %(what)s with %(photographer)s on %(when)s (%(ref)s).")
                % facts
            ]
            if requested:
                lines.append(_("Approve or decline it from its page."))
            if booking.client_notes:
                lines.append(_("Their notes: %(notes)s") % {"notes": booking.client_notes})
        elif kind == "cancelled":
            subject = _("Cancelled: %(what)s for %(client)s, %(when)s") % facts
            heading = _("A booking was cancelled")
            lines = [
                _("%(client)s's %(what)s on %(when)s (%(ref)s) is cancelled; the time is free.")
                % facts
            ]
        elif kind == "moved":
            facts["was"] = when_text(booking_moved_from(booking)) or _("its earlier time")
            subject = _("Moved: %(what)s for %(client)s, now %(when)s") % facts
            heading = _("A client moved their session")
            lines = [
                _(
                    "%(client)s moved their %(what)s with %(photographer)s (%(ref)s) from "
                    "%(was)s to %(when)s. Their old time is free again."
                )
                % facts
            ]
        else:
            subject = _("Questionnaire in: %(client)s, %(what)s on %(when)s") % facts
            heading = _("Answers before the session")
            lines = [_("%(client)s has sent their answers for the %(what)s on %(when)s.") % facts]
        context = {
            "studio": studio,
            "heading": heading,
            "paragraphs": lines,
            "button": (
                _("Open the booking"),
                settings.SITE_URL + reverse("admin:shoots_booking_change", args=[booking.pk]),
            ),
        }
        key = f"booking:{booking.pk}:studio-{kind}"
        if kind == "questionnaire":
            key += f":{response_id}"
        elif kind == "moved":
            key += f":{sequence}"
        text, html = email_render("studio_notice", {**context, "client": booking.client})
        return email_send_once(
            key=key,
            to=formataddr((studio.name, studio.contact_email)),
            subject=subject,
            text=text,
            html=html,
            kind=f"studio-{kind}",
            booking=booking,
        )
