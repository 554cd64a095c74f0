"""A 320-photo gallery in Chromium: the page brings its first screenful and the rest as the
client scrolls; the viewer walks on past the photos first shown; a set further down is
reached by its link, the favorites alone by theirs; a heart on a photo that came later
works; and the page has no accessibility violation of any impact."""

import io

import pytest
from playwright.sync_api import expect

from gallery.access import gallery_link_url
from gallery.models import Favorite, Gallery, Photo
from gallery.photos import photo_add, photo_process
from gallery.proofing import favorite_list_get_or_create, favorite_set
from gallery.sample_images import camera_like, jpeg_bytes
from gallery.services import gallery_create_for_booking
from gallery.views import CHUNK
from tests.browser.checks import axe_violations, until
from tests.factories import BookingFactory, SessionTypeFactory
from tests.gallery.conftest import proofs_add

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZE, SETS = 320, 4


def name(n: int) -> str:
    return f"DSC_{n:04d}.JPG"


@pytest.fixture
def big(studio, anna) -> Gallery:
    """Anna's gallery of 320 proofs in four sets of 80 ("Set 4" first), every fourth one her
    favorite. One photo is processed for real; the others share its files (cheap), and it
    is hidden."""
    family = SessionTypeFactory(name="Family", included_images=100, extra_image_price=2000)
    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna, session_type=family))
    data = jpeg_bytes(camera_like(600, 400, seed=7))
    real = photo_add(gallery=gallery, stream=io.BytesIO(data), name="real.jpg", size=len(data))
    real = photo_process(photo_id=real.photo.pk)
    Photo.objects.filter(pk=real.pk).update(flag=Photo.Flag.REJECT)
    proofs_add(gallery, SIZE, sets=SETS, files_of=real)
    gallery.status = Gallery.Status.PUBLISHED
    gallery.save()
    annas = favorite_list_get_or_create(gallery=gallery, name="Anna")
    for photo in list(gallery.photos.filter(flag=""))[3::4]:
        favorite_set(favorite_list=annas, photo=photo, on=True)
    return gallery


def tiles(page):
    return page.locator(".photo-tile")


def to_the_end(page, count: int) -> None:
    """Scroll down until the page holds `count` tiles."""
    for _ in range(40):
        if tiles(page).count() >= count:
            break
        page.mouse.wheel(0, 20000)
        page.wait_for_timeout(150)
    expect(tiles(page)).to_have_count(count)


def test_a_big_gallery_comes_as_the_client_scrolls_and_works_all_the_way(page, big, anna):
    page.goto(gallery_link_url(big))
    expect(page.get_by_role("heading", name=big.title)).to_be_visible()
    assert CHUNK <= tiles(page).count() < SIZE
    expect(page.get_by_role("link", name="More photos")).to_be_attached()

    # The viewer walks on from the first photo past the first screenful with the arrow key.
    page.get_by_role("link", name=name(0), exact=True).click()
    viewer = page.get_by_role("dialog")
    shown = viewer.locator("#lightbox-name")
    for n in range(1, CHUNK + 3):
        page.keyboard.press("ArrowRight")
        expect(shown).to_have_text(name(n))
    expect(viewer.locator("#lightbox-position")).to_have_text(f"{CHUNK + 3} / {SIZE}")
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()

    # A heart on a photo that came later: pressed, counted, kept.
    later = name(CHUNK + 1)
    heart = page.get_by_role("button", name=f"Favorite {later}")
    expect(heart).to_have_attribute("aria-pressed", "false")
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#selection-counter")).to_contain_text(f"{SIZE // 4 + 1} of 100")
    until(page, lambda: Favorite.objects.filter(photo__original_name=later).exists())

    # Scrolling brings the rest, each photo once; and the page passes axe with all of it.
    to_the_end(page, SIZE)
    expect(page.get_by_role("link", name="More photos")).to_have_count(0)
    expect(page.get_by_role("link", name=name(SIZE - 1), exact=True)).to_be_visible()
    violations = axe_violations(page, all_impacts=True)
    assert not violations, "\n".join(violations)
    assert page.console_errors == []


def test_a_set_further_down_and_the_favorites_alone_are_reached_by_their_links(page, big):
    page.goto(gallery_link_url(big))
    page.get_by_role("navigation", name="Sets").get_by_role("link", name="Set 1").click()
    heading = page.get_by_role("heading", name="Set 1")
    expect(heading).to_be_in_viewport()
    assert page.url.endswith("#set-4")
    expect(page.get_by_role("link", name=name(SIZE * 3 // 4), exact=True)).to_be_attached()

    # Back past the first photo, the viewer brings the last one.
    page.goto(gallery_link_url(big))
    page.get_by_role("link", name=name(0), exact=True).click()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#lightbox-name")).to_have_text(name(SIZE - 1))
    page.keyboard.press("Escape")

    page.get_by_role("link", name="Show favorites only").click()
    favorites = SIZE // 4
    assert tiles(page).count() < favorites
    to_the_end(page, favorites)
    expect(page.get_by_role("link", name=name(SIZE - 1), exact=True)).to_be_visible()
    expect(page.locator(".photo-tile .fav-button[aria-pressed=false]")).to_have_count(0)


def test_the_keyboard_carries_on_from_more_photos_to_the_photos_it_brought(page, big):
    page.goto(gallery_link_url(big))
    page.wait_for_load_state("networkidle")
    before = tiles(page).count()
    page.get_by_role("link", name="More photos").focus()  # as Tab reaches it: it scrolls in
    expect(page.locator(".photo-open:focus")).to_have_attribute("data-name", name(before))


def test_hearts_taken_off_in_the_favorites_skip_none_of_those_still_to_come(page, big):
    """Each heart taken off a photo shown takes it out of the list the server counts in; the
    next chunk starts that much earlier (static/js/gallery.js, nextChunkUrl)."""
    page.goto(gallery_link_url(big))
    page.get_by_role("link", name="Show favorites only").click()
    favorites = SIZE // 4
    expect(tiles(page)).to_have_count(CHUNK)
    hearts = page.locator(".photo-tile .fav-button[aria-pressed=true]")
    for taken in range(1, 4):
        hearts.first.click()
        expect(hearts).to_have_count(CHUNK - taken)
    until(page, lambda: Favorite.objects.count() == favorites - 3)

    to_the_end(page, favorites)  # the three taken off stay where they were, unpressed
    shown = page.locator(".photo-tile").evaluate_all("tiles => tiles.map(t => t.id)")
    assert len(set(shown)) == favorites
    kept = Favorite.objects.values_list("photo_id", flat=True)
    assert {f"photo-{pk}" for pk in kept} <= set(shown)
