"""Stripe delivers the same event several times at once: it is acted on exactly once."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client as Browser
from django.urls import reverse

from sessions.models import Booking, Payment, StripeEvent
from sessions.payments.checkout import payment_checkout_url
from studio.models import SentEmail

DELIVERIES = 8


@pytest.mark.django_db(transaction=True)
def test_simultaneous_deliveries_of_one_event_confirm_the_booking_once(
    held, stripe_standin, eager_tasks
):
    payment = held.payments.get(kind=Payment.Kind.DEPOSIT)
    payment_checkout_url(payment_id=payment.pk)
    payment.refresh_from_db()
    session = stripe_standin.complete_session(payment.stripe_checkout_session_id)
    body = json.dumps(stripe_standin.event("checkout.session.completed", session)).encode()
    signature = stripe_standin.sign(body)
    start = threading.Barrier(DELIVERIES)
    answers: list[tuple[int, bytes]] = []
    errors: list[BaseException] = []

    def deliver():
        try:
            start.wait()
            response = Browser().post(
                reverse("sessions:stripe-webhook"),
                data=body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=signature,
            )
            answers.append((response.status_code, response.content))
        except BaseException as error:  # a 500 in the making: fail the test with it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(DELIVERIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    processed = [content for status, content in answers if content.startswith(b"payment ")]
    assert processed == [f"payment {payment.pk} is paid".encode()]
    # The rest were told "already processed" (200) or "in flight, try later" (409).
    assert {status for status, content in answers if content not in processed} <= {200, 409}
    assert len(answers) == DELIVERIES
    assert StripeEvent.objects.count() == 1
    assert len(stripe_standin.requests_to("GET", "/v1/checkout/sessions/")) == 1
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    assert SentEmail.objects.filter(key__startswith=f"booking:{held.pk}:confirmed").count() == 1
