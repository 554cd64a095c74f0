"""What the gallery admin relies on below the page: previews marked with the studio's name
when it has no watermark of its own, bursts kept in their file names' order, and
`import_photos` telling what really happened to each photo, whoever processed it."""

import io
from io import StringIO

import pytest
from django.core.management import call_command
from PIL import Image, ImageChops, ImageStat

from gallery import imaging
from gallery.management.commands import import_photos
from gallery.models import Gallery, Photo
from gallery.photos import photo_process
from gallery.services import gallery_create_for_booking
from studio.celery import app as celery_app
from tests.factories import BookingFactory
from tests.gallery.conftest import add, jpeg


def difference(first: bytes, second: bytes, box) -> float:
    with Image.open(io.BytesIO(first)) as a, Image.open(io.BytesIO(second)) as b:
        return max(ImageStat.Stat(ImageChops.difference(a.crop(box), b.crop(box))).mean)


def test_previews_carry_the_studios_name_when_it_has_no_watermark_of_its_own(gallery, studio):
    assert not studio.watermark
    data = jpeg(3, size=(1600, 1000))
    photo = photo_process(photo_id=add(gallery, data, "IMG_0001.JPG").photo.pk)
    unmarked = imaging.photo_render(io.BytesIO(data)).preview
    with photo.preview.open("rb") as stream:
        preview = stream.read()
    # The studio's name across the middle (30% of the width, 40% strong), nothing elsewhere.
    assert difference(preview, unmarked, (560, 470, 1040, 530)) > 12
    assert difference(preview, unmarked, (0, 0, 300, 300)) < 1.5

    Gallery.objects.filter(pk=gallery.pk).update(watermark=False)  # the studio's choice
    data = jpeg(4, size=(1600, 1000))
    photo = photo_process(photo_id=add(gallery, data, "B.JPG").photo.pk)
    with photo.preview.open("rb") as stream:
        assert stream.read() == imaging.photo_render(io.BytesIO(data)).preview


def test_photos_taken_within_one_second_keep_their_file_names_order(gallery):
    # Sub-seconds are written differently by different cameras ("9" and "10" read as .9
    # and .10); the camera's numbering is what the photographer expects within a second.
    taken = {
        "IMG_0001.JPG": ("2026:05:01 10:00:05", "9"),
        "IMG_0002.JPG": ("2026:05:01 10:00:05", "10"),
        "IMG_0003.JPG": ("2026:05:01 10:00:04", "5"),
        "IMG_0004.JPG": (None, None),
    }
    for seed, (name, (when, subsec)) in enumerate(reversed(taken.items())):
        data = jpeg(seed, size=(300, 200), taken=when, subsec=subsec) if when else jpeg(seed)
        photo_process(photo_id=add(gallery, data, name).photo.pk)
    assert list(gallery.photos.values_list("original_name", flat=True)) == [
        "IMG_0003.JPG",
        "IMG_0001.JPG",
        "IMG_0002.JPG",
        "IMG_0004.JPG",
    ]


def cut_short(seed: int) -> bytes:
    whole = jpeg(seed, size=(1600, 1200))
    return whole[: len(whole) // 2]  # a whole header: refused only once decoded


def test_import_photos_reports_a_photo_that_failed_elsewhere_and_exits_1(
    gallery, tmp_path, monkeypatch
):
    """No worker answered, but one took a photo first: its failure is still reported."""
    (tmp_path / "IMG_0001.JPG").write_bytes(jpeg(1))
    (tmp_path / "IMG_0002.JPG").write_bytes(cut_short(2))

    def taken_by_a_worker(*, photo_id):
        photo_process(photo_id=photo_id)  # the worker's doing
        return None  # what this process sees: someone else had it

    monkeypatch.setattr(import_photos, "image_workers", lambda: [], raising=False)
    monkeypatch.setattr(import_photos, "photo_process", taken_by_a_worker)
    out = StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("import_photos", gallery.slug, str(tmp_path), stdout=out)
    assert exit_code.value.code == 1
    report = out.getvalue()
    assert "1 added, 0 already in the gallery, 1 not usable." in report
    assert "IMG_0002.JPG: it could not be read as a photo; it may be damaged" in report


def test_import_photos_ends_its_count_before_the_summary(gallery, tmp_path, monkeypatch):
    """Waiting for the workers, the count runs on one line; once they are done it shows
    the final count, and the summary starts a line of its own."""
    for n in (1, 2):
        (tmp_path / f"IMG_000{n}.JPG").write_bytes(jpeg(n))
    monkeypatch.setattr(import_photos, "image_workers", lambda: ["worker@studio"])

    def the_worker_meanwhile(seconds):
        for photo in Photo.objects.filter(gallery=gallery, status=Photo.Status.QUEUED):
            photo_process(photo_id=photo.pk, analyse=False)

    monkeypatch.setattr(import_photos.time, "sleep", the_worker_meanwhile)
    out = StringIO()
    call_command("import_photos", gallery.slug, str(tmp_path), stdout=out)
    report = out.getvalue()
    assert "\rProcessed 0 of 2 photos\rProcessed 2 of 2 photos\n2 added, 0 already" in report


@pytest.mark.django_db(transaction=True)
def test_import_photos_leaves_the_photos_to_a_running_worker_and_waits_for_it(
    redis_url, studio, anna, tmp_path, monkeypatch
):
    from celery.contrib.testing.worker import start_worker

    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
    celery_app.control.purge()
    (tmp_path / "IMG_0001.JPG").write_bytes(jpeg(1))
    (tmp_path / "IMG_0002.JPG").write_bytes(cut_short(2))

    def not_here(**kwargs):
        raise AssertionError("processed here while a worker was running")

    monkeypatch.setattr(import_photos, "photo_process", not_here)
    out = StringIO()
    with (
        start_worker(
            celery_app,
            perform_ping_check=False,
            pool="solo",
            concurrency=1,
            queues=["default", "images"],
        ),
        pytest.raises(SystemExit) as exit_code,
    ):
        call_command("import_photos", gallery.slug, str(tmp_path), stdout=out)
    report = out.getvalue()
    assert exit_code.value.code == 1, report
    assert "1 worker(s) will process the photos" in report
    assert "1 added, 0 already in the gallery, 1 not usable." in report
    assert "IMG_0002.JPG: it could not be read as a photo; it may be damaged" in report
    statuses = dict(gallery.photos.values_list("original_name", "status"))
    assert statuses == {"IMG_0001.JPG": Photo.Status.READY, "IMG_0002.JPG": Photo.Status.FAILED}
