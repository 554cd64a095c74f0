"""The limits' pages as a person meets them in Chromium: a share link's PIN (its length,
then how long to wait), and the admin's sign-in after too many wrong passwords."""

import pytest
from django.contrib.auth.hashers import make_password

from gallery.models import Gallery, ShareLink
from gallery.services import gallery_create_for_booking
from tests.factories import BookingFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_guest_is_told_the_pins_length_then_how_long_to_wait(page, studio, anna, tmp_path):
    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
    Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.PUBLISHED)
    link = ShareLink.objects.create(
        gallery=gallery, label="Grandma", pin_hash=make_password("258014"), pin_length=6
    )
    page.goto(f"/gallery/share/{link.token}/")
    assert "protected by a 6-digit PIN" in page.locator("main").inner_text()
    assert page.locator("#pin").get_attribute("maxlength") == "6"
    for guess in range(5):
        page.fill("#pin", f"00000{guess}")
        page.click("text=Open the gallery")
    assert "You can try again in 1" in page.locator("#pin-error").inner_text()
    page.fill("#pin", "258014")
    page.click("text=Open the gallery")
    assert "Please wait 1" in page.locator("#pin-error").inner_text()
    page.screenshot(path=tmp_path / "share-pin-wait.png", full_page=True)
    assert page.console_errors == []


def test_the_admin_sign_in_says_how_long_to_wait(page, studio, tmp_path):
    owner = UserFactory(username="owner", is_staff=True, is_superuser=True)
    owner.set_password("correct horse battery staple")
    owner.save()
    page.goto("/admin/login/")
    for guess in range(5):
        page.fill("#id_username", "owner")
        page.fill("#id_password", f"guess {guess}")
        page.click("input[type=submit]")
    note = page.locator(".errornote").inner_text()
    assert "Too many wrong passwords for “owner” from your connection" in note
    assert "Please wait 1" in note
    page.screenshot(path=tmp_path / "admin-login-wait.png", full_page=True)
