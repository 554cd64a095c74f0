"""Emails about a payment plan's part: due and to be paid by link (no card saved), the bank
asking the client to confirm, the card declined, and the reminders after. Each is sent once
per part and key (an attempt, a reminder's number)."""

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sessions.access import booking_url
from sessions.models import Booking
from sessions.payments.emails import booking_money_email_send
from sessions.payments.installments import installment_amount_now
from sessions.payments.plans import Installment
from studio.money import money_format

REASONS = ("no_card", "authentication", "declined", "failed", "reminder")


def installment_email_send(*, installment_id: int, reason: str, key: str) -> bool:
    """Ask the client to pay a part of their plan. False if it was sent already, or the
    part no longer waits for them."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    part = (
        Installment.objects.select_related(
            "booking__client", "booking__session_type", "booking__photographer"
        )
        .filter(pk=installment_id)
        .first()
    )
    if part is None or part.status != Installment.Status.ACTION_NEEDED:
        return False
    booking = part.booking
    if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.COMPLETED):
        return False
    amount = installment_amount_now(part)
    if amount <= 0:
        return False
    return booking_money_email_send(
        booking,
        key=f"installment:{part.pk}:{key}",
        kind="installment_due",
        context=lambda studio: installment_message(part, amount, reason=reason, studio=studio),
    )


def installment_message(part: Installment, amount: int, *, reason: str, studio) -> dict:
    """The context of emails/installment-due/: what is due, why the client is asked, and
    how to pay (a button with payments on, the studio's instructions without)."""
    booking = part.booking
    context = {
        "amount": money_format(amount, part.currency),
        "label": part.label,
        "what": booking.session_type.called,
        "due_on": date_format(part.due_on, "l j F Y"),
        "ref": booking.reference,
        "reason": reason,
        "online": settings.PAYMENTS_ENABLED,
        "instructions": studio.payment_instructions.strip(),
        "button_link": booking_url(booking, absolute=True),
    }
    if settings.PAYMENTS_ENABLED:
        context["button"] = (
            _("Pay %(amount)s") % {"amount": context["amount"]},
            context["button_link"],
        )
    return context
