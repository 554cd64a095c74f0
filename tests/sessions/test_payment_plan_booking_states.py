"""A payment plan as its booking's state changes: a hold that ran out while the client paid
the deposit (the time still free, the late deposit confirms the booking, and the plan
collects as it would have), a request waiting for the studio with payments off, and a
part paid on a page left open after the booking was cancelled."""

from datetime import timedelta

from django.urls import reverse

from sessions.access import booking_token
from sessions.booking_changes import booking_cancel
from sessions.models import Booking, Installment, Payment, Refund
from sessions.payments.checkout import booking_holds_expire
from sessions.payments.installments import plan_lines
from sessions.payments.offers import Offer
from sessions.services import booking_create
from tests.payment_fixtures import LONDON
from tests.sessions.test_payment_plans import (  # noqa: F401  (fixtures)
    HALF_DUE,
    JULY_FIRST,
    booked,
    collect,
    deliver,
    family,
    pay_deposit,
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


def test_without_online_payments_a_request_shows_the_parts_after_the_deposit(
    family,  # noqa: F811
    anna,
    settings,
    pay_clock,
):
    """Payments off, the studio approves each booking: the deposit is paid at the studio,
    and the plan's parts are what is left after it, no less."""
    settings.PAYMENTS_ENABLED = False
    family.requires_approval = True
    family.save(update_fields=["requires_approval"])
    offer = Offer(session_type=family, package=family.signature, add_ons=(family.make_up,))
    request = booking_create(
        client=anna, session_type=family, starts_at=JULY_FIRST, tz=LONDON, offer=offer
    )
    assert request.status == Booking.Status.REQUESTED
    assert [line.amount for line in plan_lines(request)] == [29500, 19500]


def test_a_part_paid_on_a_page_left_open_after_the_booking_was_cancelled_is_given_back(
    booked,  # noqa: F811
    client,
    stripe_standin,
    deliver,  # noqa: F811
    run_tasks,
    pay_clock,
):
    """Anna's card was declined, so she opened the second payment's page; the studio then
    cancelled the session, and she paid before the page was closed at Stripe."""
    pay_deposit(client, booked, stripe_standin, deliver, autopay=True, card="declined")
    pay_clock.move_to(HALF_DUE)
    collect(run_tasks, now=HALF_DUE)
    part = booked.installments.get(label="Second payment")
    pay = reverse("sessions:booking-pay", args=[booking_token(booked)])
    assert client.post(pay, {"payment": part.payment_id}).status_code == 303
    part.payment.refresh_from_db()
    page = part.payment.stripe_checkout_session_id

    booking_cancel(booking_id=booked.pk, by_client=False, now=HALF_DUE)  # its page closes later
    paid = stripe_standin.complete_session(page)
    with run_tasks():
        assert deliver(stripe_standin.event("checkout.session.completed", paid)).status_code == 200

    payment = Payment.objects.get(pk=part.payment_id)
    assert payment.amount_received == 29500
    refund = payment.refunds.get()
    assert (refund.amount, refund.reason) == (29500, Refund.Reason.CANCELLATION)
