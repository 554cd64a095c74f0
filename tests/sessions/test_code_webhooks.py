"""A code's use and the deposit's fate at Stripe: a page closing unpaid gives the use back;
a deposit arriving after the hold ran out (the time still free) takes it again."""

from datetime import timedelta

import pytest

from sessions.models import Booking, CodeRedemption, DiscountCode, Payment
from sessions.payments.checkout import booking_holds_expire, payment_checkout_url
from sessions.services import booking_create
from tests.payment_fixtures import LONDON, PAY_TEN


@pytest.fixture
def deliver(post_event, eager_tasks, django_capture_on_commit_callbacks):
    def run(event):
        with django_capture_on_commit_callbacks(execute=True):
            return post_event(event)

    return run


@pytest.fixture
def held_with_code(stripe_standin, pay_clock, portrait, anna):
    """Anna's portrait, £150 less 25%, held while she pays the £50 deposit on an open page."""
    DiscountCode.objects.create(code="SPRING25", percent_off=2500, usage_limit=1)
    booking = booking_create(
        client=anna, session_type=portrait, starts_at=PAY_TEN, tz=LONDON, code="SPRING25"
    )
    payment = booking.payments.get(kind=Payment.Kind.DEPOSIT)
    payment_checkout_url(payment_id=payment.pk)
    payment.refresh_from_db()
    return booking, stripe_standin.sessions[payment.stripe_checkout_session_id]


def test_a_payment_page_closing_unpaid_gives_the_use_back(held_with_code, stripe_standin, deliver):
    booking, checkout = held_with_code
    expired = stripe_standin.expire_session(checkout["id"])
    assert deliver(stripe_standin.event("checkout.session.expired", expired)).status_code == 200

    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
    assert CodeRedemption.objects.get(booking=booking).released_at is not None


def test_a_deposit_paid_after_the_hold_ran_out_takes_the_use_again(
    held_with_code, stripe_standin, deliver, pay_clock
):
    booking, checkout = held_with_code
    pay_clock.shift(timedelta(minutes=31))
    assert booking_holds_expire() == 1
    assert CodeRedemption.objects.get(booking=booking).released_at is not None

    paid = stripe_standin.complete_session(checkout["id"])
    assert deliver(stripe_standin.event("checkout.session.completed", paid)).status_code == 200

    booking.refresh_from_db()
    assert (booking.status, booking.discount) == (Booking.Status.CONFIRMED, 3750)
    assert CodeRedemption.objects.get(booking=booking).released_at is None
