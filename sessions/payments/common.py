"""What the payment modules share: row locks in the house order, and the payment page."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sessions.models import Booking
from sessions.payments.models import Payment
from studio.background import task_enqueue_on_commit
from studio.selectors import studio_get

UNPAID_STATUSES = (Payment.Status.PENDING, Payment.Status.FAILED, Payment.Status.EXPIRED)


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


def checkout_is_open(payment: Payment, *, now: datetime) -> bool:
    """Whether the payment's Checkout page can still be paid for a minute at least."""
    return bool(
        payment.checkout_url
        and payment.checkout_expires_at
        and payment.checkout_expires_at > now + timedelta(minutes=1)
    )


def checkout_close_later(session_id: str) -> None:
    """Close a Checkout Session at Stripe from a worker, after commit."""
    from sessions.tasks import payment_checkout_close_task

    task_enqueue_on_commit(payment_checkout_close_task, session_id=session_id)


def payment_expire(payment: Payment, *, reason: str) -> None:
    """Close an unpaid payment: nothing more can be paid on it. Call holding its lock."""
    payment.status, payment.failure_reason = Payment.Status.EXPIRED, reason
    payment.checkout_url, payment.checkout_expires_at = "", None
    payment.save()


def studio_zone() -> ZoneInfo:
    return ZoneInfo(studio_get().time_zone)
