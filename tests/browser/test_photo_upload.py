"""The photographer uploads photos on the upload page and watches each one finish."""

import pytest
from playwright.sync_api import expect

from gallery.models import Photo
from gallery.sample_images import camera_like, jpeg_bytes
from gallery.services import gallery_create_for_booking
from tests.browser.checks import page_fits
from tests.factories import BookingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_photos_upload_with_progress_and_each_reaches_ready_or_a_clear_failure(
    page, live_server, studio, anna, staff_user, eager_tasks, tmp_path
):
    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
    folder = tmp_path / "shoot"
    folder.mkdir()
    for n in range(3):
        (folder / f"IMG_{n:04d}.JPG").write_bytes(jpeg_bytes(camera_like(1600, 1067, seed=n)))
    (folder / "notes.jpg").write_bytes(b"not a photo at all")

    page.goto("/admin/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/admin/gallery/gallery/{gallery.pk}/change/")
    page.get_by_role("link", name="Add photos").click()
    page_fits(page)  # on a phone too, nothing of the drop zone runs past the screen
    page.get_by_label("Put them in the set (optional)").fill("Outfit 1")
    page.get_by_label("Photos", exact=True).set_input_files(
        sorted(str(p) for p in folder.iterdir())
    )

    expect(page.locator("#upload-summary")).to_have_text(
        "3 uploaded, 0 already in the gallery, 1 rejected.", timeout=30_000
    )
    rows = page.locator("#upload-list tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.filter(has_text="IMG_0000.JPG")).to_contain_text("Ready", timeout=20_000)
    # Not a photo: refused as it arrives, with the reason, and nothing of it kept.
    expect(rows.filter(has_text="notes.jpg")).to_contain_text(
        "Not uploaded: it is a text file, not a photo"
    )
    assert Photo.objects.filter(status="ready", set_name="Outfit 1").count() == 3
    # Every photo processed: on to culling them.
    cull = page.get_by_role("link", name="Cull photos")
    expect(cull).to_be_visible(timeout=10_000)
    assert cull.get_attribute("href") == f"/admin/gallery/gallery/{gallery.pk}/cull/"

    # The same photo again is recognised.
    page.get_by_label("Photos", exact=True).set_input_files(str(folder / "IMG_0001.JPG"))
    expect(page.locator("#upload-summary")).to_have_text(
        "3 uploaded, 1 already in the gallery, 1 rejected.", timeout=20_000
    )
    assert Photo.objects.count() == 3
    # The refused file's answer is a 422, which the browser reports; nothing else went wrong.
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]
