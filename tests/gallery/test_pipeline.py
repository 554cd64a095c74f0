"""Adding originals to a gallery and processing them: named by the server, each once, every
bad file failing alone; from the shell with `import_photos`; on a real worker."""

import contextlib
import datetime
import hashlib
import io
import os
import shutil
import signal
import socket
import subprocess
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from bench.broker import kill, stop, worker_start
from gallery import photos
from gallery.models import Gallery, Photo
from gallery.photos import (
    CLAIM_HEARTBEAT,
    CLAIM_LOST_AFTER,
    MAX_ATTEMPTS,
    UploadRefused,
    photo_add,
    photo_process,
    photos_reprocess,
    photos_requeue_stuck,
)
from gallery.sample_images import jpeg_bytes
from gallery.services import gallery_create_for_booking
from studio.celery import app as celery_app
from tests.factories import BookingFactory
from tests.gallery.conftest import add, jpeg
from tests.studio.test_background import database_url_for_subprocess
from tests.workers import worker_run_until


def test_photo_processing_is_routed_to_the_images_queue():
    from gallery.tasks import photo_process_task

    route = celery_app.amqp.router.route({}, photo_process_task.name)
    assert route["queue"].name == "images"


def test_a_gallery_takes_its_proofing_terms_from_the_session_type(gallery):
    assert gallery.title == "Family · Anna Kowalska"
    assert (gallery.favorites_limit, gallery.extra_image_price) == (20, 1500)
    assert gallery.status == Gallery.Status.DRAFT
    assert len(gallery.slug) >= 16


def test_originals_are_stored_byte_for_byte_under_names_the_server_chooses(gallery):
    first, second = jpeg(1), jpeg(2)
    a = add(gallery, first, "IMG_0001.JPG").photo
    b = add(gallery, second, "IMG_0001.JPG").photo  # another file with the same name
    hostile = add(gallery, jpeg(3), "../../etc/\x07x" + "é" * 300 + "📷.jpg").photo
    assert a.pk != b.pk
    assert a.original.name != b.original.name
    for photo, data in ((a, first), (b, second)):
        with photo.original.open("rb") as stored:
            assert hashlib.sha256(stored.read()).hexdigest() == hashlib.sha256(data).hexdigest()
        assert "IMG_0001" not in photo.original.name
    assert ".." not in hostile.original.name
    assert "\x07" not in hostile.original_name
    assert len(hostile.original_name) == 255
    assert hostile.original.name.startswith(f"galleries/{gallery.pk}/")


def test_the_same_bytes_twice_are_recognised_not_stored_twice(gallery):
    data = jpeg(4)
    first = add(gallery, data, "a.jpg")
    again = add(gallery, data, "copy of a.jpg")
    assert first.created
    assert not again.created
    assert again.photo.pk == first.photo.pk
    assert Photo.objects.count() == 1


def test_a_file_over_the_limit_is_refused_before_it_is_read(gallery):
    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("read before the size check")

    with pytest.raises(UploadRefused, match="each photo can be up to 80 MB"):
        photo_add(gallery=gallery, stream=Unreadable(), name="huge.tif", size=81 * 1024 * 1024)


def test_processing_makes_the_preview_and_thumbnail_and_reads_the_camera(gallery):
    photo = add(
        gallery,
        jpeg(5, size=(3000, 2000), camera=("Canon", "Canon EOS R6"), taken="2026:06:10 10:04:05"),
        "r6.jpg",
    ).photo
    done = photo_process(photo_id=photo.pk)
    assert done.status == Photo.Status.READY
    assert (done.width, done.height) == (3000, 2000)
    assert done.camera == "Canon EOS R6"
    assert done.captured_at.isoformat() == "2026-06-10T09:04:05+00:00"  # 10:04 in London
    with Image.open(done.preview) as preview, Image.open(done.thumbnail) as thumbnail:
        assert preview.size == (2048, 1365)
        assert thumbnail.size == (400, 267)
    assert done.colour.startswith("#")


def test_processing_again_leaves_one_set_of_derived_files(gallery, settings):
    photo = add(gallery, jpeg(6), "a.jpg").photo
    photo_process(photo_id=photo.pk)
    first = Photo.objects.get(pk=photo.pk)
    photos_reprocess(photo_ids=[photo.pk])
    photo_process(photo_id=photo.pk)
    again = Photo.objects.get(pk=photo.pk)
    files = sorted(
        str(path.relative_to(settings.MEDIA_ROOT))
        for path in (settings.MEDIA_ROOT / "galleries").rglob("*")
        if path.is_file()
    )
    kept = [again.original.name, again.preview.name, again.thumbnail.name]
    assert sorted([*kept, again.analysis.source.name]) == files  # the culling assistant's too
    assert first.preview.name != again.preview.name


def test_one_bad_file_fails_alone_with_a_reason(gallery):
    good = add(gallery, jpeg(7), "good.jpg").photo
    # Not a photo at all: refused from its first bytes (tests/gallery/test_uploads.py).
    with pytest.raises(UploadRefused, match="it is a text file, not a photo"):
        add(gallery, b"shopping list\n" * 10, "notes.jpg")
    # A whole header and half the pixels: only decoding finds it out, in the worker.
    whole = jpeg(8, size=(1600, 1200))
    truncated = add(gallery, whole[: len(whole) // 2], "cut.jpg").photo
    for photo in (good, truncated):
        photo_process(photo_id=photo.pk)
    statuses = dict(Photo.objects.values_list("original_name", "status"))
    assert statuses == {"good.jpg": "ready", "cut.jpg": "failed"}
    assert "damaged or incomplete" in Photo.objects.get(pk=truncated.pk).failure_reason


def test_a_photo_claimed_by_one_worker_is_not_processed_by_another(gallery):
    photo = add(gallery, jpeg(9), "a.jpg").photo
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.PROCESSING)
    assert photo_process(photo_id=photo.pk) is None  # someone else is on it


def test_a_lost_claim_is_taken_over_and_a_live_one_is_left_alone(gallery, eager_tasks):
    """A claim is lost when its process is gone from this machine (at once), or when it has
    been silent for 30 seconds (another machine's worker: only its heartbeat can tell)."""
    now = timezone.now()
    claims = {
        "at work elsewhere": ("another-machine:4242", now - timedelta(seconds=25)),
        "silent elsewhere": ("another-machine:4243", now - timedelta(seconds=35)),
        "gone from here": (f"{socket.gethostname()}:{_ended_pid()}", now),
        "at work here": (f"{socket.gethostname()}:{os.getpid()}", now - timedelta(seconds=25)),
    }
    photos = {}
    for seed, (name, (holder, seen)) in enumerate(claims.items()):
        photos[name] = add(gallery, jpeg(80 + seed), f"{seed}.jpg").photo
        Photo.objects.filter(pk=photos[name].pk).update(
            status=Photo.Status.PROCESSING,
            processing_by=holder,
            processing_started_at=now - timedelta(minutes=3),
            processing_seen_at=seen,
        )
    assert photo_process(photo_id=photos["at work elsewhere"].pk) is None
    assert photo_process(photo_id=photos["at work here"].pk) is None
    assert photo_process(photo_id=photos["gone from here"].pk).status == Photo.Status.READY
    assert photos_requeue_stuck() == 1  # the silent one, processed here (eager)
    status = dict(Photo.objects.values_list("original_name", "status"))
    assert status == {
        "0.jpg": "processing",
        "1.jpg": "ready",
        "2.jpg": "ready",
        "3.jpg": "processing",
    }
    # Beat sweeps often enough that a silent claim is taken over within a minute.
    every = celery_app.conf.beat_schedule["requeue-stuck-photos"]["schedule"]
    assert CLAIM_LOST_AFTER.total_seconds() + every <= 60
    assert CLAIM_HEARTBEAT * 3 <= CLAIM_LOST_AFTER


def _ended_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.mark.django_db(transaction=True)
def test_a_photo_being_processed_keeps_its_claim_alive(monkeypatch, gallery):
    monkeypatch.setattr(photos, "CLAIM_HEARTBEAT", timedelta(milliseconds=50))
    photo = add(gallery, jpeg(90), "a.jpg").photo
    celery_app.control.purge()  # its task: this test claims the photo by hand
    claimed_at = timezone.now() - timedelta(seconds=20)
    Photo.objects.filter(pk=photo.pk).update(
        status=Photo.Status.PROCESSING,
        processing_started_at=claimed_at,
        processing_seen_at=claimed_at,
    )
    seen = lambda: Photo.objects.get(pk=photo.pk).processing_seen_at  # noqa: E731
    with photos._claim_heartbeat(photo_id=photo.pk, claimed_at=claimed_at):
        assert _wait_for(lambda: seen() > claimed_at, timeout=10)
    last = seen()
    time.sleep(0.2)
    assert seen() == last  # the beats stop with the work


def test_a_photo_that_keeps_killing_its_worker_fails_instead_of_looping(gallery):
    photo = add(gallery, jpeg(10), "a.jpg").photo
    Photo.objects.filter(pk=photo.pk).update(attempts=MAX_ATTEMPTS)
    done = photo_process(photo_id=photo.pk)
    assert done.status == Photo.Status.FAILED
    assert "stopped on it repeatedly" in done.failure_reason


def test_import_photos_adds_a_folder_and_says_what_happened_to_each(gallery, tmp_path):
    folder = tmp_path / "export"
    (folder / "sub").mkdir(parents=True)
    first = jpeg(11)
    (folder / "a.jpg").write_bytes(first)
    (folder / "sub" / "b.jpg").write_bytes(jpeg(12))
    (folder / "copy.jpg").write_bytes(first)  # the same bytes as a.jpg
    (folder / "readme.jpg").write_bytes(b"not a photo")
    out = StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("import_photos", gallery.slug, str(folder), "--set", "Outfit 1", stdout=out)
    assert exit_code.value.code == 1  # one file was not usable
    report = out.getvalue()
    assert "2 added, 1 already in the gallery, 1 not usable." in report
    assert "readme.jpg: it is a text file, not a photo" in report
    assert "4/4" in report
    assert set(gallery.photos.values_list("set_name", flat=True)) == {"Outfit 1"}
    assert gallery.photos.filter(status=Photo.Status.READY).count() == 2


def test_import_photos_exits_cleanly_when_everything_worked(gallery, tmp_path):
    (tmp_path / "a.jpg").write_bytes(jpeg(13))
    out = StringIO()
    call_command("import_photos", str(gallery.pk), str(tmp_path / "a.jpg"), stdout=out)
    assert "1 added, 0 already in the gallery, 0 not usable." in out.getvalue()


def test_staff_create_a_gallery_from_a_booking_in_one_click(client, staff_user, studio, anna):
    booking = BookingFactory(client=anna)
    client.force_login(staff_user)
    response = client.post(
        reverse("admin:shoots_booking_changelist"),
        {"action": "create_gallery", "_selected_action": [booking.pk]},
    )
    gallery = Gallery.objects.get(booking=booking)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:gallery_gallery_change", args=[gallery.pk])
    page = client.get(response["Location"]).content.decode()
    assert gallery.title in page


def image_file(image: Image.Image, format: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_the_images_queue_processes_a_batch(redis_url, studio, anna):
    """Good photos, a 16-bit TIFF scan, and files that must fail. A decompression bomb, an
    EPS named .jpg and a GIF are refused from their header, never reaching the worker; a JPEG
    cut short looks whole until decoded: the worker fails it alone and goes on to the next."""
    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
    celery_app.control.purge()
    scan = Image.new("I", (900, 600), 0)
    scan.paste(40_000, (450, 0, 900, 600))
    refused = {
        "huge.png": (image_file(Image.new("L", (20_000, 20_000)), "PNG"), "far more pixels"),
        "logo.jpg": (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 9 9\n", "an EPS"),
        "odd.gif": (
            image_file(Image.new("P", (9, 9)), "GIF"),
            "not a JPEG, PNG, WebP, TIFF or HEIC",
        ),
    }
    for name, (data, reason) in refused.items():
        with pytest.raises(UploadRefused, match=reason):
            add(gallery, data, name)
    whole = jpeg(19, size=(1600, 1200))
    bad = {"cut": add(gallery, whole[: len(whole) // 2], "cut.jpg")}
    good = [add(gallery, jpeg(20 + n), f"IMG_{n:04d}.JPG") for n in range(3)]
    good.append(add(gallery, image_file(scan.convert("I;16"), "TIFF"), "scan-16bit.tif"))
    worker_run_until(
        lambda: (
            not Photo.objects.filter(
                status__in=[Photo.Status.QUEUED, Photo.Status.PROCESSING]
            ).exists()
        ),
        timeout=60,
    )
    photos = {photo.pk: photo for photo in Photo.objects.all()}
    assert [photos[added.photo.pk].status for added in good] == ["ready"] * 4
    reasons = {name: photos[added.photo.pk].failure_reason for name, added in bad.items()}
    assert "damaged or incomplete" in reasons["cut"]
    assert all(photos[added.photo.pk].status == "failed" for added in bad.values())
    assert len(photos) == 5
    tiff = photos[good[-1].photo.pk]
    assert (tiff.width, tiff.height) == (900, 600)
    with tiff.preview.open("rb") as preview, Image.open(preview) as decoded:
        right = decoded.getpixel((800, 300))
    assert all(150 <= channel <= 160 for channel in right)  # 40000/65535 of white, not 255


def test_the_upload_page_and_its_endpoints_are_for_staff_only(client, gallery, anna):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = reverse("admin:gallery_gallery_upload", args=[gallery.pk])
    upload = reverse("admin:gallery_gallery_upload_file", args=[gallery.pk])
    status = reverse("admin:gallery_gallery_upload_status", args=[gallery.pk])
    assert client.get(page).status_code == 302  # to the admin's sign-in
    response = client.post(upload, {"file": SimpleUploadedFile("a.jpg", jpeg(30))})
    assert response.status_code == 302
    assert client.get(status).status_code == 302
    assert not Photo.objects.exists()


def test_uploading_answers_each_file_on_its_own(client, staff_user, gallery):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff_user)
    upload = reverse("admin:gallery_gallery_upload_file", args=[gallery.pk])
    data = jpeg(31)
    first = client.post(upload, {"file": SimpleUploadedFile("a.jpg", data), "set": "Outfit 2"})
    assert first.json()["status"] == "added"
    again = client.post(upload, {"file": SimpleUploadedFile("b.jpg", data)})
    assert again.json() == {"status": "duplicate", "photo": first.json()["photo"]}
    empty = client.post(upload, {"file": SimpleUploadedFile("c.jpg", b"")})
    assert (empty.status_code, empty.json()["reason"]) == (422, "the file is empty")
    assert client.post(upload, {}).status_code == 400
    too_big = client.post(
        upload, {"file": SimpleUploadedFile("d.jpg", b"x")}, CONTENT_LENGTH=str(90 * 1024 * 1024)
    )
    assert too_big.status_code == 413
    assert too_big.json()["reason"] == "it is over the 80 MB limit"
    assert Photo.objects.get().set_name == "Outfit 2"
    status = client.get(
        reverse("admin:gallery_gallery_upload_status", args=[gallery.pk]),
        {"ids": f"{first.json()['photo']},abc,999999"},
    )
    assert status.json() == {
        "photos": {str(first.json()["photo"]): {"status": "queued", "reason": ""}}
    }


def test_previews_carry_the_studios_watermark_as_set_and_thumbnails_do_not(gallery, studio):
    from django.core.files.base import ContentFile

    mark = io.BytesIO()
    Image.new("RGBA", (200, 100), (255, 255, 255, 255)).save(mark, format="PNG")
    studio.watermark.save("mark.png", ContentFile(mark.getvalue()))
    studio.watermark_position, studio.watermark_opacity, studio.watermark_scale = (
        "bottom-right",
        50,
        20,
    )
    studio.save()
    black = jpeg_bytes(Image.new("RGB", (2000, 1000), (0, 0, 0)))
    photo = photo_process(photo_id=add(gallery, black, "night.jpg").photo.pk)
    with Image.open(photo.preview) as preview:
        assert preview.getpixel((preview.width - 200, preview.height - 150))[0] > 100  # marked
        assert preview.getpixel((preview.width // 2, preview.height // 2))[0] < 10
    with Image.open(photo.thumbnail) as thumbnail:
        assert thumbnail.getpixel((thumbnail.width - 20, thumbnail.height - 12))[0] < 10
    Gallery.objects.filter(pk=gallery.pk).update(watermark=False)
    photos_reprocess(photo_ids=[photo.pk])
    plain = photo_process(photo_id=photo.pk)
    with Image.open(plain.preview) as preview:
        assert preview.getpixel((preview.width - 200, preview.height - 150))[0] < 10


def test_staff_see_thumbnails_and_originals_and_nobody_else_does(client, gallery, staff_user):
    data = jpeg(40)
    photo = photo_process(photo_id=add(gallery, data, "Anna & Ben <1>.jpg").photo.pk)
    urls = {
        kind: reverse("admin:gallery_gallery_photo", args=[gallery.pk, photo.pk, kind])
        for kind in ("thumbnail", "preview", "original")
    }
    for url in urls.values():
        assert client.get(url).status_code == 302  # to the admin's sign-in
    client.force_login(staff_user)
    original = client.get(urls["original"])
    assert b"".join(original.streaming_content) == data  # byte for byte
    assert original["Content-Disposition"].startswith("attachment")
    assert original["Cache-Control"].startswith("private")
    page = client.get(reverse("admin:gallery_gallery_change", args=[gallery.pk])).content.decode()
    assert urls["thumbnail"] in page
    assert "Anna &amp; Ben &lt;1&gt;.jpg" in page  # the name, escaped
    other = reverse("admin:gallery_gallery_photo", args=[gallery.pk + 1, photo.pk, "original"])
    assert client.get(other).status_code == 404


def test_an_unexpected_error_fails_the_photo_with_a_reason_instead_of_leaving_it_stuck(
    gallery, studio, settings
):
    from django.core.files.base import ContentFile

    studio.watermark.save("mark.png", ContentFile(b"not an image"))
    photo = add(gallery, jpeg(50), "a.jpg").photo
    done = photo_process(photo_id=photo.pk)
    assert done.status == Photo.Status.FAILED
    assert done.failure_reason == "the studio's watermark could not be read; replace it and retry"
    derived = [p for p in (settings.MEDIA_ROOT / "galleries").rglob("*") if p.is_file()]
    assert len(derived) == 1  # the original only: no half-made previews left behind


def test_a_camera_clock_never_set_gives_no_capture_time(gallery):
    photo = add(gallery, jpeg(51, taken="0001:01:01 00:00:00"), "old.jpg").photo
    done = photo_process(photo_id=photo.pk)
    assert done.status == Photo.Status.READY
    assert done.captured_at is None


def test_capture_times_use_the_cameras_offset_when_it_gave_one(gallery, studio):
    studio.time_zone = "Europe/London"
    studio.save()
    abroad = add(gallery, jpeg(53, taken="2026:07:04 14:30:05", offset="-04:00", subsec="25"), "a")
    at_home = add(gallery, jpeg(54, taken="2026:07:04 14:30:05", subsec="3"), "b")
    odd = add(gallery, jpeg(55, taken="2026:07:04 14:30:05", offset="+99:99"), "c")
    times = {
        name: photo_process(photo_id=added.photo.pk).captured_at
        for name, added in {"abroad": abroad, "at_home": at_home, "odd": odd}.items()
    }
    utc = datetime.UTC
    assert times["abroad"] == datetime.datetime(2026, 7, 4, 18, 30, 5, 250_000, tzinfo=utc)
    # No offset (most cameras): the studio's local time, British Summer Time here.
    assert times["at_home"] == datetime.datetime(2026, 7, 4, 13, 30, 5, 300_000, tzinfo=utc)
    assert times["odd"] == datetime.datetime(2026, 7, 4, 13, 30, 5, tzinfo=utc)


def test_deleting_a_photo_deletes_its_files(gallery, settings, django_capture_on_commit_callbacks):
    photo = photo_process(photo_id=add(gallery, jpeg(52), "a.jpg").photo.pk)
    # The original, preview, thumbnail and the culling assistant's picture.
    assert len([p for p in (settings.MEDIA_ROOT / "galleries").rglob("*") if p.is_file()]) == 4
    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()
    assert not [p for p in (settings.MEDIA_ROOT / "galleries").rglob("*") if p.is_file()]


def test_a_photo_file_missing_from_storage_is_a_404_for_staff(client, gallery, staff_user):
    from django.core.files.storage import default_storage

    photo = photo_process(photo_id=add(gallery, jpeg(53), "a.jpg").photo.pk)
    default_storage.delete(photo.preview.name)
    client.force_login(staff_user)
    url = reverse("admin:gallery_gallery_photo", args=[gallery.pk, photo.pk, "preview"])
    assert client.get(url).status_code == 404


def test_a_large_png_is_shrunk_before_any_colour_work(gallery):
    big = Image.new("RGBA", (8000, 6000), (30, 40, 220, 255))
    out = io.BytesIO()
    big.save(out, format="PNG")
    photo = photo_process(photo_id=add(gallery, out.getvalue(), "big.png").photo.pk)
    assert photo.status == Photo.Status.READY
    assert (photo.width, photo.height) == (8000, 6000)
    with Image.open(photo.preview) as preview:
        assert preview.size == (2048, 1536)


def admin_form_data(page) -> dict:
    """What the admin change page would post back unchanged: the form and its inlines."""
    data = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.extend(formset.forms)
        management = formset.management_form
        data.update(
            {management.add_prefix(name): value for name, value in management.initial.items()}
        )
    for form in forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = value.pk if hasattr(value, "pk") else value
    return data


def test_photos_run_in_capture_order_until_the_photographer_reorders_and_groups_them(
    client, staff_user, gallery
):
    taken = {"b.jpg": "2026:05:01 10:00:02", "a.jpg": "2026:05:01 10:00:03", "c.jpg": None}
    for seed, (name, when) in enumerate(taken.items()):
        photo_process(
            photo_id=add(
                gallery, jpeg(60 + seed, taken=when) if when else jpeg(60 + seed), name
            ).photo.pk
        )
    names = lambda: list(gallery.photos.values_list("set_name", "original_name"))  # noqa: E731
    # Capture time first (no capture time last, on every database), then the file name.
    assert names() == [("", "b.jpg"), ("", "a.jpg"), ("", "c.jpg")]
    client.force_login(staff_user)
    url = reverse("admin:gallery_gallery_photos", args=[gallery.pk])
    ids = {photo.original_name: photo.pk for photo in gallery.photos.all()}
    client.post(url, {"order": ",".join(str(ids[name]) for name in ("c.jpg", "b.jpg", "a.jpg"))})
    client.post(url, {"do": "set", "set_name": "Outfit 2", "photo": [ids["c.jpg"]]})
    saved = client.post(
        url, {"do": "set", "set_name": "Outfit 1", "photo": [ids["a.jpg"], ids["b.jpg"]]}
    )
    assert saved.status_code == 302
    assert names() == [("Outfit 2", "c.jpg"), ("Outfit 1", "b.jpg"), ("Outfit 1", "a.jpg")]


def _wait_for(done, *, timeout: float):
    deadline = time.monotonic() + timeout
    while not (result := done()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return result


def _pool_process_waiting_on_a_fifo(worker_pid: int) -> int | None:
    """The worker's pool process that is blocked opening a FIFO, if any (Linux's /proc)."""
    # Each thread has its own children: the pool replaces a dead process from another one.
    for children in Path(f"/proc/{worker_pid}/task").glob("*/children"):
        with contextlib.suppress(FileNotFoundError):
            for pid in children.read_text().split():
                if Path(f"/proc/{pid}/wchan").read_text() == "wait_for_partner":
                    return int(pid)
    return None


def _add_stalling(gallery, data: bytes, name: str, media_root: Path):
    """A photo whose stored original is, for now, a FIFO nobody writes to: the worker that
    opens it stops there, mid-photo. The returned `release()` puts the real file in its
    place for the next worker (the stalled one waits on the FIFO for ever)."""
    with transaction.atomic():  # the photo's task is sent at commit, after the swap
        photo = add(gallery, data, name).photo
        path = media_root / photo.original.name
        path.unlink()
        os.mkfifo(path)

    def release() -> None:
        whole = path.with_name("whole")
        whole.write_bytes(data)
        os.replace(whole, path)

    return photo, release


@pytest.mark.django_db(transaction=True)
def test_a_photo_whose_worker_is_killed_mid_thumbnail_is_ready_within_a_minute(
    settings, studio, anna, tmp_path
):
    """The pool process killed (out of memory, say): its message comes straight back and
    the retry takes the photo over, its holder being gone. The whole worker killed (a power
    cut): the next worker to start takes it over, from the message the folder broker gives
    back or the one beat's sweep sends (Redis keeps the killed worker's for an hour)."""
    from gallery.tasks import photos_requeue_stuck_task

    settings.MEDIA_ROOT = Path(settings.VAR_DIR) / "media"  # the worker's, by VAR_DIR
    celery_app.control.purge()
    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))

    def start():
        return worker_start(
            broker_url=os.environ.get("REDIS_URL", ""),
            var_dir=Path(settings.VAR_DIR),
            env={"DATABASE_URL": database_url_for_subprocess(), "WORKER_CONCURRENCY": "1"},
            log=tmp_path / "worker.log",
        )

    def ready(photo) -> bool:
        return Photo.objects.get(pk=photo.pk).status == Photo.Status.READY

    worker = start()
    try:
        first, release = _add_stalling(gallery, jpeg(41), "a.jpg", settings.MEDIA_ROOT)
        stalled = _wait_for(lambda: _pool_process_waiting_on_a_fifo(worker.pid), timeout=90)
        assert Photo.objects.get(pk=first.pk).status == Photo.Status.PROCESSING
        release()
        os.kill(stalled, signal.SIGKILL)
        killed = time.monotonic()
        assert _wait_for(lambda: ready(first), timeout=60), "still waiting after a minute"
        print(f"pool process killed: ready {time.monotonic() - killed:.1f} s later")

        second, release = _add_stalling(gallery, jpeg(42), "b.jpg", settings.MEDIA_ROOT)
        assert _wait_for(lambda: _pool_process_waiting_on_a_fifo(worker.pid), timeout=60)
        release()
        kill(worker)
        killed = time.monotonic()
        worker = start()
        photos_requeue_stuck_task.delay()  # what beat sends every 20 seconds
        assert _wait_for(lambda: ready(second), timeout=60), "still waiting after a minute"
        print(f"worker killed: ready {time.monotonic() - killed:.1f} s later")
    finally:
        stop(worker)
        shutil.rmtree(settings.MEDIA_ROOT / "galleries" / str(gallery.pk), ignore_errors=True)
    assert Photo.objects.get(pk=first.pk).attempts == 0  # reset once ready
