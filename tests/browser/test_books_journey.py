"""From a booking to the accountant, in Chromium: a client books the Signature package with
the make-up add-on and a code, pays the deposit on the stand-in's Checkout page, finds the
invoice and receipt on their home page; the studio downloads the month's books, and the
figures are the ledger's."""

import csv
import io
import re
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from clients.services import sign_in_link_create
from sessions.models import AvailabilityRule, Booking, DiscountCode, Invoice
from sessions.payments.ledger import money_ledger
from tests.browser.admin_pages import sign_in
from tests.factories import PhotographerFactory
from tests.package_fixtures import family_with_packages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def family(studio):
    studio.tax_name, studio.tax_rate, studio.tax_number = "VAT", 2000, "GB 123 4567 89"
    studio.save()
    maya = PhotographerFactory(display_name="Maya Lind")
    for weekday in range(7):
        AvailabilityRule.objects.create(
            photographer=maya, weekday=weekday, start_time=time(9), end_time=time(17)
        )
    DiscountCode.objects.create(code="SPRING25", percent_off=2500)
    return family_with_packages([maya])


def pdf_text(data: bytes) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_a_booking_reaches_the_clients_invoices_and_the_studios_books(
    page, payments_on, family, eager_tasks, staff_user
):
    page.goto("/book/family/")
    page.get_by_text("Signature").click()
    page.get_by_label("Hair and make-up").check()
    page.get_by_role("button", name="Continue to choose a time").click()
    page.locator("a.day-free").first.click()
    page.locator("a.slot-button").first.click()
    page.get_by_label("Your name").fill("Rosa Diaz")
    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_label("Gift voucher or discount code").fill("SPRING25")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".code-lines")).to_contain_text("£442.50")  # 590 less 25%
    page.get_by_role("button", name="Book this session").click()
    expect(page).to_have_title("Stand-in Checkout")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("heading", name="Payment received — you're booked")).to_be_visible()

    booking = Booking.objects.get()
    invoice = Invoice.objects.get()
    assert (invoice.reference, invoice.gross, invoice.tax) == ("INV-0001", 44250, 7375)
    assert [line.description for line in invoice.lines.all()] == [
        "Signature",
        "Hair and make-up",
        "Discount SPRING25 (25%)",
    ]

    _, token = sign_in_link_create(client=booking.client)
    page.goto(f"/my/sign-in/{token}/")
    page.get_by_role("button", name="Show my sessions").click()
    expect(page).to_have_url(re.compile("/my/$"))
    money = page.locator(".money-documents")
    expect(money).to_contain_text("VAT invoice INV-0001 · £442.50")
    expect(money).to_contain_text("· £100.00")  # the deposit's receipt
    with page.expect_download() as download:
        money.get_by_role("link", name="VAT invoice INV-0001").click()
    text = pdf_text(Path(download.value.path()).read_bytes())
    assert "Discount SPRING25 (25%)" in text
    assert "£442.50" in text

    page.context.clear_cookies()
    sign_in(page)
    page.goto("/admin/shoots/payment/")
    with page.expect_download() as download:
        page.locator("#monthly-totals").get_by_role("link", name="CSV").first.click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    assert [(r["Type"], r["Number"], r["Gross"]) for r in rows] == [
        ("Invoice", "INV-0001", "442.50"),
        ("Payment", f"R-{booking.reference}-{booking.payments.get().pk}", "100.00"),
    ]
    now = timezone.now()
    months = money_ledger(
        since=now - timedelta(days=1), until=now + timedelta(days=1), zone=ZoneInfo("UTC")
    )
    received = sum(month.received for month in months)
    assert round(float(rows[1]["Gross"]) * 100) == received == 10000
    assert page.console_errors == []
