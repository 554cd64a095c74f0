"""The studio records a bank transfer on a booking's admin page, in Chromium: too much is
refused with what was typed kept, the right amount goes through, and the page's balance,
payments and history show it; the page has no serious accessibility problem."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions.payments.ledger import booking_balance_due
from studio.models import SentEmail
from tests.browser.admin_pages import press, shot, sign_in
from tests.browser.checks import axe_violations
from tests.factories import BookingFactory
from tests.payment_fixtures import payment_received

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def booking(portrait, anna, stripe_standin, settings, live_server, eager_tasks):
    """Anna's £150 portrait next week, its £50 deposit paid online: £100 left to pay."""
    settings.SITE_URL = live_server.url
    day = timezone.localdate(timezone=LONDON) + timedelta(days=7)
    booking = BookingFactory(
        client=anna,
        session_type=portrait,
        photographer=portrait.photographers.get(),
        starts_at=datetime.combine(day, time(10), LONDON),
    )
    payment_received(
        booking, amount=5000, paid_at=timezone.now(), stripe_payment_intent_id="pi_browser_1"
    )
    return booking


def test_the_studio_records_a_bank_transfer_and_sees_the_balance_go_down(
    page, booking, staff_user, stripe_standin
):
    sign_in(page)
    page.goto(f"/admin/shoots/booking/{booking.pk}/change/")
    expect(page.locator(".field-money_summary")).to_contain_text("Balance due: £100.00")
    press(page, page.get_by_role("link", name="Record a payment received"))

    expect(page.locator(".payment-owed")).to_contain_text("Balance still to pay: £100.00")
    expect(page.get_by_label("The balance")).to_be_checked()
    expect(page.get_by_label("Amount received")).to_have_value("100.00")
    problems = axe_violations(page)
    assert problems == [], "\n".join(problems)
    page.get_by_label("Amount received").fill("120.00")
    page.get_by_label("Paid by").select_option(label="Bank transfer")
    page.get_by_label("Reference").fill("LUMEN ANNA K")
    press(page, page.get_by_role("button", name="Record the payment"))
    expect(page.locator(".errorlist")).to_have_text(
        "That is more than is owed: at most £100.00 is left to pay for this."
    )
    expect(page.get_by_label("Amount received")).to_have_value("120.00")
    expect(page.get_by_label("Reference")).to_have_value("LUMEN ANNA K")
    shot(page, "payment-record-refused")

    page.get_by_label("Amount received").fill("40.00")
    press(page, page.get_by_role("button", name="Record the payment"))
    expect(page.locator(".messagelist .success")).to_have_text(
        "Recorded: £40.00 by bank transfer, for the balance. The client is emailed a receipt."
    )
    expect(page.locator(".field-money_summary .readonly")).to_have_text(
        "Received £90.00 of £150.00 · Balance due: £60.00"
    )
    payments = page.locator("#payments-group")
    expect(payments).to_contain_text("Bank transfer")
    expect(payments).to_contain_text("LUMEN ANNA K")
    expect(page.locator(".booking-story")).to_contain_text(
        "Payment recorded: £40.00 by bank transfer · by owner"
    )
    shot(page, "payment-recorded")
    assert booking_balance_due(booking) == 6000
    assert list(SentEmail.objects.values_list("kind", flat=True)) == ["payment-recorded"]
    assert stripe_standin.requests == []
    assert page.console_errors == []


def test_the_deposit_owed_is_asked_first_and_each_choice_fills_in_its_amount(
    page, portrait, anna, staff_user, stripe_standin
):
    day = timezone.localdate(timezone=LONDON) + timedelta(days=8)
    unpaid = BookingFactory(  # confirmed without its deposit: £50 of it, then £100
        client=anna,
        session_type=portrait,
        photographer=portrait.photographers.get(),
        starts_at=datetime.combine(day, time(10), LONDON),
    )
    sign_in(page)
    page.goto(f"/admin/shoots/booking/{unpaid.pk}/payments/record/")
    expect(page.get_by_label("The deposit")).to_be_checked()
    amount = page.get_by_label("Amount received")
    expect(amount).to_have_value("50.00")
    page.get_by_label("The balance").check()
    expect(amount).to_have_value("150.00")
    page.get_by_label("The deposit").check()
    expect(amount).to_have_value("50.00")
    amount.fill("20.00")  # typed by hand: choosing leaves it
    page.get_by_label("The balance").check()
    expect(amount).to_have_value("20.00")
    assert page.console_errors == []
