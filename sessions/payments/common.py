"""What the payment modules share: row locks in the house order, closing a payment."""

from sessions.models import Booking
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
