"""A booking's documents on its admin page, in Chromium at 1280 px: the studio sends the
session's documents for signing, then voids the agreement and sends a new copy; the page has
no serious accessibility problem on the way."""

import os
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions.models import Document, DocumentEvent
from studio.actors import ActorKind
from studio.models import SentEmail
from tests.browser.admin_pages import sign_in
from tests.browser.checks import axe_violations
from tests.factories import BookingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to look at the pages
LONDON = ZoneInfo("Europe/London")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def booking(signing_portrait, anna, settings, live_server, eager_tasks):
    settings.SITE_URL = live_server.url
    day = timezone.localdate(timezone=LONDON) + timedelta(days=7)
    return BookingFactory(
        client=anna,
        session_type=signing_portrait,
        booked_as="Anna Kowalska",
        starts_at=datetime.combine(day, time(10), LONDON),
    )


def press(page, locator):
    with page.expect_navigation():
        locator.click()


def test_the_studio_sends_documents_for_signing_and_voids_one_with_a_new_copy(
    page, booking, staff_user
):
    sign_in(page)
    page.goto(f"/admin/shoots/booking/{booking.pk}/change/")
    documents = page.locator("#documents")
    expect(documents).to_contain_text("No documents for this booking.")
    problems = axe_violations(page)
    assert problems == [], "\n".join(problems)

    press(page, documents.get_by_role("button", name="Send for signing"))
    expect(page.locator(".messagelist")).to_contain_text(
        "Sent for signing: Portrait session agreement, Model release."
    )
    assert booking.documents.filter(status=Document.Status.PENDING).count() == 2
    assert SentEmail.objects.filter(kind="documents-to-sign").count() == 1
    agreement = documents.locator("section", has_text="Portrait session agreement")
    expect(agreement).to_contain_text("Waiting to be signed")
    shot(page, "booking-documents-sent")
    problems = axe_violations(page)
    assert problems == [], "\n".join(problems)

    agreement.get_by_text("Void…").click()
    agreement.get_by_label("Why void it?").fill("The session moved to the afternoon")
    agreement.get_by_label("and send a new copy to sign").check()
    shot(page, "booking-documents-void-open")
    problems = axe_violations(page)
    assert problems == [], "\n".join(problems)
    press(page, agreement.get_by_role("button", name="Void this document"))
    expect(page.locator(".messagelist")).to_contain_text("Voided. A new copy is sent")

    voided = booking.documents.get(kind="contract", status=Document.Status.VOIDED)
    assert voided.void_reason == "The session moved to the afternoon"
    assert voided.replaced_by.status == Document.Status.PENDING
    event = voided.events.get(kind=DocumentEvent.Kind.VOIDED)
    assert (event.actor, event.actor_user_id) == (ActorKind.STAFF, staff_user.pk)
    # The new copy's link is emailed: a second email, listing what now waits.
    assert SentEmail.objects.filter(kind="documents-to-sign").count() == 2
    expect(documents.locator("section.document-voided")).to_contain_text(
        "Voided on", ignore_case=False
    )
    shot(page, "booking-documents-voided")
    page.set_viewport_size({"width": 375, "height": 900})
    shot(page, "booking-documents-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Its evidence: the reason and the audit trail, and nothing to save.
    press(
        page,
        documents.locator("section.document-voided").get_by_role("link", name=voided.reference),
    )
    expect(page.locator("div.fieldBox.field-void_reason")).to_contain_text("The session moved")
    expect(page.locator(".field-trail")).to_contain_text("Voided (The session moved")
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    shot(page, "document-evidence")
    problems = axe_violations(page)
    assert problems == [], "\n".join(problems)
    assert page.console_errors == []
