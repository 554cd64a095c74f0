"""A gift voucher in a real browser: bought on /gift/ and paid on the stand-in's Checkout
page, then its code typed when booking: it pays the whole session and keeps the rest, which
the studio then refunds from the admin's list of vouchers."""

from datetime import time

import pytest
from playwright.sync_api import expect

from sessions.models import AvailabilityRule, Booking, GiftVoucher, VoucherPayment
from sessions.payments.vouchers import voucher_remaining
from tests.browser.admin_pages import press, sign_in
from tests.factories import PhotographerFactory, SessionTypeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portrait(studio):
    maya = PhotographerFactory(display_name="Maya Lind")
    for weekday in range(7):
        AvailabilityRule.objects.create(
            photographer=maya, weekday=weekday, start_time=time(9), end_time=time(17)
        )
    return SessionTypeFactory(
        name="Portrait", slug="portrait", price=15000, deposit=5000, photographers=[maya]
    )


def test_a_voucher_bought_online_pays_for_a_booking_and_keeps_the_rest(
    page, payments_on, portrait, staff_user
):
    page.goto("/")
    page.get_by_role("link", name="Gift vouchers").click()
    page.get_by_label("£200.00").check()
    page.get_by_label("Your name").fill("Rosa Diaz")
    page.get_by_label("Your email").fill("rosa@example.com")
    page.get_by_label("Who it is for").fill("Amy Santiago")
    page.get_by_label("A message for them").fill("Happy birthday!")
    page.get_by_role("button", name="Pay and get the voucher").click()
    expect(page).to_have_title("Stand-in Checkout")
    expect(page.get_by_text("Total: 200.00 GBP")).to_be_visible()
    page.get_by_role("button", name="Pay").click()

    expect(page.get_by_text("Your £200.00 voucher is ready.")).to_be_visible()
    voucher = GiftVoucher.objects.get()
    assert voucher.status == GiftVoucher.Status.PAID
    expect(page.locator(".voucher-code")).to_have_text(voucher.code)
    pdf = page.get_by_role("link", name="Download the voucher (PDF)")
    expect(pdf).to_be_visible()

    page.goto("/book/portrait/")
    page.locator("a.day-free").first.click()
    page.locator("a.slot-button").first.click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    page.get_by_label("Gift voucher or discount code").fill(voucher.code.lower())
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text(f"Gift voucher {voucher.code}")).to_be_visible()
    expect(page.get_by_text("Left to pay")).to_be_visible()
    expect(page.get_by_text("Nothing to pay to book")).to_be_visible()
    page.get_by_label("Your name").fill("Amy Santiago")
    page.get_by_label("Email").fill("amy@example.com")
    page.get_by_role("button", name="Book this session").click()

    expect(page.get_by_text("£150.00 paid by gift voucher")).to_be_visible()
    booking = Booking.objects.get()
    assert (booking.status, booking.gift_voucher_amount, booking.discount) == (
        Booking.Status.CONFIRMED,
        15000,
        0,
    )
    assert voucher_remaining(voucher) == 5000

    # The studio gives the £50 left back to Rosa's card.
    sign_in(page)
    page.goto("/admin/shoots/giftvoucher/")
    page.get_by_role("checkbox", name="Select this object for an action").first.check()
    page.locator("select[name=action]").select_option(label="Refund what is left on the voucher")
    press(page, page.get_by_role("button", name="Go"))
    expect(page.get_by_text(f"£50.00 refunded on {voucher.code}")).to_be_visible()
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("Void")
    expect(row).to_contain_text("£0.00")
    (refund,) = payments_on.refunds.values()
    assert (refund["amount"], refund["payment_intent"]) == (
        5000,
        VoucherPayment.objects.get().stripe_payment_intent_id,
    )
    assert page.console_errors == []
