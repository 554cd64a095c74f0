"""Asking first: a booking page's buttons that end a booking (cancel, refunding or keeping
what was paid; decline a request) show what will happen, money included, and act only when
confirmed. A slip of the finger on a phone cancels nothing."""

from dataclasses import dataclass

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from sessions.models import Booking, Payment
from studio.money import money_format

ASK_FIRST = {"cancel", "cancel_keep", "decline"}


@dataclass
class PaidSoFar:
    by_card: int  # given back through Stripe on a refund
    another_way: int  # bank transfer, cash: given back by the studio itself
    currency: str

    @property
    def total(self) -> int:
        return self.by_card + self.another_way


def paid_so_far(booking: Booking) -> PaidSoFar:
    by_card = another_way = 0
    for payment in booking.payments.filter(status__in=Payment.RECEIVED_STATUSES):
        if payment.currency_received != booking.currency:
            continue
        kept = payment.amount_received - payment.amount_refunded
        if payment.recorded:
            another_way += kept
        else:
            by_card += kept
    return PaidSoFar(by_card=by_card, another_way=another_way, currency=booking.currency)


def given_back_yourself(booking: Booking, paid: PaidSoFar) -> str | None:
    """After a cancellation refunding in full: the reminder that money paid another way
    goes back from the studio's own account (Sitting records it as refunded)."""
    if not paid.another_way:
        return None
    return _(
        "Give back the %(amount)s paid another way (bank transfer, cash) yourself: Sitting "
        "records it as refunded and has told the client it is coming back to them."
    ) % {"amount": money_format(paid.another_way, paid.currency)}


def act_confirm_response(request, model_admin, booking: Booking, *, doing: str, label: str):
    paid = paid_so_far(booking)
    money = {
        "total": money_format(paid.total, paid.currency),
        "card": money_format(paid.by_card, paid.currency),
        "other": money_format(paid.another_way, paid.currency),
    }
    if not paid.total:
        what_money = _("Nothing has been paid for it.")
    elif doing == "cancel_keep":
        what_money = _("The %(total)s paid is kept: nothing is refunded.") % money
    elif paid.another_way and paid.by_card:
        what_money = (
            _(
                "%(card)s paid by card is refunded to the card; the %(other)s paid another way "
                "you give back yourself."
            )
            % money
        )
    elif paid.another_way:
        what_money = (
            _(
                "The %(other)s was paid another way (bank transfer, cash): you give it back "
                "yourself, and Sitting records it as refunded."
            )
            % money
        )
    else:
        what_money = _("The %(total)s paid is refunded in full to the card.") % money
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("%(action)s?") % {"action": label},
        "opts": model_admin.model._meta,
        "booking": booking,
        "doing": doing,
        "label": label,
        "what_money": what_money if doing != "decline" or paid.total else "",
    }
    return TemplateResponse(request, "admin/shoots/booking/act_confirm.html", context)
