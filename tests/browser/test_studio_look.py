"""The home page looks like a photography studio's, in the studio's colours, readable and
fitting on a phone and a laptop alike."""

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from gallery.models import PortfolioPhoto
from gallery.public_images import portfolio_photo_render, session_type_cover_render
from gallery.sample_images import jpeg_bytes
from studio.branding import colour_for_text
from tests.browser.checks import page_checked
from tests.factories import PhotographerFactory, SessionTypeFactory
from workspace.demo_images import portrait_like

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIGHT = "#f5c542"  # a sunny yellow: unreadable as text on the page as it is


def picture(seed: int, size=(600, 400)) -> ContentFile:
    return ContentFile(jpeg_bytes(portrait_like(*size, seed=seed)))


@pytest.fixture
def dressed_studio(studio):
    studio.brand_colour = LIGHT
    studio.save()
    for n, size in enumerate([(600, 400), (400, 600), (600, 400), (600, 400)], start=1):
        photo = PortfolioPhoto(description=f"Portrait {n}", position=n)
        photo.original.save("x.jpg", picture(n, size))
        portfolio_photo_render(photo_id=photo.pk)
    session_type = SessionTypeFactory(name="Family", photographers=[PhotographerFactory()])
    session_type.cover.save("cover.jpg", picture(9))
    session_type_cover_render(session_type_id=session_type.pk)


def rgb(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def test_the_home_page_shows_the_portfolio_in_the_studios_colours(page, dressed_studio):
    page.goto("/")
    hero = page.get_by_role("img", name="Portrait 1")
    expect(hero).to_be_visible()
    expect(page.locator(".portfolio-item img")).to_have_count(3)
    expect(page.locator("article.session-card img.session-cover")).to_have_count(1)
    page.locator(".portfolio-item img, .session-cover").evaluate_all(
        "images => images.forEach(image => image.scrollIntoView())"
    )
    page.wait_for_load_state("networkidle")
    unloaded = page.locator("main img").evaluate_all(
        "images => images.filter(image => !image.complete || image.naturalWidth === 0).length"
    )
    assert unloaded == 0  # every picture arrived (public, and allowed by the CSP)
    button = page.get_by_role("link", name="See sessions")
    background = button.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == rgb(colour_for_text(LIGHT))  # the readable shade, not the yellow
    header = page.locator(".site-header").evaluate("el => getComputedStyle(el).borderTopColor")
    assert header == rgb(LIGHT)  # the colour as chosen, where nothing is read on it
    page_checked(page)  # 1280 px: no serious axe violation (contrast included); fits 375 px
    page.set_viewport_size({"width": 375, "height": 800})
    page_checked(page)
    box = hero.bounding_box()
    assert box["width"] > 300  # on a phone the photograph leads, full width
    assert page.console_errors == []
