"""Choosing a package and add-ons in a real browser: the running total, the calendar of
that length, and the deposit of the package chosen paid on the stand-in's Checkout page."""

from datetime import date, time

import pytest
from playwright.sync_api import expect

from sessions.models import AddOn, AvailabilityRule, Booking, DiscountCode, Payment
from tests.factories import PhotographerFactory
from tests.package_fixtures import family_with_packages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def family(studio):
    maya = PhotographerFactory(display_name="Maya Lind")
    for weekday in range(7):
        AvailabilityRule.objects.create(
            photographer=maya, weekday=weekday, start_time=time(9), end_time=time(17)
        )
    return family_with_packages([maya])


def test_the_total_follows_the_choice_and_the_booking_keeps_it(page, payments_on, family):
    page.goto("/")
    page.get_by_role("link", name="Book a Family session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Family")
    total = page.locator("[data-offer-total]")
    expect(total).to_have_text("£325.00")

    page.get_by_text("Signature").click()
    expect(total).to_have_text("£495.00")
    expect(page.locator("[data-offer-deposit]")).to_have_text("£100.00")
    page.get_by_label("Hair and make-up").check()
    expect(total).to_have_text("£590.00")
    expect(page.locator("[data-offer-minutes]")).to_have_text("135")
    page.get_by_label("Rush editing").check()
    page.get_by_label("Rush editing").uncheck()
    expect(total).to_have_text("£590.00")
    page.get_by_role("button", name="Continue to choose a time").click()

    expect(page.get_by_text("£590.00")).to_be_visible()
    page.locator("a.day-free").first.click()
    slots = page.locator("a.slot-button")
    # 09:00 to 17:00 in steps of 30 minutes, for a session of 2 h 15 min: last start 14:30.
    expect(slots.last).to_have_text("14:30")
    slots.first.click()

    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    expect(page.get_by_text("+£95.00")).to_be_visible()
    page.get_by_label("Your name").fill("Rosa Diaz")
    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_role("button", name="Book this session").click()
    expect(page).to_have_title("Stand-in Checkout")
    expect(page.get_by_text("Total: 100.00 GBP")).to_be_visible()
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("heading", name="Payment received — you're booked")).to_be_visible()

    booking = Booking.objects.get()
    assert (booking.package.name, booking.price, booking.deposit) == ("Signature", 59000, 10000)
    assert booking.payments.get().status == Payment.Status.PAID
    page.get_by_role("link", name="See your booking").click()
    expect(page.get_by_text("Family, Signature · 135 minutes")).to_be_visible()
    expect(page.get_by_text("+ Hair and make-up")).to_be_visible()
    assert page.console_errors == []


def test_the_choice_works_with_the_keyboard_and_on_a_phone(page, family):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/book/family/")
    signature = page.get_by_role("radio", name="Signature")
    page.get_by_role("radio", name="Essentials").focus()
    page.keyboard.press("ArrowRight")
    expect(signature).to_be_checked()
    expect(page.locator("[data-offer-total]")).to_have_text("£495.00")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
    assert page.console_errors == []


def test_a_code_typed_on_the_details_page_shows_the_new_total_and_deposit(
    page, payments_on, family
):
    DiscountCode.objects.create(code="SPRING25", percent_off=2500)
    DiscountCode.objects.create(code="OLD", percent_off=1000, valid_until=date(2020, 1, 1))
    page.goto("/book/family/")
    page.get_by_text("Signature").click()
    page.get_by_role("button", name="Continue to choose a time").click()
    page.locator("a.day-free").first.click()
    page.locator("a.slot-button").first.click()

    page.get_by_label("Your name").fill("Rosa Diaz")
    page.get_by_label("Gift voucher or discount code").fill("old")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("That code has expired.")).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_value("Rosa Diaz")

    page.get_by_label("Gift voucher or discount code").fill("spring25")
    page.get_by_label("Gift voucher or discount code").press("Enter")  # Enter applies it
    lines = page.locator(".code-lines")
    expect(lines).to_contain_text("Discount SPRING25 (25%)")
    expect(lines).to_contain_text("−£123.75")
    expect(lines).to_contain_text("£371.25")
    expect(page.locator(".code-deposit")).to_have_text("£100.00 deposit to book")

    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_role("button", name="Book this session").click()
    expect(page).to_have_title("Stand-in Checkout")
    expect(page.get_by_text("Total: 100.00 GBP")).to_be_visible()
    page.get_by_role("button", name="Pay").click()
    page.get_by_role("link", name="See your booking").click()
    expect(page.get_by_text("less £123.75 discount: £371.25")).to_be_visible()
    booking = Booking.objects.get()
    assert (booking.discount, booking.redemptions.get().code) == (12375, "SPRING25")
    assert page.console_errors == []


def test_prices_entered_before_tax_are_shown_and_totalled_with_it(page, studio, family):
    """The studio enters prices before 20% VAT; make-up is at 5%: the client sees and adds
    up what they will pay."""
    studio.tax_name, studio.tax_rate, studio.prices_include_tax = "VAT", 2000, False
    studio.save()
    AddOn.objects.filter(pk=family.make_up.pk).update(tax_rate=500)
    page.goto("/")
    expect(page.get_by_text("from £390.00")).to_be_visible()  # Essentials, £325 + VAT
    page.get_by_role("link", name="Book a Family session").click()
    total = page.locator("[data-offer-total]")
    expect(total).to_have_text("£390.00")
    expect(page.get_by_text("Prices include VAT.")).to_be_visible()
    page.get_by_text("Signature").click()
    expect(total).to_have_text("£594.00")  # £495 + £99 VAT
    page.get_by_label("Hair and make-up").check()
    expect(total).to_have_text("£693.75")  # + £95 + £4.75 VAT at 5%
    page.get_by_role("button", name="Continue to choose a time").click()
    expect(page.get_by_text("£693.75")).to_be_visible()
    expect(page.get_by_text("+£99.75")).to_be_visible()
    assert page.console_errors == []
