"""A payment plan whose booking's hold ran out while the client paid the deposit: the time
still free, the late deposit confirms the booking, and the plan collects as it would have."""

from datetime import timedelta

from django.urls import reverse

from sessions.access import booking_token
from sessions.models import Booking, Installment, Payment
from sessions.payments.checkout import booking_holds_expire
from tests.sessions.test_payment_plans import (  # noqa: F401  (fixtures)
    HALF_DUE,
    booked,
    collect,
    deliver,
    family,
)


def test_a_late_deposit_brings_back_the_plan_closed_with_the_hold(
    booked,  # noqa: F811
    client,
    stripe_standin,
    deliver,  # noqa: F811
    run_tasks,
    pay_clock,
):
    deposit = booked.payments.get(kind=Payment.Kind.DEPOSIT)
    response = client.post(
        reverse("sessions:booking-pay", args=[booking_token(booked)]),
        {"payment": deposit.pk, "autopay": "on"},
    )
    assert response.status_code == 303
    deposit.refresh_from_db()

    late = booked.hold_expires_at + timedelta(minutes=5)
    pay_clock.move_to(late)
    booking_holds_expire(now=late)  # the hold runs out while Anna is on Checkout
    collect(run_tasks, now=late)  # the scan sees a booking that ended
    assert set(booked.installments.values_list("status", flat=True)) == {"cancelled"}

    paid = stripe_standin.complete_session(deposit.stripe_checkout_session_id)
    with run_tasks():
        assert deliver(stripe_standin.event("checkout.session.completed", paid)).status_code == 200
    booked.refresh_from_db()
    assert booked.status == Booking.Status.CONFIRMED  # its time was still free

    assert set(booked.installments.values_list("status", flat=True)) == {"scheduled"}
    pay_clock.move_to(HALF_DUE)
    collect(run_tasks, now=HALF_DUE)
    part = booked.installments.get(label="Second payment")
    assert part.status == Installment.Status.PAID
    assert part.payment.amount_received == 29500
