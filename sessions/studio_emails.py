"""Emails to the studio about its bookings: a new booking or request, a cancellation, a
move the client made, a questionnaire sent. Once each (keyed), to the studio's contact
address, with a link to the booking in the admin. Selections and disputes have their own
(gallery.emails, payments)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sessions.emails import booking_moved_from, when_text
from sessions.models import Booking, Payment, QuestionnaireResponse, Refund
from studio.actors import ActorKind
from studio.emailing import email_kind_send, email_to_studio
from studio.money import money_format
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

    key = f"booking:{booking.pk}:studio-{kind}"
    if kind == "questionnaire":
        key += f":{response_id}"
    elif kind == "moved":
        key += f":{sequence}"
    return email_kind_send(
        kind=f"studio-{kind}",
        key=key,
        to=email_to_studio(),
        context=lambda: studio_email_context(kind, booking),
        booking=booking,
    )


def studio_email_context(kind: str, booking: Booking) -> dict:
    """What the templates of a notice about a booking (emails/studio-<kind>/) fill in, in the
    studio's zone and language: the client, the session, when it is (and was), the link."""
    context = {
        "client": booking.client,
        "name": booking.name_for_studio,
        "what": booking.session_type.called,
        "a_what": booking.session_type.a_called,
        "when": date_format(timezone.localtime(booking.starts_at), "l j F, H:i"),
        "photographer": booking.photographer.display_name,
        "ref": booking.reference,
        "requested": booking.status == Booking.Status.REQUESTED,
        "notes": booking.client_notes,
        "button_link": settings.SITE_URL
        + reverse("admin:shoots_booking_change", args=[booking.pk]),
    }
    if kind == "moved":
        context["was"] = when_text(booking_moved_from(booking)) or _("its earlier time")
    if kind == "cancelled":
        context.update(_given_back_another_way(booking))
    return context


def _given_back_another_way(booking: Booking) -> dict:
    """Refunds of money the studio took another way (a bank transfer, cash) recorded as the
    client cancelled: the studio has yet to give them back (the client was told it will).
    Not refunds recorded before, which the studio gave back then, nor one staff made while
    cancelling (they are reminded on the page as they do it)."""
    refunds = Refund.objects.filter(
        payment__booking=booking,
        status=Refund.Status.SUCCEEDED,
        reason=Refund.Reason.CANCELLATION,
        actor=ActorKind.CLIENT,
        currency=booking.currency,
    )
    if booking.cancelled_at:
        refunds = refunds.filter(created_at__gte=booking.cancelled_at - timedelta(minutes=1))
    refunds = refunds.exclude(payment__method=Payment.Method.CARD).select_related("payment")
    total = sum(refund.amount for refund in refunds)
    if not total:
        return {"give_back": "", "give_back_how": ""}
    ways = sorted({refund.payment.get_method_display().lower() for refund in refunds})
    return {
        "give_back": money_format(total, booking.currency),
        "give_back_how": ", ".join(ways),
    }
