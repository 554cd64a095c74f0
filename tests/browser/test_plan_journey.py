"""A payment plan from the first click to the accountant, in Chromium: a friend buys a gift
voucher; the client books the Signature package with the make-up add-on and the voucher's
code, sees the plan, agrees to keep their card and pays the deposit on the stand-in's
Checkout page; the clock moves forward: the
second payment is taken off-session, then the bank asks for the balance to be confirmed and
the client pays it by the emailed link; the client finds every invoice and receipt in
/my/; the studio downloads each month's books and their figures are the ledger's."""

import csv
import io
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from clients.services import sign_in_link_create
from sessions.models import (
    AvailabilityRule,
    Booking,
    GiftVoucher,
    Installment,
    Payment,
    PlanStep,
    SavedCard,
)
from sessions.payments.autopay import installments_scan
from sessions.payments.ledger import booking_balance_due, money_ledger
from tests.browser.admin_pages import sign_in
from tests.browser.checks import axe_violations
from tests.factories import PhotographerFactory
from tests.package_fixtures import family_with_packages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def family(studio):
    studio.tax_name, studio.tax_rate, studio.tax_number = "VAT", 2000, "GB 123 4567 89"
    studio.save()
    maya = PhotographerFactory(display_name="Maya Lind")
    for weekday in range(7):
        AvailabilityRule.objects.create(
            photographer=maya, weekday=weekday, start_time=time(9), end_time=time(17)
        )
    family = family_with_packages([maya])
    PlanStep.objects.create(
        package=family.signature, position=0, label="Second payment", percent=5000, days=-14
    )
    PlanStep.objects.create(package=family.signature, position=1, label="Balance", days=7)
    return family


def local_morning(day) -> datetime:
    """10:00 in London on `day`: a time the day's parts are collected."""
    return datetime.combine(day, time(10), LONDON)


def buy_a_voucher(page) -> GiftVoucher:
    page.goto("/gift/")
    page.get_by_label("£100.00").check()
    page.get_by_label("Your name").fill("Amy Santiago")
    page.get_by_label("Your email").fill("amy@example.com")
    page.get_by_label("Who it is for").fill("Rosa Diaz")
    page.get_by_role("button", name="Pay and get the voucher").click()
    expect(page).to_have_title("Stand-in Checkout")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_text("Your £100.00 voucher is ready.")).to_be_visible()
    return GiftVoucher.objects.get()


def book_the_signature_package(page, code: str):
    page.goto("/book/family/")
    page.get_by_text("Signature").click()
    page.get_by_label("Hair and make-up").check()
    page.get_by_role("button", name="Continue to choose a time").click()
    page.locator("a.day-free").first.click()
    page.locator("a.slot-button").first.click()
    page.get_by_label("Your name").fill("Rosa Diaz")
    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_label("Gift voucher or discount code").fill(code)
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text(f"Gift voucher {code}")).to_be_visible()
    plan = page.locator(".plan-preview")
    expect(plan).to_contain_text("Deposit, when you book")
    expect(plan).to_contain_text("£245.00")  # half of the £490 left after the voucher
    expect(plan).to_contain_text("£145.00")  # the rest, after the £100 deposit
    assert axe_violations(page) == []
    page.get_by_label("Save my card when I pay the deposit").check()
    page.get_by_role("button", name="Book this session").click()
    expect(page).to_have_title("Stand-in Checkout")
    expect(page.get_by_text("allow this business to charge your card")).to_be_visible()
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("heading", name="Payment received — you're booked")).to_be_visible()


def test_a_payment_plan_collects_itself_and_the_books_agree(
    page, payments_on, family, eager_tasks, staff_user, django_capture_on_commit_callbacks
):
    voucher = buy_a_voucher(page)
    book_the_signature_package(page, voucher.code)
    booking = Booking.objects.get()
    assert (booking.status, booking.price, booking.gift_voucher_amount) == (
        "confirmed",
        59000,
        10000,
    )
    card = SavedCard.objects.get(booking=booking)
    assert (card.brand, card.last4) == ("visa", "4242")
    second, balance = booking.installments.order_by("position")
    assert (second.amount, balance.amount) == (24500, 14500)

    # The second payment's day (today: the session is less than a fortnight away).
    today = timezone.localtime(timezone.now(), LONDON).date()
    assert second.due_on == today
    with django_capture_on_commit_callbacks(execute=True):
        installments_scan(now=max(timezone.now(), local_morning(today)))
    second.refresh_from_db()
    assert second.status == Installment.Status.PAID
    assert second.payment.amount_received == 24500
    assert booking_balance_due(booking) == 14500

    # A week after the session the balance comes due; the bank now wants Rosa to confirm.
    payments_on.bank_changes_its_mind(card.stripe_payment_method_id, "authentication_required")
    mail.outbox.clear()
    later = local_morning(balance.due_on)
    with time_machine.travel(later, tick=True):
        with django_capture_on_commit_callbacks(execute=True):
            installments_scan(now=later)
        balance.refresh_from_db()
        assert balance.status == Installment.Status.ACTION_NEEDED
        (email,) = mail.outbox
        assert email.subject == "Please confirm your payment of £145.00 for your Family session"
        link = re.search(r"http://\S+/booking/\S+/", email.body).group(0)

        page.goto(link)
        expect(page.locator(".payment-plan")).to_contain_text("Waiting for you")
        assert axe_violations(page) == []
        due = page.locator("section", has_text="Installment due: £145.00")
        due.get_by_role("button", name="Pay £145.00 securely").click()
        expect(page).to_have_title("Stand-in Checkout")
        page.get_by_role("button", name="Pay").click()
        expect(page.get_by_text("Thank you")).to_be_visible()
        balance.refresh_from_db()
        assert balance.status == Installment.Status.PAID
        assert booking_balance_due(booking) == 0

        _, token = sign_in_link_create(client=booking.client)
        page.goto(f"/my/sign-in/{token}/")
        page.get_by_role("button", name="Show my sessions").click()
        money = page.locator(".money-documents")
        expect(money).to_contain_text("VAT invoice INV-0001 · £590.00")
        for amount in ("£100.00", "£245.00", "£145.00"):  # a receipt for each payment
            expect(money).to_contain_text(f"· {amount}")

        page.context.clear_cookies()
        sign_in(page)
        page.goto(reverse("admin:shoots_booking_change", args=[booking.pk]))
        expect(page.locator(".booking-plan")).to_contain_text("Autopay: Visa •••• 4242")
        assert axe_violations(page) == []
        page.get_by_role("link", name="Change the plan").click()
        expect(
            page.get_by_role("heading", name=f"Payment plan · {booking.reference}")
        ).to_be_visible()
        assert axe_violations(page) == []
        paid = list(Payment.objects.filter(booking=booking, status="paid"))
        assert len(paid) == 3
        months = money_ledger(
            since=min(p.paid_at for p in paid) - timedelta(days=31),
            until=later + timedelta(days=1),
            zone=LONDON,
        )
        assert sum(month.received for month in months) == 59000  # the voucher's £100 too
        for month in months:
            url = reverse(
                "admin:shoots_payment_books_csv", args=[f"{month.month:%Y}", f"{month.month:%m}"]
            )
            with page.expect_download() as download:
                page.evaluate("url => { window.location.href = url }", url)
            text = Path(download.value.path()).read_text("utf-8")
            rows = list(csv.DictReader(io.StringIO(text)))
            money_in = ("Payment", "Gift voucher sale")
            received = sum(round(float(r["Gross"]) * 100) for r in rows if r["Type"] in money_in)
            assert received == month.received, (month.month, rows)
    assert page.console_errors == []
