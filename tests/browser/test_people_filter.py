"""The client filters their gallery by person in Chromium, with the keyboard: round faces
with their names, each a link; the page stays free of accessibility violations."""

import pytest
from playwright.sync_api import expect

from gallery.access import gallery_link_url
from gallery.culling_models import Person
from gallery.models import Gallery
from gallery.people import gallery_people_find
from gallery.services import gallery_create_for_booking
from tests.browser.checks import axe_violations, page_fits
from tests.factories import BookingFactory
from tests.gallery.people_photos import EVERYONE, proof_with_faces

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def family(studio, anna):
    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
    for name in EVERYONE:
        proof_with_faces(gallery, name)
    gallery_people_find(gallery_id=gallery.pk)
    Person.objects.filter(gallery=gallery, number=2).update(name="Grandpa Joe")
    Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.PUBLISHED)
    return gallery


def test_the_client_shows_only_grandpas_photos_by_keyboard(page, family):
    page.goto(gallery_link_url(family))
    people = page.get_by_role("navigation", name="People")
    expect(people.get_by_role("link")).to_have_text(["Everyone", "Person 1", "Grandpa Joe"])
    faces = people.locator("img")
    expect(faces).to_have_count(2)
    page.wait_for_load_state("networkidle")
    widths = faces.evaluate_all("imgs => imgs.map(img => img.naturalWidth)")
    assert widths == [160, 160]
    assert axe_violations(page, all_impacts=True) == []

    grandpa = people.get_by_role("link", name="Grandpa Joe")
    grandpa.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**?person=2")
    expect(page.locator(".photo-tile")).to_have_count(4)
    expect(people.get_by_role("link", name="Grandpa Joe")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("status").filter(has_text="Grandpa Joe")).to_be_visible()
    assert axe_violations(page, all_impacts=True) == []
    page_fits(page)

    people.get_by_role("link", name="Everyone").click()
    expect(page.locator(".photo-tile")).to_have_count(9)
    assert page.console_errors == []
