"""The whole way on a phone: book a session that requires the studio's agreement, read and
sign it (typing the name, drawing a signature), pay the deposit on the Stripe stand-in, and
both sides receive the sealed PDF; the studio sees it all on the booking."""

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import time
from email.utils import parseaddr

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from sessions.documents.verify import verify_pdf
from sessions.models import AvailabilityRule, Booking, Document, SessionTypeDocument
from tests.document_fixtures import CONTRACT_BODY, RELEASE_BODY, template_make
from tests.factories import PhotographerFactory, SessionTypeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def agreement_portrait(studio):
    maya = PhotographerFactory(display_name="Maya Lind")
    for weekday in range(7):
        AvailabilityRule.objects.create(
            photographer=maya, weekday=weekday, start_time=time(8), end_time=time(20)
        )
    portrait = SessionTypeFactory(
        name="Portrait",
        slug="portrait",
        duration_minutes=60,
        price=15000,
        deposit=5000,
        photographers=[maya],
    )
    contract = template_make(kind="contract", name="Portrait session agreement", body=CONTRACT_BODY)
    release = template_make(
        kind="release", name="Model release", body=RELEASE_BODY, usages=["portfolio", "social"]
    )
    SessionTypeDocument.objects.create(session_type=portrait, template=contract, required=True)
    SessionTypeDocument.objects.create(session_type=portrait, template=release, required=False)
    return portrait


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    page.wait_for_load_state("networkidle")
    context.close()


def draw_signature(page) -> None:
    box = page.locator("[data-signature-pad] canvas").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 20, box["y"] + box["height"] / 2 + (-1) ** step * 15)
    page.mouse.up()


def test_a_client_signs_on_a_phone_pays_and_both_sides_get_the_sealed_pdf(
    phone, payments_on, agreement_portrait, eager_tasks, tmp_path
):
    page = phone
    page.goto("/book/portrait/")
    page.locator("a.day-free").first.click()
    page.locator("a.slot-button").first.click()
    page.get_by_label("Your name").fill("Rosa Diaz")
    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_role("button", name="Book this session").click()

    # The agreement, with her own details, fits the phone's width.
    expect(page.get_by_role("heading", name="Portrait session agreement")).to_be_visible()
    expect(page.get_by_text("Document 1 of 2")).to_be_visible()
    expect(page.get_by_text("more minutes while you sign")).to_be_visible()  # what it's for
    expect(page.locator(".document-text")).to_contain_text("Rosa Diaz")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(tmp_path / "sign-phone.png"), full_page=True)
    page.get_by_label("Your full name").fill("Rosa Diaz")
    page.get_by_label("I agree to sign this document electronically").check()
    page.get_by_role("button", name="Sign and continue", exact=True).click()

    # The release is offered, one tick per use; she allows the portfolio only.
    expect(page.get_by_role("heading", name="Model release")).to_be_visible()
    expect(page.get_by_text("Document 2 of 2")).to_be_visible()
    page.get_by_label("The studio's portfolio and website").check()
    page.get_by_label("Your full name").fill("Rosa Diaz")
    page.get_by_label("I agree to sign this document electronically").check()
    page.get_by_role("button", name="Sign and continue to payment").click()

    expect(page).to_have_title("Stand-in Checkout")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("heading", name="Payment received — you're booked")).to_be_visible()

    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED
    contract = booking.documents.get(kind="contract")
    assert contract.status == Document.Status.SIGNED
    assert contract.signed_name == "Rosa Diaz"
    assert dict(booking.documents.get(kind="release").choices.values_list("usage", "granted")) == {
        "portfolio": True,
        "social": False,
    }
    pdf_mails = [  # the signed documents' (the invoice goes with "You're booked")
        m
        for m in mail.outbox
        if any(a[2] == "application/pdf" and not a[0].startswith("INV-") for a in m.attachments)
    ]
    assert sorted(parseaddr(m.to[0])[1] for m in pdf_mails) == sorted(
        ["rosa@example.com"] * 2 + ["hello@lumen.example"] * 2
    )
    attached = next(m for m in pdf_mails if contract.reference in m.attachments[0][0])
    data = attached.attachments[0][1]
    # pyHanko runs its own event loop: check outside Playwright's thread.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(verify_pdf, data).result().good
    assert "Signature certificate" in PdfReader(io.BytesIO(data)).pages[-1].extract_text()

    # Her booking page lists both, with the PDF to download.
    page.get_by_role("link", name="See your booking").click()
    expect(page.get_by_text("Signed by Rosa Diaz")).to_have_count(2)
    page.get_by_role("link", name="See it and the PDF").first.click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the signed PDF").click()
    assert download.value.suggested_filename == f"{contract.reference}.pdf"
    assert page.console_errors == []


def test_signing_works_with_the_keyboard_alone(page, payments_on, agreement_portrait):
    page.goto("/book/portrait/")
    page.locator("a.day-free").first.click()
    page.locator("a.slot-button").first.click()
    page.get_by_label("Your name").fill("Rosa Diaz")
    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_role("button", name="Book this session").click()
    page.get_by_label("Your full name").focus()
    page.keyboard.type("Rosa Diaz")
    agree = page.get_by_label("I agree to sign this document electronically")
    for _ in range(12):  # the drawing area is optional: Tab goes past it
        page.keyboard.press("Tab")
        if agree.evaluate("element => element === document.activeElement"):
            break
    page.keyboard.press("Space")
    expect(agree).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Model release")).to_be_visible()
    page.get_by_role("button", name="Not now: skip this document").click()
    expect(page).to_have_title("Stand-in Checkout")
    assert Document.objects.get(kind="contract").drawn_signature is None
    assert reverse("sessions:document-verify")  # the page anyone may use exists
