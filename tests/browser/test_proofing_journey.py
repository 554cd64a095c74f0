"""The client proofs their gallery in Chromium: hearts with the mouse and the keyboard,
the lightbox, favorites only, and a comment for the studio."""

import os

import pytest
from playwright.sync_api import expect

from gallery.access import gallery_link_url
from gallery.models import Comment, Favorite, Gallery
from gallery.photos import photo_add, photo_process
from gallery.sample_images import camera_like, exif_with, jpeg_bytes
from gallery.services import gallery_create_for_booking
from tests.factories import BookingFactory, SessionTypeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to look at the pages


def shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=False)


@pytest.fixture
def proofing_gallery(studio, anna):
    import io

    family = SessionTypeFactory(name="Family", included_images=3, extra_image_price=2000)
    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna, session_type=family))
    for n in range(8):
        size = (900, 600) if n % 3 else (600, 900)
        data = jpeg_bytes(
            camera_like(*size, seed=80 + n), exif=exif_with(taken=f"2026:05:02 10:0{n}:00")
        )
        added = photo_add(
            gallery=gallery,
            stream=io.BytesIO(data),
            name=f"IMG_{n + 1:04d}.JPG",
            size=len(data),
            set_name="In the garden" if n < 5 else "Indoors",
        )
        photo_process(photo_id=added.photo.pk)
    Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.PUBLISHED)
    gallery.refresh_from_db()
    return gallery


def test_the_client_hearts_photos_by_mouse_and_keyboard_and_comments(page, proofing_gallery):
    page.goto(gallery_link_url(proofing_gallery))
    expect(page.get_by_role("heading", name=proofing_gallery.title)).to_be_visible()
    counter = page.locator("#selection-counter")
    expect(counter).to_have_text("0 of 3 included")
    shot(page, "gallery-grid")

    page.get_by_role("button", name="Favorite IMG_0001.JPG").click()
    page.get_by_role("button", name="Favorite IMG_0002.JPG").click()
    expect(counter).to_have_text("2 of 3 included")
    page.get_by_role("button", name="Favorite IMG_0003.JPG").click()
    expect(page.get_by_role("button", name="Favorite IMG_0003.JPG")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(counter).to_have_text("3 of 3 included")

    # The lightbox, by keyboard: open the fourth photo, go right, heart it with F.
    page.get_by_role("link", name="IMG_0004.JPG").focus()
    page.keyboard.press("Enter")
    lightbox = page.get_by_role("dialog")
    expect(lightbox).to_be_visible()
    expect(page.locator("#lightbox-name")).to_have_text("IMG_0004.JPG")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#lightbox-name")).to_have_text("IMG_0005.JPG")
    expect(page.locator("#lightbox-image")).to_have_js_property("complete", True)
    page.keyboard.press("f")
    expect(counter).to_contain_text("4 chosen · 3 included")
    expect(counter).to_contain_text("1 extra photo: £20.00")
    expect(lightbox.get_by_role("button", name="Favorite this photo (F)")).to_have_attribute(
        "aria-pressed", "true"
    )
    # Focus stays in the lightbox: tabbing never reaches the page behind it.
    for _ in range(12):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('dialog') !== null")
    expect(lightbox.locator(".comment-list")).to_be_visible()  # this photo's comments loaded
    lightbox.get_by_label("Add a comment").fill("Could you soften the background here?")
    lightbox.get_by_role("button", name="Send comment").click()
    expect(lightbox.locator(".comment-list")).to_contain_text("Could you soften the background")
    shot(page, "gallery-lightbox")
    page.locator("#lightbox-comments").click()  # out of the text box, so keys go to the viewer
    page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()
    # Back on the grid at the photo last shown, not the one the viewer was opened on.
    expect(page.get_by_role("link", name="IMG_0005.JPG")).to_be_focused()

    page.get_by_role("link", name="Show favorites only").click()
    expect(page.locator(".photo-tile")).to_have_count(4)
    shot(page, "gallery-favorites")
    assert Favorite.objects.filter(favorite_list__name="Anna").count() == 4
    assert Comment.objects.get().photo.original_name == "IMG_0005.JPG"
    assert page.console_errors == []


def test_a_guest_opens_a_pin_protected_share_link(page, proofing_gallery):
    from django.contrib.auth.hashers import make_password

    from gallery.access import share_link_url
    from gallery.models import ShareLink

    link = ShareLink.objects.create(
        gallery=proofing_gallery, label="Grandma", pin_hash=make_password("2580")
    )
    page.goto(share_link_url(link))
    page.get_by_label("PIN").fill("1111")
    page.get_by_role("button", name="Open the gallery").click()
    expect(page.get_by_text("That PIN isn't right")).to_be_visible()
    page.get_by_label("PIN").fill("2580")
    page.get_by_role("button", name="Open the gallery").click()
    expect(page.get_by_role("heading", name=proofing_gallery.title)).to_be_visible()
    expect(page.get_by_text("Anna Kowalska shared these photos with you")).to_be_visible()
    assert page.console_errors == []
