"""Share-link guests in Chromium: one who may choose favorites and comment, one who only
looks. Each sees what their link allows and nothing of the client's choosing, and every
button they are shown works. A comment too long is refused with a message, its text kept."""

import io
import os

import pytest
from playwright.sync_api import expect

from gallery.access import share_link_url
from gallery.models import Comment, Favorite, Gallery, ShareLink
from gallery.photos import photo_add, photo_process
from gallery.proofing import comment_add, favorite_list_get_or_create, favorite_set
from gallery.sample_images import camera_like, jpeg_bytes
from gallery.selection import selection_submit
from gallery.services import gallery_create_for_booking
from tests.factories import BookingFactory, SessionTypeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to look at the pages


def shot(page, name):
    if SHOTS:
        # caret="initial": hiding the caret would add a <style> the page's CSP refuses.
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=False, caret="initial")


@pytest.fixture
def annas_gallery(studio, anna):
    """Four photos, two included; Anna has hearted two and commented on the first."""
    family = SessionTypeFactory(name="Family", included_images=2, extra_image_price=2000)
    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna, session_type=family))
    for n in range(4):
        data = jpeg_bytes(camera_like(600, 400, seed=140 + n))
        photo = photo_add(
            gallery=gallery, stream=io.BytesIO(data), name=f"IMG_{n + 1:04d}.JPG", size=len(data)
        ).photo
        photo_process(photo_id=photo.pk)
    Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.PUBLISHED)
    gallery.refresh_from_db()
    first, _second, third, _fourth = gallery.photos.all()
    annas = favorite_list_get_or_create(gallery=gallery, name="Anna")
    favorite_set(favorite_list=annas, photo=first, on=True)
    favorite_set(favorite_list=annas, photo=third, on=True)
    comment_add(photo=first, author_name="Anna", body="Softer, please", from_studio=False)
    return gallery


def fresh_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    return page


def test_guests_with_and_without_favorites_see_what_their_link_allows(
    page, browser, live_server, annas_gallery
):
    gallery = annas_gallery
    tom = ShareLink.objects.create(gallery=gallery, label="Tom", can_favorite=True)
    grandma = ShareLink.objects.create(gallery=gallery, label="Grandma")

    # Tom may choose and comment: his own hearts, never Anna's.
    page.goto(share_link_url(tom))
    counter = page.locator("#selection-counter")
    expect(counter).to_have_text("0 favorites")  # a guest never sends, nor pays: no prices
    expect(page.locator(".fav-button[aria-pressed=true]")).to_have_count(0)
    first_tile = page.locator(".photo-tile", has=page.locator('[data-name="IMG_0001.JPG"]'))
    expect(first_tile.locator(".comment-count")).to_contain_text("1 comment")
    page.get_by_role("button", name="Favorite IMG_0002.JPG").click()
    expect(counter).to_have_text("1 favorite")

    page.get_by_role("link", name="IMG_0003.JPG").click()
    lightbox = page.get_by_role("dialog")
    expect(page.locator("#lightbox-name")).to_have_text("IMG_0003.JPG")
    lightbox.get_by_role("button", name="Previous photo").click()
    expect(page.locator("#lightbox-name")).to_have_text("IMG_0002.JPG")
    lightbox.get_by_role("button", name="Next photo").click()
    lightbox.get_by_role("button", name="Favorite this photo (F)").click()
    expect(counter).to_have_text("2 favorites")
    # A 20,000-character comment, pasted: refused, saying why, and nothing typed is lost.
    box = lightbox.get_by_label("Add a comment")
    expect(lightbox.locator(".comment-list")).to_be_visible()
    box.focus()
    page.keyboard.insert_text("x" * 20000)
    lightbox.get_by_role("button", name="Send comment").click()
    expect(lightbox.locator("#comment-error")).to_have_text(
        "That's a little long: please keep it under 2000 characters (it has 20000)."
    )
    expect(box).to_have_js_property("value", "x" * 20000)
    expect(lightbox.locator("#comment-length")).to_have_text("")  # said once, not twice
    assert not Comment.objects.filter(author_name="Tom").exists()
    # An emoji is one character, as the server counts it; the refusal goes as the text changes.
    box.fill("x" * 1999 + "💖💖")
    expect(lightbox.locator("#comment-length")).to_have_text(
        "Too long by 1 character: please shorten it."
    )
    expect(lightbox.locator("#comment-error")).to_have_count(0)
    box.fill("x" * 20000)
    shot(page, "guest-comment-too-long")
    box.fill("This one for the living room, please!")
    lightbox.get_by_role("button", name="Send comment").click()
    expect(lightbox.locator(".comment-list")).to_contain_text("for the living room")
    lightbox.get_by_role("button", name="Close").click()
    expect(lightbox).to_be_hidden()

    page.get_by_role("link", name="Show favorites only").click()
    expect(page.locator(".photo-tile")).to_have_count(2)
    page.get_by_role("link", name="Show all photos").click()
    expect(page.locator(".photo-tile")).to_have_count(4)
    page.get_by_text("Choosing as Tom").click()
    page.get_by_placeholder("Someone else, e.g. Grandma").fill("Grandad")
    page.get_by_role("button", name="Choose", exact=True).click()
    expect(page.get_by_text("Choosing as Grandad")).to_be_visible()
    expect(counter).to_have_text("0 favorites")
    page.get_by_role("link", name="Compare favorites").click()
    expect(page.get_by_role("heading", name="Compare favorites")).to_be_visible()
    expect(page.get_by_role("link", name="Choose which list to send")).to_have_count(0)
    page.get_by_role("link", name=f"Back to {gallery.title}").click()

    # Anna sends her selection: Tom's hearts close, still his, without Anna's banner.
    selection_submit(
        gallery_id=gallery.pk, favorite_list_id=gallery.favorite_lists.get(name="Anna").pk
    )
    page.reload()
    expect(page.get_by_text("The selection has gone to the studio")).to_be_visible()
    expect(page.get_by_text("Your selection was sent")).to_have_count(0)
    expect(counter).to_have_text("0 favorites")  # Grandad's list, the one last chosen
    expect(page.get_by_role("button", name="Favorite IMG_0001.JPG")).to_be_disabled()
    shot(page, "guest-with-favorites-after-the-selection")
    assert page.console_errors == []
    assert sorted(
        Favorite.objects.filter(favorite_list__share_link=tom).values_list(
            "photo__original_name", flat=True
        )
    ) == ["IMG_0002.JPG", "IMG_0003.JPG"]

    # Grandma only looks: the photos, and nothing of anyone's choosing or notes.
    look = fresh_page(browser, live_server)
    look.goto(share_link_url(grandma))
    expect(look.get_by_text("Anna Kowalska shared these photos with you to enjoy.")).to_be_visible()
    expect(look.locator(".photo-tile")).to_have_count(4)
    for hidden in (".fav-button", "#selection-counter", ".comment-count", ".alert"):
        expect(look.locator(hidden)).to_have_count(0)
    expect(look.get_by_role("link", name="Show favorites only")).to_have_count(0)
    shot(look, "guest-view-only")
    look.get_by_role("link", name="IMG_0004.JPG").click()
    dialog = look.get_by_role("dialog")
    expect(look.locator("#lightbox-name")).to_have_text("IMG_0004.JPG")
    expect(dialog.get_by_role("button")).to_have_count(3)  # previous, next, close
    dialog.get_by_role("button", name="Next photo").click()
    expect(look.locator("#lightbox-name")).to_have_text("IMG_0001.JPG")
    look.keyboard.press("f")  # no heart to give: nothing happens, and nothing breaks
    dialog.get_by_role("button", name="Previous photo").click()
    expect(look.locator("#lightbox-name")).to_have_text("IMG_0004.JPG")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    look.wait_for_load_state("networkidle")
    assert look.console_errors == []
    look.context.close()
