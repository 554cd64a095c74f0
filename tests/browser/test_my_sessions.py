"""/my/ in a browser, for a client with something of everything: what needs them, a session to
come, a past one with a gallery to choose from and one delivered. It fits a phone and a
desktop with no serious accessibility violation, and its download button starts a zip."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.services import sign_in_link_create
from gallery.models import Gallery
from sessions.models import Booking
from tests.browser.checks import page_checked
from tests.factories import BookingFactory
from tests.workspace.test_my_sessions import due, gallery_for, questionnaire_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_my_sessions_at_a_phone_and_a_desktop(page, studio, anna, settings):
    settings.PAYMENTS_ENABLED = True
    now = timezone.now()
    coming = BookingFactory(client=anna, starts_at=now + timedelta(days=12))
    questionnaire_for(coming.session_type)
    past = BookingFactory(
        client=anna, starts_at=now - timedelta(days=20), status=Booking.Status.COMPLETED
    )
    due(past, 10000)
    gallery_for(past, title="Proofs to choose from")
    delivered = gallery_for(
        past, status=Gallery.Status.DELIVERED, finals=2, downloads_allowed=True, title="Finals"
    )
    _link, token = sign_in_link_create(client=anna)
    page.goto(f"/my/sign-in/{token}/")
    page.get_by_role("button", name="Show my sessions").click()
    expect(page).to_have_url(re.compile("/my/$"))

    needs = page.locator(".needs-you > li")
    expect(needs).to_have_count(3)
    expect(page.get_by_role("link", name=re.compile("^Fill it in"))).to_be_visible()
    page_checked(page, width=375)
    page_checked(page, width=1280)

    finals = page.locator(f'[data-gallery="{delivered.slug}"]')
    finals.get_by_role("button", name=re.compile("^Download all: Web size")).click()
    expect(finals.locator(".zip-status")).to_be_visible()
    assert page.console_errors == []
