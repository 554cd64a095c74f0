"""Booking with a deposit in a real browser, paying on the Stripe stand-in's Checkout page."""

from datetime import time

import pytest
from playwright.sync_api import expect

from sessions.models import AvailabilityRule, Booking, Payment
from tests.factories import PhotographerFactory, SessionTypeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portrait_with_deposit(studio):
    studio.policies = "The deposit is refunded in full if you cancel 48 hours ahead."
    studio.save()
    maya = PhotographerFactory(display_name="Maya Lind")
    for weekday in range(7):
        AvailabilityRule.objects.create(
            photographer=maya, weekday=weekday, start_time=time(8), end_time=time(20)
        )
    return SessionTypeFactory(
        name="Portrait",
        slug="portrait",
        duration_minutes=60,
        price=15000,
        deposit=5000,
        photographers=[maya],
    )


def book_and_reach_checkout(page) -> None:
    page.goto("/book/portrait/")
    page.locator("a.day-free").first.click()
    page.locator("a.slot-button").first.click()
    page.get_by_label("Your name").fill("Rosa Diaz")
    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_label("I have read and agree").check()
    page.get_by_role("button", name="Book this session").click()
    expect(page).to_have_title("Stand-in Checkout")
    expect(page.get_by_text("Total: 50.00 GBP")).to_be_visible()
    expect(page.get_by_text("Deposit: Portrait session on")).to_be_visible()


def test_a_client_pays_the_deposit_and_is_booked(page, payments_on, portrait_with_deposit):
    book_and_reach_checkout(page)
    page.get_by_role("button", name="Pay").click()

    expect(page.get_by_role("heading", name="Payment received — you're booked")).to_be_visible()
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.payments.get().status == Payment.Status.PAID
    page.get_by_role("link", name="See your booking").click()
    expect(page.get_by_text("£50.00 · deposit")).to_be_visible()
    assert page.console_errors == []


def test_the_return_page_waits_for_stripe_and_updates_by_itself(
    page, payments_on, portrait_with_deposit
):
    payments_on.auto_webhooks = False  # Stripe's webhook is late...
    book_and_reach_checkout(page)
    # ...and Stripe's API is briefly unreachable, so the page cannot ask it either.
    payments_on.fail_next("GET", "/v1/checkout/sessions", status=500, count=3)
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("heading", name="Confirming your payment…")).to_be_visible()

    payment = Payment.objects.get()
    session = payments_on.sessions[payment.stripe_checkout_session_id]
    assert payments_on.send_event(payments_on.event("checkout.session.completed", session)) == 200
    expect(page.get_by_role("heading", name="Payment received — you're booked")).to_be_visible(
        timeout=10_000
    )
    assert page.console_errors == []


def test_leaving_checkout_keeps_the_hold_and_paying_later_works(
    page, payments_on, portrait_with_deposit
):
    book_and_reach_checkout(page)
    page.get_by_role("link", name="Back").click()

    expect(page.get_by_role("heading", name="Your time is held")).to_be_visible()
    expect(page.get_by_text("You left the payment page before paying")).to_be_visible()
    expect(page.get_by_text("minutes left.")).to_be_visible()
    page.get_by_role("button", name="Pay £50.00 securely").click()
    expect(page).to_have_title("Stand-in Checkout")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("heading", name="Payment received — you're booked")).to_be_visible()
    assert len(payments_on.requests_to("POST", "/v1/checkout/sessions")) == 1
    assert page.console_errors == []
