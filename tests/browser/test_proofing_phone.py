"""A client proofs on a phone, in Chromium as a touch screen at 375 px: the viewer's
previous and next are there to tap, a sideways swipe moves on, two fingers zoom the photo
(nothing blocks the browser's pinch), and the comments open only when asked for. Every
gallery page they can reach fits the phone and has no accessibility violation of any
impact (WCAG 2.2 A and AA), at 375 and at 1280 px."""

import datetime
import io
import os

import pytest
from django.contrib.auth.hashers import make_password
from playwright.sync_api import expect

from gallery.access import gallery_link_url, share_link_url
from gallery.models import Comment, Gallery, ShareLink
from gallery.photos import photo_add, photo_process
from gallery.proofing import comment_add, favorite_list_get_or_create, favorite_set
from gallery.sample_images import camera_like, jpeg_bytes
from gallery.services import gallery_create_for_booking
from tests.browser.checks import axe_violations, page_checked
from tests.factories import BookingFactory, SessionTypeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to look at the pages
PHONE = {"width": 375, "height": 740}


def shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=False, caret="initial")


def photos_add(gallery, count, *, kind="proof", first=0, name="IMG_%04d.JPG", sets=("",)):
    for n in range(count):
        data = jpeg_bytes(camera_like(*((600, 400) if n % 3 else (400, 600)), seed=300 + n))
        added = photo_add(
            gallery=gallery,
            stream=io.BytesIO(data),
            name=name % (first + n + 1),
            size=len(data),
            set_name=sets[n * len(sets) // count],
            kind=kind,
        )
        photo_process(photo_id=added.photo.pk)


def gallery_for(client, *, status, **fields):
    family = SessionTypeFactory(name="Family", included_images=3, extra_image_price=2000)
    gallery = gallery_create_for_booking(booking=BookingFactory(client=client, session_type=family))
    Gallery.objects.filter(pk=gallery.pk).update(status=status, **fields)
    gallery.refresh_from_db()
    return gallery


@pytest.fixture
def annas_galleries(studio, anna):
    """Proofing (two sets, two people's favorites, a comment), delivered, and expired."""
    proofing = gallery_for(anna, status=Gallery.Status.PUBLISHED)
    photos_add(proofing, 5, sets=("In the garden", "Indoors"))
    first, second, third = proofing.photos.all()[:3]
    annas = favorite_list_get_or_create(gallery=proofing, name="Anna")
    toms = favorite_list_get_or_create(gallery=proofing, name="Tom")
    for favorite_list, photo in ((annas, first), (annas, third), (toms, second), (toms, third)):
        favorite_set(favorite_list=favorite_list, photo=photo, on=True)
    comment_add(photo=first, author_name="Anna", body="Softer, please", from_studio=False)
    delivered = gallery_for(anna, status=Gallery.Status.DELIVERED, downloads_allowed=True)
    photos_add(delivered, 2)
    photos_add(delivered, 2, kind="final", name="IMG_%04d-edit.jpg")
    expired = gallery_for(
        anna, status=Gallery.Status.PUBLISHED, expires_on=datetime.date(2020, 1, 1)
    )
    return proofing, delivered, expired


def checked(page, name):
    """Fits the phone with no violation of any impact, and none at 1280 px either."""
    shot(page, name)
    page_checked(page, all_impacts=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    try:
        wide = axe_violations(page, all_impacts=True)
    finally:
        page.set_viewport_size(PHONE)
    assert not wide, f"{page.url} at 1280 px:\n" + "\n".join(wide)


def touch(cdp, kind, *points):
    """One touch event, as a phone's screen sends it: fingers at these points (none: lifted)."""
    fingers = [{"x": x, "y": y, "id": n} for n, (x, y) in enumerate(points)]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": fingers})


def swipe_left(page, cdp):
    touch(cdp, "touchStart", (300, 300))
    for x in range(260, 40, -40):
        touch(cdp, "touchMove", (x, 305))
    touch(cdp, "touchEnd")


def pinch_out(page, cdp) -> float:
    """Two fingers move apart over the photo; the page's zoom once it has settled."""
    touch(cdp, "touchStart", (170, 300), (205, 300))
    for step in range(1, 11):
        touch(cdp, "touchMove", (170 - 8 * step, 300), (205 + 8 * step, 300))
        page.wait_for_timeout(16)  # a frame apart, as fingers move
    touch(cdp, "touchEnd")
    scale = 1.0
    for _ in range(20):  # polled here: the page's CSP refuses wait_for_function's eval
        scale = page.evaluate("visualViewport.scale")
        if scale > 1.5:
            break
        page.wait_for_timeout(50)
    return scale


def test_a_client_proofs_on_a_phone_and_every_gallery_page_passes_the_check(
    browser, live_server, annas_galleries
):
    proofing, delivered, expired = annas_galleries
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    cdp = context.new_cdp_session(page)

    page.goto(gallery_link_url(proofing))
    expect(page.get_by_role("heading", name=proofing.title)).to_be_visible()
    page.get_by_text("Choosing as Anna").tap()  # its panel open fits the phone too
    expect(page.get_by_label("Someone else's name")).to_be_visible()
    checked(page, "phone-grid")

    # The viewer: the photo has the screen, the comments wait to be asked for.
    page.get_by_role("link", name="IMG_0001.JPG").tap()
    viewer = page.get_by_role("dialog")
    name = viewer.locator("#lightbox-name")
    expect(name).to_have_text("IMG_0001.JPG")
    panel = viewer.locator("#lightbox-comments")
    expect(panel).to_be_hidden()
    comments = viewer.get_by_role("button", name="Comments (1)")
    expect(comments).to_have_attribute("aria-expanded", "false")
    for control in ("Previous photo", "Next photo", "Close"):
        box = viewer.get_by_role("button", name=control).bounding_box()
        assert min(box["width"], box["height"]) >= 44, f"{control} is {box}"
    checked(page, "phone-viewer")

    viewer.get_by_role("button", name="Next photo").tap()
    expect(name).to_have_text("IMG_0002.JPG")
    expect(viewer.get_by_role("button", name="Comments (0)")).to_be_visible()
    viewer.get_by_role("button", name="Previous photo").tap()
    expect(name).to_have_text("IMG_0001.JPG")
    swipe_left(page, cdp)
    expect(name).to_have_text("IMG_0002.JPG")
    viewer.get_by_role("button", name="Previous photo").tap()

    viewer.get_by_role("button", name="Comments (1)").tap()
    expect(comments).to_have_attribute("aria-expanded", "true")
    expect(panel.locator(".comment-list")).to_contain_text("Softer, please")
    panel.get_by_label("Add a comment").fill("And a little warmer?")
    panel.get_by_role("button", name="Send comment").tap()
    expect(panel.locator(".comment-list")).to_contain_text("a little warmer")
    expect(viewer.get_by_role("button", name="Comments (2)")).to_be_visible()
    checked(page, "phone-viewer-comments")
    viewer.get_by_role("button", name="Comments (2)").tap()
    expect(panel).to_be_hidden()

    # Two fingers zoom the photo, and a zoomed photo is looked at, not swiped away.
    assert pinch_out(page, cdp) > 1.5
    swipe_left(page, cdp)
    page.wait_for_timeout(100)
    expect(name).to_have_text("IMG_0001.JPG")
    viewer.get_by_role("button", name="Close").dispatch_event("click")  # wherever it is zoomed to
    expect(viewer).to_be_hidden()
    assert Comment.objects.filter(body="And a little warmer?").exists()

    for path, title in (
        (f"/gallery/{proofing.slug}/compare/", "Compare favorites"),
        (f"/gallery/{proofing.slug}/selection/", "Review your selection"),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", name=title)).to_be_visible()
        checked(page, title)

    page.goto(gallery_link_url(delivered))
    expect(page.get_by_role("heading", name="Your finished photos")).to_be_visible()
    checked(page, "phone-finals")

    page.goto(gallery_link_url(expired))
    expect(page.get_by_role("heading", name="This gallery has closed")).to_be_visible()
    checked(page, "phone-expired")

    link = ShareLink.objects.create(
        gallery=proofing, label="Grandma", pin_hash=make_password("2580"), pin_length=4
    )
    page.goto(share_link_url(link))
    page.get_by_label("PIN").fill("1111")
    page.get_by_role("button", name="Open the gallery").tap()
    expect(page.get_by_text("That PIN isn't right")).to_be_visible()
    checked(page, "phone-share-pin")

    page.wait_for_load_state("networkidle")
    context.close()
    assert errors == []
