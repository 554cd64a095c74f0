"""The studio's logo and colour on its client pages, kept readable, and link previews on
its public pages only."""

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from gallery.models import PortfolioPhoto, ShareLink
from gallery.public_images import portfolio_photo_render, session_type_cover_render
from gallery.sample_images import camera_like, jpeg_bytes
from gallery.services import gallery_create_for_booking
from sessions.access import booking_url
from studio.branding import PAPER, WHITE, brand_palette, colour_for_text, contrast_ratio
from tests.factories import BookingFactory, PhotographerFactory, SessionTypeFactory
from tests.gallery.conftest import sign_in


def test_contrast_is_measured_as_wcag_measures_it():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1)
    assert contrast_ratio("#767676", WHITE) == pytest.approx(4.54, abs=0.01)


def test_a_brand_colour_dark_enough_for_text_is_used_as_it_is():
    assert colour_for_text("#8A5A44") == "#8a5a44"
    assert brand_palette("#8a5a44")["text"] == "#8a5a44"


@pytest.mark.parametrize(
    "colour", ["#f5c542", "#ffffff", "#9fd3c7", "#ff7f50", "#00ff00", "#c8a2c8", "#d4a373"]
)
def test_a_light_brand_colour_is_darkened_for_text_keeping_its_hue(colour):
    text = colour_for_text(colour)
    assert contrast_ratio(text, PAPER) >= 4.5
    assert contrast_ratio(text, WHITE) >= 4.5  # white letters on a button of it
    assert contrast_ratio(colour_for_text(colour), PAPER) < 5.5  # no darker than needed
    channels = [int(text[i : i + 2], 16) for i in (1, 3, 5)]
    original = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    assert sorted(range(3), key=channels.__getitem__) == sorted(range(3), key=original.__getitem__)
    palette = brand_palette(colour)
    assert palette["brand"] == colour  # kept as chosen for rules and borders
    assert contrast_ratio(palette["hover"], WHITE) > contrast_ratio(text, WHITE)


def test_the_brand_stylesheet_carries_the_readable_shade(client, studio):
    studio.brand_colour = "#f5c542"
    studio.save()
    response = client.get(reverse("studio-brand-css"))
    css = response.content.decode()
    assert response["Content-Type"].startswith("text/css")
    assert "--sitting-brand: #f5c542;" in css
    assert f"--sitting-accent: {colour_for_text('#f5c542')};" in css
    assert "immutable" in response["Cache-Control"]


def test_every_client_page_links_the_brand_stylesheet_by_its_colour(client, studio):
    studio.brand_colour = "#3D6B8E"
    studio.save()
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("studio-brand-css")}?v=3D6B8E"' in html
    assert "<style" not in html  # the CSP allows no inline styles


def test_the_favicon_is_the_logo_when_there_is_one(client, studio):
    html = client.get(reverse("home")).content.decode()
    assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg"', html)
    studio.logo.save("logo.png", ContentFile(jpeg_bytes(camera_like(64, 64))))
    html = client.get(reverse("home")).content.decode()
    assert f'<link rel="icon" href="{studio.logo.url}">' in html
    assert "favicon.svg" not in html


# --- Link previews ----------------------------------------------------------------------


def og(html: str) -> dict[str, str]:
    return dict(
        re.findall(r'<meta (?:property|name)="((?:og|twitter):[a-z:]+)" content="([^"]*)"', html)
    )


@pytest.fixture
def family(studio, settings):
    settings.SITE_URL = "https://lumen.example"
    session_type = SessionTypeFactory(
        name="Family",
        slug="family",
        description="Portraits for **up to six** people.",
        photographers=[PhotographerFactory()],
    )
    session_type.cover.save("family.jpg", ContentFile(jpeg_bytes(camera_like(900, 600))))
    return session_type_cover_render(session_type_id=session_type.pk)


def test_the_home_page_previews_with_the_first_portfolio_photograph(client, family):
    photo = PortfolioPhoto(description="A portrait")
    photo.original.save("x.jpg", ContentFile(jpeg_bytes(camera_like(900, 600))))
    photo = portfolio_photo_render(photo_id=photo.pk)
    tags = og(client.get(reverse("home")).content.decode())
    assert tags["og:title"] == "Lumen Portraits"
    assert tags["og:description"] == "Honest portraits in a calm studio."
    assert tags["og:url"] == "https://lumen.example/"
    assert tags["og:image"] == f"https://lumen.example{photo.large.url}"
    assert tags["twitter:card"] == "summary_large_image"
    assert client.get(tags["og:image"].removeprefix("https://lumen.example")).status_code == 200


def test_the_booking_steps_preview_with_the_session_types_cover(client, family):
    pick = reverse("sessions:slot-pick", args=["family"])
    tags = og(client.get(pick).content.decode())
    assert tags["og:title"] == "Family · Lumen Portraits"
    assert tags["og:description"] == "Portraits for up to six people."
    assert tags["og:url"] == f"https://lumen.example{pick}"
    assert tags["og:image"] == f"https://lumen.example{family.cover_large.url}"
    listing = og(client.get(reverse("sessions:session-type-list")).content.decode())
    assert listing["og:title"] == "Book a session with Lumen Portraits"
    assert listing["twitter:card"] == "summary"  # no photograph of its own


def test_a_lasting_address_redirects_to_a_public_picture_and_nothing_else(client, family):
    name = family.cover_large.name.removeprefix("branding/")
    response = client.get(reverse("studio-branding-image", args=[name]))
    assert response.status_code == 302
    assert response["Location"] == family.cover_large.url
    assert client.get(reverse("studio-branding-image", args=["nothing.jpg"])).status_code == 404
    assert client.get(f"/branding/image/../{family.cover.name}").status_code == 404


def test_private_pages_show_no_preview_and_stay_out_of_search_engines(client, family, anna):
    booking = BookingFactory(client=anna, session_type=family)
    gallery = gallery_create_for_booking(booking=booking)
    gallery.status = "published"
    gallery.save()
    link = ShareLink.objects.create(gallery=gallery, label="Grandma")
    sign_in(client, anna)
    pages = [
        reverse("gallery:gallery-detail", args=[gallery.slug]),
        booking_url(booking),
        reverse("clients:my-sessions"),
    ]
    for url in pages:
        response = client.get(url, follow=True)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert og(html) == {}, url
        assert "noindex" in html or "noindex" in response.get("X-Robots-Tag", ""), url
    client.logout()
    response = client.get(reverse("gallery:share-open", args=[link.token]), follow=True)
    assert og(response.content.decode()) == {}
    assert "noindex" in response.content.decode()
