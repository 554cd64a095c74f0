"""What the payment modules share: row locks in the house order, closing a payment."""

from sessions.models import Booking
from sessions.payments.ledger import booking_balance_due
from sessions.payments.models import Payment
from studio.background import task_enqueue_on_commit


def booking_lock(booking_id: int) -> None:
    """Row-lock a booking before its payments (the order every path uses)."""
    list(Booking.objects.select_for_update().filter(pk=booking_id).values_list("pk"))


def payment_locked(payment_id: int) -> Payment:
    """The payment, row-locked, with its booking. Call inside a transaction."""
    return (
        Payment.objects.select_for_update(of=("self",))
        .select_related("booking__client", "booking__session_type", "booking__photographer")
        .get(pk=payment_id)
    )


def checkout_close_later(session_id: str) -> None:
    """Close a Checkout Session at Stripe from a worker, after commit."""
    task_enqueue_on_commit("sessions.tasks.payment_checkout_close_task", session_id=session_id)


def payment_expire(payment: Payment, *, reason: str) -> None:
    """Close an unpaid payment: nothing more can be paid on it. Call holding its lock."""
    payment.status, payment.failure_reason = Payment.Status.EXPIRED, reason
    payment.checkout_url, payment.checkout_expires_at = "", None
    payment.save()


def balance_asked_update(booking: Booking, *, reason: str) -> None:
    """Money came in another way: the balance the client was asked for asks what is left
    now (its open page closed after commit; a new one when they next pay), or closes, for
    `reason`, if nothing is. Call holding the booking's lock."""
    asked = (
        Payment.objects.select_for_update()
        .filter(booking=booking, kind=Payment.Kind.BALANCE, status=Payment.Status.PENDING)
        .first()
    )
    if asked is None:
        return
    if asked.checkout_url and asked.stripe_checkout_session_id:
        checkout_close_later(asked.stripe_checkout_session_id)
    due = booking_balance_due(booking)
    if not due:
        payment_expire(asked, reason=reason)
        return
    asked.amount, asked.checkout_url, asked.checkout_expires_at = due, "", None
    asked.save(update_fields=["amount", "checkout_url", "checkout_expires_at", "updated_at"])
