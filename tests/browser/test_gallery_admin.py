"""The photographer's gallery page in Chromium: an upload whose summary counts the photo that
failed, the page fitting a 1280 px screen, photos reordered by dragging and by keyboard, then
Publish, and Deliver with its warning that the client has chosen nothing yet."""

import io
import os

import pytest
from playwright.sync_api import expect

from gallery.models import Gallery, Photo, ShareLink
from gallery.photos import photo_add, photo_process
from gallery.services import gallery_create_for_booking
from tests.factories import BookingFactory
from tests.gallery.conftest import jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to look at the pages


def shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def names(gallery) -> list[str]:
    return list(
        gallery.photos.filter(kind=Photo.Kind.PROOF).values_list("original_name", flat=True)
    )


def test_the_photographer_uploads_arranges_publishes_and_delivers(
    page, studio, anna, staff_user, eager_tasks, tmp_path
):
    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
    ShareLink.objects.create(gallery=gallery, label="Grandma")
    final = jpeg(9, size=(600, 400))
    added = photo_add(
        gallery=gallery, stream=io.BytesIO(final), name="F.JPG", size=len(final), kind="final"
    )
    photo_process(photo_id=added.photo.pk)
    folder = tmp_path / "shoot"
    folder.mkdir()
    for n in range(3):
        (folder / f"IMG_{n + 1:04d}.JPG").write_bytes(jpeg(n, size=(900, 600)))
    whole = jpeg(7, size=(1600, 1200))
    (folder / "cut.jpg").write_bytes(whole[: len(whole) // 2])  # fails once decoded

    page.goto("/admin/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/admin/gallery/gallery/{gallery.pk}/upload/")
    page.get_by_label("Photos", exact=True).set_input_files(
        sorted(str(p) for p in folder.iterdir())
    )
    # A photo failing after it arrived is counted, not only files refused on arrival.
    expect(page.locator("#upload-summary")).to_have_text(
        "4 uploaded (1 of them could not be processed: see why below), "
        "0 already in the gallery, 0 rejected.",
        timeout=30_000,
    )
    expect(page.locator("#cull-link")).to_contain_text(
        "Processing is done; 1 could not be processed."
    )
    expect(page.locator("#upload-list tbody tr", has_text="cut.jpg")).to_contain_text(
        "Failed: it could not be read as a photo"
    )

    page.goto(f"/admin/gallery/gallery/{gallery.pk}/change/")
    expect(page.locator("#photo-form img.photo-admin-thumb").first).to_be_visible()
    shot(page, "gallery-admin-1280")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    for copy in page.get_by_role("button", name="Copy", exact=True).all():
        box = copy.bounding_box()
        assert 0 <= box["x"] <= 1280 - box["width"], box
    assert page.evaluate(
        "[...document.querySelectorAll('.tabular')].every(t => t.scrollWidth <= t.clientWidth)"
    )
    failed = page.locator(".photo-card", has_text="cut.jpg")
    expect(failed).to_contain_text("Failed: it could not be read as a photo")
    expect(failed).to_contain_text("not shown to the client")
    assert names(gallery) == ["IMG_0001.JPG", "IMG_0002.JPG", "IMG_0003.JPG", "cut.jpg"]

    # Dragged: IMG_0003 onto IMG_0001's place.
    status = page.locator("#arrange-status")
    card = lambda name: page.locator(".photo-card", has_text=name)  # noqa: E731
    card("IMG_0003.JPG").drag_to(card("IMG_0001.JPG"))
    expect(status).to_have_text("IMG_0003.JPG: 1 of 4. Saved.")
    assert names(gallery) == ["IMG_0003.JPG", "IMG_0001.JPG", "IMG_0002.JPG", "cut.jpg"]

    # By keyboard: the focused photo moves with the arrow keys (Home: first, End: last)...
    card("cut.jpg").focus()
    page.keyboard.press("Home")
    expect(status).to_have_text("cut.jpg: 1 of 4. Saved.")
    expect(card("cut.jpg")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(status).to_have_text("cut.jpg: 2 of 4. Saved.")
    # ...and each photo's own buttons do the same.
    page.get_by_role("button", name="Move IMG_0001.JPG earlier").click()
    expect(status).to_have_text("IMG_0001.JPG: 2 of 4. Saved.")
    order = ["IMG_0003.JPG", "IMG_0001.JPG", "cut.jpg", "IMG_0002.JPG"]
    assert names(gallery) == order
    page.reload()
    shown = page.locator(".photo-grid[data-kind=proof] .photo-name")
    expect(shown).to_have_text(order)

    page.get_by_role("button", name="Publish and email the client").click()
    expect(page.locator(".messagelist")).to_contain_text("1 gallery published")
    gallery.refresh_from_db()
    assert gallery.status == Gallery.Status.PUBLISHED

    page.get_by_role("button", name="Deliver the finished photos").click()
    expect(page.get_by_role("heading", name="Deliver anyway?")).to_be_visible()
    expect(page.locator(".gallery-warnings")).to_contain_text(
        "The client has not sent their selection"
    )
    shot(page, "gallery-admin-deliver")
    gallery.refresh_from_db()
    assert gallery.status == Gallery.Status.PUBLISHED
    page.get_by_role("button", name="Deliver anyway").click()
    expect(page.locator(".messagelist")).to_contain_text("Delivered; the client is being emailed.")
    gallery.refresh_from_db()
    assert (gallery.status, gallery.downloads_allowed) == (Gallery.Status.DELIVERED, True)

    page.set_viewport_size({"width": 375, "height": 800})
    shot(page, "gallery-admin-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.console_errors == []
