"""The client's side of a payment plan: what their booking page shows of it (the parts,
their dates and status, the saved card), their consent to autopay when they pay, and
stopping it."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sessions.access import booking_get_by_token, booking_url
from sessions.models import Booking
from sessions.payments.autopay import saved_card_remove
from sessions.payments.common import booking_lock, payment_locked
from sessions.payments.installments import plan_lines, saved_card_active
from sessions.payments.models import Payment
from sessions.payments.plans import Installment


def plan_context(booking: Booking) -> dict:
    """`plan` (its lines), `saved_card` (the active one), `autopay_offer` (whether paying
    now may save the card for the parts to come) and `plan_today` (the studio's date: a part
    due by then says so)."""
    if booking.status in Booking.ENDED_STATUSES:
        # Nothing more is asked of a booking that will not go ahead (its open parts were
        # closed with it; one being charged that moment never shows as still to come).
        return {"plan": [], "saved_card": None, "autopay_offer": False}
    lines = plan_lines(booking)
    card = saved_card_active(booking) if lines else None
    to_come = any(
        line.installment.status == Installment.Status.SCHEDULED and line.amount for line in lines
    )
    return {
        "plan": lines,
        "saved_card": card,
        "autopay_offer": settings.PAYMENTS_ENABLED and to_come and card is None,
        "plan_today": timezone.localdate(),
    }


def payment_card_consent(*, payment_id: int, save_card: bool) -> None:
    """Record whether the client agreed to keep their card when paying this. An open payment
    page made with the other answer no longer counts: a new one is made."""
    booking_id = Payment.objects.values_list("booking_id", flat=True).get(pk=payment_id)
    with transaction.atomic():
        booking_lock(booking_id)
        payment = payment_locked(payment_id)
        if payment.save_card == save_card or payment.status != Payment.Status.PENDING:
            return
        payment.save_card, payment.checkout_expires_at = save_card, None
        payment.save(update_fields=["save_card", "checkout_expires_at", "updated_at"])


@never_cache
@require_POST
def saved_card_remove_view(request, token):
    booking = booking_get_by_token(token)
    if saved_card_remove(booking_id=booking.pk):
        messages.success(
            request,
            _(
                "Done: your card won't be charged again. We'll email you a link when each "
                "payment is due."
            ),
        )
    return redirect(booking_url(booking))
