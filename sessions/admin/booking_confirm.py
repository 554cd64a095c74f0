"""Asking first: a booking page's buttons and the list's actions that end a booking (cancel,
refunding or keeping what was paid; decline a request) show what will happen, money
included, and act only when confirmed. A slip of the finger on a phone cancels nothing."""

from dataclasses import dataclass

from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from sessions.models import Booking, Payment
from studio.money import money_format

ASK_FIRST = {"cancel", "cancel_keep", "decline"}


@dataclass
class PaidSoFar:
    by_card: int  # given back through Stripe on a refund
    another_way: int  # bank transfer, cash: given back by the studio itself
    currency: str
    ways: tuple[str, ...] = ()  # how it was paid another way: "bank transfer", "cash"

    @property
    def ways_said(self) -> str:
        return str(get_text_list(list(self.ways), _("and")))

    @property
    def total(self) -> int:
        return self.by_card + self.another_way


def paid_so_far(booking: Booking) -> PaidSoFar:
    by_card = another_way = 0
    ways = []
    for payment in booking.payments.filter(status__in=Payment.RECEIVED_STATUSES):
        if payment.currency_received != booking.currency:
            continue
        kept = payment.amount_received - payment.amount_refunded
        if payment.recorded:
            another_way += kept
            if kept and (way := payment.get_method_display().lower()) not in ways:
                ways.append(way)
        else:
            by_card += kept
    return PaidSoFar(
        by_card=by_card, another_way=another_way, currency=booking.currency, ways=tuple(ways)
    )


def given_back_yourself(booking: Booking, paid: PaidSoFar) -> str | None:
    """After a cancellation refunding in full: the reminder that money paid another way
    goes back from the studio's own account (Sitting records it as refunded)."""
    if not paid.another_way:
        return None
    return _(
        "Give back the %(amount)s paid another way (%(ways)s) yourself: Sitting records it "
        "as refunded and has told the client it is coming back to them."
    ) % {"amount": money_format(paid.another_way, paid.currency), "ways": paid.ways_said}


def money_said(booking: Booking, doing: str, paid: PaidSoFar | None = None) -> str:
    """What ending the booking this way does with the money paid for it, in words."""
    paid = paid or paid_so_far(booking)
    money = {
        "total": money_format(paid.total, paid.currency),
        "card": money_format(paid.by_card, paid.currency),
        "other": money_format(paid.another_way, paid.currency),
        "ways": paid.ways_said,
    }
    if not paid.total:
        return _("Nothing has been paid for it.")
    if doing == "cancel_keep":
        return _("The %(total)s paid is kept: nothing is refunded.") % money
    if paid.another_way and paid.by_card:
        return (
            _(
                "%(card)s paid by card is refunded to the card; the %(other)s paid another way "
                "(%(ways)s) you give back yourself."
            )
            % money
        )
    if paid.another_way:
        return (
            _(
                "The %(other)s was paid another way (%(ways)s): you give it back yourself, and "
                "Sitting records it as refunded."
            )
            % money
        )
    return _("The %(total)s paid is refunded in full to the card.") % money


def act_confirm_response(request, model_admin, booking: Booking, *, doing: str, label: str):
    paid = paid_so_far(booking)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("%(action)s?") % {"action": label},
        "opts": model_admin.model._meta,
        "booking": booking,
        "doing": doing,
        "label": label,
        "what_money": money_said(booking, doing, paid) if doing != "decline" or paid.total else "",
    }
    return TemplateResponse(request, "admin/shoots/booking/act_confirm.html", context)


def bookings_ending(queryset, statuses):
    """Those of the selected bookings a list action ends: in `statuses`, and not a hold that
    ran out (nothing to end: its time is free already)."""
    return queryset.filter(status__in=statuses).exclude(
        status=Booking.Status.HELD, hold_expires_at__lte=timezone.now()
    )


def list_confirm_response(
    request, model_admin, queryset, *, action: str, doing: str, label: str, statuses
):
    """The list actions that end bookings ask first, as Django's "Delete selected" does:
    each booking it would end with what happens to its money, those it would leave as they
    are, and a "Yes" that posts the action again with `post=yes`."""
    bookings = list(
        queryset.select_related("client", "session_type", "photographer").order_by("starts_at")
    )
    ending_ids = set(bookings_ending(queryset, statuses).values_list("pk", flat=True))
    ending = [booking for booking in bookings if booking.pk in ending_ids]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("%(action)s?") % {"action": label},
        "opts": model_admin.model._meta,
        "label": label,
        "action": action,
        "ending": [
            (booking, money_said(booking, doing) if doing != "decline" else "")
            for booking in ending
        ],
        "left": [booking for booking in bookings if booking.pk not in ending_ids],
        "selected": [booking.pk for booking in bookings],
    }
    return TemplateResponse(request, "admin/shoots/booking/list_act_confirm.html", context)
