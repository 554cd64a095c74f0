"""Issue 21's "done when", in Chromium: the photographer opens the demo gallery's culling
view (real photographs, analysed as the worker would), accepts the suggestion for a burst by
keyboard, rejects the frame where the eyes are closed, publishes; the client sees the gallery
without the rejects and filters it by a person."""

import io
import os

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from gallery.access import gallery_link_url
from gallery.culling_models import PhotoAnalysis, PhotoGroup
from gallery.models import Gallery, Photo
from tests.browser.admin_pages import sign_in
from tests.browser.checks import axe_violations, until
from workspace.demo_culling import CULL_BOOKING, FRAMES, culling_gallery_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOTS_DIR")


def flags(gallery) -> dict[str, str]:
    return dict(gallery.photos.values_list("original_name", "flag"))


def test_the_photographer_culls_the_demo_session_and_the_client_sees_the_keepers(
    page, browser, live_server, staff_user
):
    call_command("seed_demo", "--photos", "0", stdout=io.StringIO())
    culling_gallery_seed()  # what seed_demo adds with enough photos, without the others
    gallery = Gallery.objects.get(booking__reference=CULL_BOOKING)
    first_burst = PhotoGroup.objects.get(gallery=gallery, number=1)
    burst = sorted(first_burst.members.values_list("photo__original_name", flat=True))
    best = first_burst.best.original_name
    blink = PhotoAnalysis.objects.get(photo__gallery=gallery, eyes_closed=True).photo

    sign_in(page)
    page.goto(f"/admin/gallery/gallery/{gallery.pk}/cull/")
    current = page.locator("#cull-current")
    expect(current).to_have_text(best)  # the burst's suggested best stands for it
    expect(page.locator("#cull-current-badges")).to_contain_text("Suggested")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/culling-demo.png", full_page=True)

    page.keyboard.press("a")  # accept the suggestion for this burst
    until(page, lambda: flags(gallery)[best] == Photo.Flag.PICK)
    others = [name for name in burst if name != best]
    until(page, lambda: [flags(gallery)[name] for name in others] == ["reject"] * len(others))

    page.keyboard.press("ArrowRight")
    expect(current).to_have_text(blink.original_name)
    expect(page.locator("#cull-current-badges")).to_contain_text("Eyes closed")
    page.keyboard.press("x")
    until(page, lambda: flags(gallery)[blink.original_name] == Photo.Flag.REJECT)
    assert axe_violations(page) == []

    page.goto(f"/admin/gallery/gallery/{gallery.pk}/change/")
    page.get_by_role("button", name="Publish and email the client").click()
    expect(page.locator(".messagelist")).to_contain_text("1 gallery published")
    gallery.refresh_from_db()
    assert gallery.status == Gallery.Status.PUBLISHED
    assert page.console_errors == []

    context = browser.new_context(base_url=live_server.url)
    client = context.new_page()
    client.goto(gallery_link_url(gallery))
    tiles = client.locator("li.photo-tile")
    rejected = len(others) + 1
    expect(tiles).to_have_count(FRAMES - rejected)
    expect(client.get_by_alt_text(blink.original_name, exact=False)).to_have_count(0)

    people = client.get_by_role("navigation", name="People")
    choices = people.get_by_role("link")
    expect(choices.first).to_have_text("Everyone")
    second_burst = PhotoGroup.objects.get(gallery=gallery, number=2)
    person = second_burst.best.faces.get().person
    people.get_by_role("link", name=person.label).click()
    expect(tiles).to_have_count(second_burst.size)
    if SHOTS:
        client.screenshot(path=f"{SHOTS}/culling-client-person.png", full_page=True)
    assert axe_violations(client, all_impacts=True) == []
    context.close()
