"""The whole proofing and delivery journey in Chromium, on the demo data: the client hearts
photos by mouse and keyboard, filters, comments and sends the selection; the photographer
copies it for Lightroom; a client downloads their finished photos as a zip."""

import io
import os
import zipfile

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from gallery.access import gallery_link_url
from gallery.models import Gallery, Selection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to look at the pages


def shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_proofing_selection_lightroom_and_the_finals_zip(
    page, live_server, staff_user, eager_tasks
):
    call_command("seed_demo", "--photos", "8", stdout=io.StringIO())
    proofing = Gallery.objects.get(booking__reference="DM6H7J")
    delivered = Gallery.objects.get(booking__reference="DM7K9M")

    # The client opens the emailed link. Four favorites already; the package includes three.
    page.goto(gallery_link_url(proofing))
    counter = page.locator("#selection-counter")
    expect(counter).to_have_text("4 chosen · 3 included · 1 extra photo: £25.00")
    for name in ("DSCF4101.JPG", "DSCF4103.JPG", "DSCF4105.JPG"):
        page.get_by_role("button", name=f"Favorite {name}").click()
    expect(counter).to_have_text("7 chosen · 3 included · 4 extra photos: £100.00")

    page.get_by_role("link", name="DSCF4106.JPG").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#lightbox-name")).to_have_text("DSCF4106.JPG")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#lightbox-name")).to_have_text("DSCF4107.JPG")
    page.keyboard.press("f")
    expect(counter).to_have_text("8 chosen · 3 included · 5 extra photos: £125.00")
    lightbox = page.get_by_role("dialog")
    expect(lightbox.locator(".comment-list")).to_be_visible()  # this photo's comments loaded
    lightbox.get_by_label("Add a comment").fill("Could this one be a little warmer?")
    lightbox.get_by_role("button", name="Send comment").click()
    expect(lightbox.locator(".comment-list")).to_contain_text("a little warmer")
    lightbox.get_by_role("button", name="Close").click()

    page.get_by_role("link", name="Show favorites only").click()
    expect(page.locator(".photo-tile")).to_have_count(8)

    page.get_by_role("link", name="Review and send my selection").click()
    expect(page.get_by_text("8 photos · 3 included in your package")).to_be_visible()
    expect(page.get_by_text("5 extra photos at £25.00 each: £125.00")).to_be_visible()
    expect(page.get_by_label("Chloé (8 photos)")).to_be_checked()
    shot(page, "selection-review")
    page.get_by_role("button", name="Send my selection").click()
    expect(page.get_by_role("heading", name="Your selection is with the studio")).to_be_visible()
    assert Selection.objects.get().photo_count == 8

    # The photographer sees it and copies the filter for Lightroom.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/admin/gallery/gallery/{proofing.pk}/change/")
    expect(page.get_by_text("8 photos from Chloé's favorites")).to_be_visible()
    expect(page.get_by_text("Could this one be a little warmer?")).to_be_visible()
    page.get_by_role("button", name="Copy for Lightroom").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == ", ".join(
        f"DSCF41{n:02d}" for n in range(8)
    )
    shot(page, "admin-selection")

    # A delivered gallery: its client (not the studio) downloads them all as one zip.
    page.context.clear_cookies()
    page.goto(gallery_link_url(delivered))
    expect(page.get_by_text("as the studio")).to_have_count(0)
    expect(page.get_by_role("heading", name="Your finished photos")).to_be_visible()
    page.get_by_role("button", name="Download all: Full size").click()
    link = page.get_by_role("link", name="Download the zip: Full size")
    expect(link).to_be_visible(timeout=20_000)
    shot(page, "finals")
    with page.expect_download() as waiting:
        link.click()
    download = waiting.value
    assert download.suggested_filename == f"{delivered.title}.zip"
    with zipfile.ZipFile(download.path()) as archive:
        assert archive.namelist() == [f"IMG_03{n:02d}-edit.jpg" for n in range(40, 44)]
        assert archive.testzip() is None
    assert page.console_errors == []
