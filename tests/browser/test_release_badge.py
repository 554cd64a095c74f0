"""The model-release badge in the gallery list on a 375 px phone: each gallery's says in
words what the studio may use its photos for, whole on the screen, readable (WCAG contrast),
and the gallery's page and the client's page show the same."""

import pytest
from playwright.sync_api import expect

from gallery.services import gallery_create_for_booking
from sessions.models import Document
from tests.browser.admin_pages import sign_in
from tests.browser.checks import axe_violations, page_fits
from tests.browser.test_gallery_admin import shot  # SCREENSHOTS_DIR=... to look at the pages
from tests.document_fixtures import release
from tests.factories import BookingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_gallery_list_says_what_each_release_allows_on_a_phone(
    page, studio, anna, ben, staff_user, adult_release
):
    allowed = gallery_create_for_booking(booking=BookingFactory(client=anna))
    release(allowed.booking, adult_release, allows=["portfolio", "social"])
    gallery_create_for_booking(booking=BookingFactory(client=ben))
    waiting = gallery_create_for_booking(booking=BookingFactory(client=ben))
    release(waiting.booking, adult_release, status=Document.Status.PENDING)

    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page)
    page.goto("/admin/gallery/gallery/")
    shot(page, "release-badges-375")

    badges = page.locator(".release-badge")
    expect(badges).to_have_count(3)
    expect(page.locator(".release-allowed")).to_have_text("✓ May use: portfolio, social media")
    expect(page.locator(".release-private")).to_have_text("✕ No model release — private use only")
    expect(page.locator(".release-waiting")).to_contain_text("Release waiting to be signed")
    for box in (badges.nth(n).bounding_box() for n in range(3)):
        # Beside the title: read without scrolling the list sideways, whole, not squeezed.
        assert box["x"] >= 0, box
        assert box["x"] + box["width"] <= 375, box
        assert box["height"] >= 16, box
    colours = badges.evaluate_all(
        "els => els.map(el => getComputedStyle(el).backgroundColor + getComputedStyle(el).color)"
    )
    assert len(set(colours)) == 3  # one tone each, besides the words
    contrast = [line for line in axe_violations(page) if "release-badge" in line]
    assert contrast == []

    page.goto(f"/admin/gallery/gallery/{allowed.pk}/change/")
    expect(page.locator(".gallery-release .release-badge")).to_have_text(
        "✓ May use: portfolio, social media"
    )
    shot(page, "release-gallery-page-375")
    page_fits(page)

    page.goto(f"/admin/clients/client/{anna.pk}/change/")
    expect(page.locator(".client-releases .release-badge")).to_have_text(
        "✓ May use: portfolio, social media"
    )
    shot(page, "release-client-page-375")
    page_fits(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    shot(page, "release-client-page-1280")
    page.goto("/admin/gallery/gallery/")
    shot(page, "release-badges-1280")
    assert page.console_errors == []
