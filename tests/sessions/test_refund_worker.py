"""A refund goes out through a real worker on Redis: sent to Stripe once, client emailed."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from sessions.booking_changes import booking_cancel
from sessions.models import Booking, Payment, Refund
from sessions.payments.checkout import payment_checkout_url
from sessions.payments.webhooks import payment_refresh
from studio.celery import app as celery_app
from studio.models import SentEmail
from tests.factories import BookingFactory


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_worker_sends_a_cancellation_refund_to_stripe_once(
    redis_url, studio, portrait, anna, stripe_standin
):
    booking = BookingFactory(
        client=anna,
        session_type=portrait,
        photographer=portrait.photographers.get(),
        starts_at=timezone.now() + timedelta(days=10),
        status=Booking.Status.HELD,
        hold_expires_at=timezone.now() + timedelta(minutes=30),
    )
    payment = Payment.objects.create(
        booking=booking, kind=Payment.Kind.DEPOSIT, amount=5000, currency="GBP"
    )
    payment_checkout_url(payment_id=payment.pk)
    payment.refresh_from_db()
    stripe_standin.complete_session(payment.stripe_checkout_session_id)
    celery_app.control.purge()
    with start_worker(celery_app, perform_ping_check=False, pool="solo", concurrency=1):
        payment_refresh(payment_id=payment.pk)  # paid: confirmed, email queued
        booking_cancel(booking_id=booking.pk, by_client=False)  # refund queued
        assert wait_for(
            lambda: (
                Refund.objects.filter(status=Refund.Status.SUCCEEDED).exists()
                and SentEmail.objects.filter(key__contains=":refund_issued:").exists()
            )
        )
    (asked,) = stripe_standin.requests_to("POST", "/v1/refunds")
    refund = Refund.objects.get()
    assert asked.headers["Idempotency-Key"] == f"sitting-refund-{refund.pk}"
    assert asked.params["amount"] == "5000"
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == (Payment.Status.REFUNDED, 5000)
    assert SentEmail.objects.get(key__contains=":refund_issued:").subject == "We've refunded £50.00"
