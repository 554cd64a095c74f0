"""The culling view in Chromium, by keyboard: move, pick, reject a closed-eyes frame, rate,
open a burst and accept its suggestion; each key reaches the database. A failed save is
undone on the page and said. Then the client's gallery shows no reject."""

import os

import pytest
from playwright.sync_api import expect

from gallery.access import gallery_link_url
from gallery.models import Gallery, Photo
from gallery.services import gallery_create_for_booking
from tests.browser.admin_pages import sign_in
from tests.browser.checks import axe_violations, buttons_all_work, page_fits, until
from tests.factories import BookingFactory
from tests.gallery.culling_fixtures import culled_gallery, face_with_closed_eyes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOTS_DIR")


def state(photo) -> tuple[str, int]:
    photo.refresh_from_db()
    return photo.flag, photo.rating


def test_the_photographer_culls_by_keyboard(page, browser, live_server, studio, anna, staff_user):
    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
    culled = culled_gallery(gallery, [3, 1, 2])
    burst, alone = culled.photos[:3], culled.photos[3]
    face_with_closed_eyes(alone)
    sign_in(page)
    page.goto(f"/admin/gallery/gallery/{gallery.pk}/cull/")
    current = page.locator("#cull-current")
    expect(current).to_have_text("IMG_0002.JPG")  # the burst's suggested best stands for it
    expect(page.locator(".cull-tile:not([hidden])")).to_have_count(3)

    page.keyboard.press("ArrowRight")
    expect(current).to_have_text("IMG_0004.JPG")
    expect(page.locator("#cull-faces .cull-face")).to_have_text("Eyes closed")
    expect(page.locator("#cull-current-badges")).to_contain_text("Eyes closed")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/culling-eyes-closed.png")
    page.keyboard.press("p")
    until(page, lambda: state(alone) == ("pick", 0))
    expect(page.get_by_role("button", name="Pick P")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("x")
    until(page, lambda: state(alone) == ("reject", 0))
    page.keyboard.press("3")
    until(page, lambda: state(alone) == ("reject", 3))
    expect(page.locator('[data-count="reject"]').first).to_have_text("1")

    page.keyboard.press("ArrowLeft")
    expect(current).to_have_text("IMG_0002.JPG")
    page.keyboard.press("g")
    expect(page.locator(".cull-tile:not([hidden])")).to_have_count(5)
    page.keyboard.press("a")
    until(page, lambda: [state(photo)[0] for photo in burst] == ["reject", "pick", "reject"])
    expect(page.locator('strong[data-count="reject"]')).to_have_text("3")

    expect(page.locator(f"#cull-{alone.pk}")).to_have_attribute("data-rating", "3")

    # Keys pressed faster than the server answers end as the last one says.
    pair_best = culled.photos[5]
    for key in ("ArrowRight", "ArrowRight", "ArrowRight"):
        page.keyboard.press(key)
    expect(current).to_have_text("IMG_0006.JPG")
    for key in ("p", "x", "5", "u", "4"):
        page.keyboard.press(key)
    until(page, lambda: state(pair_best) == ("", 4))
    expect(page.locator(f"#cull-{pair_best.pk}")).to_have_attribute("data-rating", "4")
    expect(page.locator(f"#cull-{pair_best.pk}")).to_have_attribute("data-flag", "")
    expect(page.locator('strong[data-count="unrated"]')).to_have_text("4")
    # A tile's name chooses it as its picture does.
    page.locator(f"#cull-{alone.pk} .cull-name").click()
    expect(current).to_have_text("IMG_0004.JPG")
    page.locator(f"#cull-{pair_best.pk} .cull-name").click()
    expect(current).to_have_text("IMG_0006.JPG")

    page.keyboard.press("?")
    expect(page.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/culling-view.png", full_page=True)
    assert axe_violations(page) == []
    page_fits(page, width=1280)
    page_fits(page)
    assert page.console_errors == []

    # A save that fails is undone on the page, and said.
    page.route("**/cull/act/", lambda route: route.fulfill(status=503, body="down"))
    page.keyboard.press("ArrowLeft")
    expect(current).to_have_text("IMG_0004.JPG")
    page.keyboard.press("u")
    expect(page.locator("#cull-status")).to_contain_text("That change was not saved")
    expect(page.locator(f"#cull-{alone.pk}")).to_have_attribute("data-flag", "reject")
    expect(page.get_by_role("button", name="Reject X")).to_have_attribute("aria-pressed", "true")
    assert state(alone) == ("reject", 3)

    # Published, the client sees the three photos not rejected.
    Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.PUBLISHED)
    context = browser.new_context(base_url=live_server.url)
    client_page = context.new_page()
    client_page.goto(gallery_link_url(gallery))
    tiles = client_page.locator("li.photo-tile")
    expect(tiles).to_have_count(3)
    shown = Photo.objects.shown_to_client().filter(gallery=gallery)
    assert sorted(shown.values_list("original_name", flat=True)) == [
        "IMG_0002.JPG",
        "IMG_0005.JPG",
        "IMG_0006.JPG",
    ]
    context.close()

    # And by mouse: every button of the view does something, and nothing breaks.
    page.unroute("**/cull/act/")
    # ("All" is the filter shown at first: pressed again, it rightly changes nothing.)
    url = f"/admin/gallery/gallery/{gallery.pk}/cull/"
    pressed = buttons_all_work(page, url, scope=".cull", skip=("All 6",))
    assert {"Pick P", "Reject X", "Unflag U", "3 stars", "Group of 3"} <= set(pressed)
