"""Every client page, at a desktop's width and a phone's: no WCAG 2.2 A or AA violation of any
impact (axe-core, vendored) and no sideways scrolling. One journey through one browser page,
so it stays quick: booking a package paid in parts and a session that needs a signature and a
deposit, the booking's own pages, signing in to "My sessions", gift vouchers and the page for an
address that isn't there; each form is also sent with mistakes, to check how they are shown.
Every problem is listed at the end with its page and width.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Client
from clients.services import sign_in_link_create
from sessions.access import booking_token
from sessions.models import (
    Booking,
    Payment,
    PlanStep,
    Questionnaire,
    SessionGuide,
    SessionTypeDocument,
)
from sessions.payments.voucher_sales import voucher_token
from sessions.payments.vouchers import GiftVoucher
from tests.browser.checks import PHONE_WIDTH, axe_violations, page_fits
from tests.document_fixtures import CONTRACT_BODY, RELEASE_BODY, template_make
from tests.factories import BookingFactory, SessionTypeFactory, photographer_every_day
from tests.package_fixtures import family_with_packages
from workspace.demo import _guides_seed, _questionnaires_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP_WIDTH = 1280


@pytest.fixture
def studio_open(studio):
    """A portrait that needs the studio's agreement and a deposit, a family session sold as
    three packages with add-ons (Signature paid in parts), the demo's questionnaires and
    guides, and policies to agree to."""
    studio.policies = "Reschedule or cancel free of charge up to 48 hours before."
    studio.save()
    maya = photographer_every_day()
    portrait = SessionTypeFactory(
        name="Portrait", slug="portrait", price=15000, deposit=5000, photographers=[maya]
    )
    family = family_with_packages([maya])
    PlanStep.objects.create(
        package=family.signature, position=0, label="Second payment", percent=5000, days=-14
    )
    PlanStep.objects.create(package=family.signature, position=1, label="Balance", days=7)
    contract = template_make(kind="contract", name="Portrait session agreement", body=CONTRACT_BODY)
    release = template_make(kind="release", name="Model release", body=RELEASE_BODY)
    SessionTypeDocument.objects.create(session_type=portrait, template=contract, required=True)
    SessionTypeDocument.objects.create(session_type=portrait, template=release, required=False)
    _questionnaires_seed()
    _guides_seed()
    portrait.questionnaires.set(Questionnaire.objects.all())
    portrait.guides.set(SessionGuide.objects.all())
    return portrait


class Looker:
    """Checks the page it is shown at both widths, and keeps every problem to report at the end."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        self.seen: list[str] = []

    def look(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        self.seen.append(name)
        for width in (DESKTOP_WIDTH, PHONE_WIDTH):
            page.set_viewport_size({"width": width, "height": 900})
            try:
                page_fits(page, width=width)
            except AssertionError as wide:
                self.problems.append(f"{name} at {width} px: {wide}")
            self.problems += [
                f"{name} at {width} px: {violation}"
                for violation in axe_violations(page, all_impacts=True)
            ]
        page.set_viewport_size({"width": DESKTOP_WIDTH, "height": 900})


def send_with_mistakes(page, button: str) -> None:
    """Press `button` past the browser's own checks, so the server's messages show."""
    page.evaluate("document.querySelectorAll('form').forEach(form => form.noValidate = true)")
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state("load")


def book_the_family_session_with_its_plan(page, look) -> None:
    """The package pick, the Signature package's plan before booking and on its booking page."""
    page.goto("/book/family/")
    look("package pick")
    page.get_by_text("Signature").click()
    page.get_by_label("Hair and make-up").check()
    page.get_by_role("button", name="Continue to choose a time").click()
    look("month calendar, package chosen")
    page.locator("a.day-free").first.click()
    page.locator("a.slot-button").first.click()
    expect(page.locator(".plan-preview")).to_contain_text("Second payment")
    look("details, a package paid in parts")
    page.get_by_label("Your name").fill("Rosa Diaz")
    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_label("I have read and agree").check()
    page.get_by_role("button", name="Book this session").click()
    expect(page).to_have_title("Stand-in Checkout")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("heading", name="Payment received — you're booked")).to_be_visible()
    look("payment return")
    page.get_by_role("link", name="See your booking").click()
    expect(page.get_by_role("heading", name="Your payment plan")).to_be_visible()
    look("booking with a payment plan")


def book_the_portrait_and_sign(page, look, portrait) -> str:
    """The calendar, a day's times, the details, the agreement to sign, the held booking; then
    signed and paid: the confirmed booking and its signed document. Returns the booking's page."""
    page.goto("/book/portrait/")
    look("month calendar")
    page.locator("a[rel=next]").click()  # far enough ahead to be moved online
    page.locator("a.day-free").first.click()
    look("times of a day")
    page.locator("a.slot-button").first.click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    look("details")
    page.get_by_label("Gift voucher or discount code").fill("NOT-A-CODE")
    send_with_mistakes(page, "Book this session")
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    look("details with mistakes")
    page.get_by_label("Gift voucher or discount code").fill("")
    page.get_by_label("Your name").fill("Rosa Diaz")
    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_label("I have read and agree").check()
    page.get_by_role("button", name="Book this session").click()
    expect(page.get_by_role("heading", name="Portrait session agreement")).to_be_visible()
    look("document to sign")
    send_with_mistakes(page, "Sign and continue")
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    look("document to sign with mistakes")

    booking_url = f"/booking/{booking_token(Booking.objects.get(session_type=portrait))}/"
    signing_url = page.url
    page.goto(booking_url)
    look("booking held")
    page.goto(signing_url)
    page.get_by_label("Your full name").fill("Rosa Diaz")
    page.get_by_label("I agree to sign this document electronically").check()
    page.get_by_role("button", name="Sign and continue", exact=True).click()
    page.get_by_role("button", name="Not now: skip this document").click()
    expect(page).to_have_title("Stand-in Checkout")
    page.get_by_role("button", name="Pay").click()
    page.get_by_role("link", name="See your booking").click()
    look("booking confirmed, deposit paid")
    page.get_by_role("link", name="See it and the PDF").first.click()
    look("signed document")
    return booking_url


def test_every_client_page_has_no_accessibility_violation_at_either_width(
    page, payments_on, studio_open
):
    looker = Looker(page)
    look = looker.look

    page.goto("/")
    look("home")
    page.goto("/book/")
    look("session types")
    book_the_family_session_with_its_plan(page, look)
    booking_url = book_the_portrait_and_sign(page, look, studio_open)

    page.goto(booking_url)
    questionnaires = page.get_by_role("link", name="Fill it in")
    expect(questionnaires).to_have_count(3)
    for href in [link.get_attribute("href") for link in questionnaires.all()]:
        page.goto(href)
        look(f"questionnaire {page.title()}")
    send_with_mistakes(page, "Submit my answers")
    expect(page.locator("#error-summary")).to_be_visible()
    look("questionnaire with mistakes")
    page.goto(booking_url + "reschedule/")
    look("reschedule")
    page.locator("a.day-free").first.click()
    page.locator("a.slot-button").first.click()
    expect(page.get_by_role("button", name="Move my session")).to_be_visible()
    look("reschedule, confirm the new time")
    page.goto("/documents/verify/")
    look("verify a signed PDF")

    page.goto("/my/sign-in/")
    look("sign in")
    page.get_by_label("Email").fill("rosa")
    send_with_mistakes(page, "Email me a link")
    look("sign in with mistakes")
    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_role("button", name="Email me a link").click()
    look("sign-in link sent")
    _, token = sign_in_link_create(client=Client.objects.get())
    page.goto(f"/my/sign-in/{token}/")
    look("sign-in confirm")
    page.get_by_role("button", name="Show my sessions").click()
    look("my sessions")

    page.goto("/gift/")
    look("gift voucher to buy")
    send_with_mistakes(page, "Pay and get the voucher")
    look("gift voucher with mistakes")
    voucher = GiftVoucher.objects.create(
        value=20000,
        currency="GBP",
        buyer_name="Rosa Diaz",
        recipient_name="Amy Santiago",
        message="Happy birthday!",
        status=GiftVoucher.Status.PAID,
        paid_at=timezone.now(),
        expires_on=timezone.localdate() + timedelta(days=365),
    )
    page.goto(f"/gift/{voucher_token(voucher)}/")
    look("gift voucher")

    waiting = Payment.objects.create(
        booking=Booking.objects.get(session_type__slug="family"),
        kind=Payment.Kind.BALANCE,
        amount=10000,
        currency="GBP",
    )
    family_url = f"/booking/{booking_token(waiting.booking)}/"
    page.goto(f"{family_url}payments/{waiting.pk}/")
    expect(page.get_by_role("heading", name="This payment hasn't been made")).to_be_visible()
    look("payment never started")
    # Sent to Checkout, not yet confirmed: the stand-in knows no such page, so it stays so.
    Payment.objects.filter(pk=waiting.pk).update(stripe_checkout_session_id="cs_test_waiting")
    page.goto(f"{family_url}payments/{waiting.pk}/")
    expect(page.get_by_role("heading", name="Confirming your payment…")).to_be_visible()
    look("payment return, waiting for Stripe")

    for status, days in ((Booking.Status.REQUESTED, 40), (Booking.Status.COMPLETED, -10)):
        other = BookingFactory(
            client=waiting.booking.client,
            session_type=studio_open,
            status=status,
            starts_at=timezone.now() + timedelta(days=days),
        )
        page.goto(f"/booking/{booking_token(other)}/")
        look(f"booking {status}")

    page.goto(booking_url + "cancel/")
    look("cancel")
    page.get_by_role("button", name="Yes, cancel my session").click()
    expect(page.get_by_role("heading", name="This session is cancelled")).to_be_visible()
    look("booking cancelled")
    assert page.console_errors == []
    page.goto("/no-such-page/")  # the browser logs its 404 as an error
    look("page not found")

    assert not looker.problems, "\n".join(looker.problems)
    assert len(looker.seen) == 38
