"""Finals: uploaded through the same pipeline without a watermark, delivered with an email,
downloaded one by one (nothing identifying, their own names) or as a zip a worker builds
from storage."""

import hashlib
import io
import tracemalloc
import zipfile

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from gallery import delivery
from gallery.downloads import download_build, download_request, downloads_expire
from gallery.models import Download, Gallery, Photo, ShareLink
from gallery.photos import photo_add, photo_process
from gallery.sample_images import camera_like, exif_with, jpeg_bytes
from gallery.services import gallery_create_for_booking, gallery_deliver
from studio.celery import app as celery_app
from tests.factories import BookingFactory
from tests.gallery.conftest import page_url, sign_in
from tests.workers import worker_run_until


def final(gallery, name, seed, size=(1200, 800), **exif):
    data = jpeg_bytes(camera_like(*size, seed=seed), exif=exif_with(**exif) if exif else None)
    added = photo_add(
        gallery=gallery, stream=io.BytesIO(data), name=name, size=len(data), kind=Photo.Kind.FINAL
    )
    photo = photo_process(photo_id=added.photo.pk)
    assert photo.status == Photo.Status.READY, photo.failure_reason
    return photo, data


@pytest.fixture
def delivered(published, studio, django_capture_on_commit_callbacks, eager_tasks):
    studio.watermark_position = "center"
    finals = [
        final(published, "Anna – portrait.JPG", 90, gps=True, camera=("Canon", "Canon EOS R5")),
        final(published, "IMG_0002.JPG", 91),
        final(published, "img_0002.jpg", 92),  # the same name but for case: both kept
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert gallery_deliver(gallery_id=published.pk)
    published.refresh_from_db()
    return published, finals


def test_a_location_is_removed_and_every_pixel_and_the_camera_kept():
    data = jpeg_bytes(
        camera_like(900, 600, seed=4),
        exif=exif_with(gps=True, camera=("Canon", "Canon EOS R5"), orientation=6),
    )
    clean = delivery.without_identifying(data)
    assert clean[clean.index(b"\xff\xda") :] == data[data.index(b"\xff\xda") :]  # the pixels
    with Image.open(io.BytesIO(clean)) as image:
        exif = image.getexif()
        assert exif.get_ifd(0x8825) == {}
        assert (exif[0x0110], exif[0x0112]) == ("Canon EOS R5", 6)
        image.load()
    untouched = jpeg_bytes(camera_like(300, 200, seed=5), exif=exif_with(camera=("A", "B")))
    kept = delivery.without_identifying(untouched)
    assert kept[kept.index(b"\xff\xda") :] == untouched[untouched.index(b"\xff\xda") :]
    with Image.open(io.BytesIO(kept)) as image:
        assert (image.getexif()[0x010F], image.getexif()[0x0110]) == ("A", "B")


def test_a_png_with_a_location_is_delivered_without_it():
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = exif_with(gps=True)
    out = io.BytesIO()
    image.save(out, format="PNG", exif=exif.tobytes())
    clean = delivery.without_identifying(out.getvalue())
    with Image.open(io.BytesIO(clean)) as reread:
        assert reread.format == "PNG"
        assert reread.getexif().get_ifd(0x8825) == {}
        assert reread.getpixel((5, 5)) == (200, 10, 10)


def test_delivering_opens_downloads_and_tells_the_client_once(
    delivered, django_capture_on_commit_callbacks
):
    gallery, _finals = delivered
    assert gallery.status == Gallery.Status.DELIVERED
    assert gallery.downloads_allowed
    with django_capture_on_commit_callbacks(execute=True):
        gallery_deliver(gallery_id=gallery.pk)
    [email] = mail.outbox
    assert email.subject == "Your finished photos are ready to download"
    assert "/gallery/link/" in email.body


def test_a_gallery_without_finals_is_not_delivered(published):
    assert gallery_deliver(gallery_id=published.pk) is False
    published.refresh_from_db()
    assert published.status == Gallery.Status.PUBLISHED


def test_finals_have_no_watermark_and_stay_out_of_the_proofs(delivered, client, anna):
    gallery, finals = delivered
    photo, _data = finals[0]
    sign_in(client, anna)
    page = client.get(page_url(gallery)).text
    assert "Your finished photos" in page
    proofs = page.split("Your proofs", 1)[1]
    assert "Anna – portrait.JPG" not in proofs
    assert "IMG_0001.JPG" in proofs
    with photo.preview.open("rb") as preview, Image.open(preview) as decoded:
        assert decoded.size == (1200, 800)  # web size is the unmarked preview


def test_each_final_downloads_under_its_own_name_without_gps(delivered, client, anna):
    gallery, finals = delivered
    photo, data = finals[0]
    sign_in(client, anna)
    response = client.get(
        reverse("gallery:final-download", args=[gallery.slug, photo.pk, "original"])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Anna%20%E2%80%93%20portrait.JPG"
    )
    body = b"".join(response.streaming_content)
    with Image.open(io.BytesIO(body)) as image:
        assert image.getexif().get_ifd(0x8825) == {}
        assert image.getexif()[0x0110] == "Canon EOS R5"
    assert body[body.index(b"\xff\xda") :] == data[data.index(b"\xff\xda") :]
    web = client.get(reverse("gallery:final-download", args=[gallery.slug, photo.pk, "web"]))
    assert "Anna%20%E2%80%93%20portrait%20%28web%29.jpg" in web["Content-Disposition"]


def test_downloads_are_the_clients_only(delivered, client, ben, published):
    gallery, finals = delivered
    photo, _data = finals[0]
    urls = [
        reverse("gallery:final-download", args=[gallery.slug, photo.pk, "original"]),
        reverse("gallery:final-download", args=[gallery.slug, photo.pk, "web"]),
    ]
    download = Download.objects.create(gallery=gallery, size="original", status="ready")
    urls += [
        reverse("gallery:zip-status", args=[gallery.slug, download.pk]),
        reverse("gallery:zip-file", args=[gallery.slug, download.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    sign_in(client, ben)
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("gallery:zip-request", args=[gallery.slug]), {"size": "web"}
        ).status_code
        == 404
    )
    # A share link sees the gallery, but never the downloads.
    link = ShareLink.objects.create(gallery=gallery, label="Grandma", can_favorite=True)
    client.get(reverse("gallery:share-open", args=[link.token]))
    assert "Your finished photos" not in client.get(page_url(gallery)).text
    assert client.get(urls[0]).status_code == 404
    # The proof preview URL never serves a final's original either.
    original = f"{page_url(gallery)}photos/{photo.pk}/original/"
    assert client.get(original).status_code == 404


def test_downloads_wait_until_the_studio_allows_them(published, client, anna):
    photo, _data = final(published, "IMG_0009.JPG", 93)
    sign_in(client, anna)
    assert "Your finished photos" not in client.get(page_url(published)).text
    url = reverse("gallery:final-download", args=[published.slug, photo.pk, "original"])
    assert client.get(url).status_code == 404


def test_the_zip_holds_every_final_once_under_a_safe_name(
    delivered, client, anna, eager_tasks, django_capture_on_commit_callbacks
):
    gallery, finals = delivered
    sign_in(client, anna)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            reverse("gallery:zip-request", args=[gallery.slug]), {"size": "original"}
        )
    assert started.status_code == 200
    download = Download.objects.get()
    status = client.get(reverse("gallery:zip-status", args=[gallery.slug, download.pk]))
    assert "Download the zip: Full size" in status.text
    assert "hx-trigger" not in status.text  # finished: no more polling
    response = client.get(reverse("gallery:zip-file", args=[gallery.slug, download.pk]))
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''Family")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == ["Anna – portrait.JPG", "IMG_0002.JPG", "img_0002 (2).jpg"]
    assert archive.testzip() is None
    for (photo, _data), name in zip(finals, archive.namelist(), strict=True):
        photo.download.open("rb")
        assert (
            hashlib.sha256(archive.read(name)).digest()
            == hashlib.sha256(photo.download.read()).digest()
        )
        photo.download.close()
    # Asking again reuses the fresh zip.
    client.post(reverse("gallery:zip-request", args=[gallery.slug]), {"size": "original"})
    assert Download.objects.count() == 1


def test_the_zip_is_built_without_holding_it_in_memory(published, eager_tasks):
    finals = [final(published, f"BIG_{n}.JPG", 100 + n, size=(3000, 2000)) for n in range(6)]
    total = sum(photo.download.size for photo, _data in finals)
    assert total > 6_000_000
    Gallery.objects.filter(pk=published.pk).update(downloads_allowed=True)
    download = Download.objects.create(gallery=published, size="original", total=6)
    tracemalloc.start()
    built = download_build(download_id=download.pk)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert built.status == Download.Status.READY
    assert built.byte_size > total
    assert peak < total / 3  # chunks of 1 MB, never the whole archive


def test_an_expired_zip_says_so_and_is_deleted(
    delivered, client, anna, eager_tasks, django_capture_on_commit_callbacks
):
    gallery, _finals = delivered
    download = Download.objects.create(gallery=gallery, size="web", total=3)
    built = download_build(download_id=download.pk)
    name = built.file.name
    with time_machine.travel(timezone.now() + timezone.timedelta(days=8)):
        sign_in(client, anna)
        page = client.get(reverse("gallery:zip-file", args=[gallery.slug, download.pk]))
        assert page.status_code == 410
        assert "This download link has expired" in page.text
        with django_capture_on_commit_callbacks(execute=True):
            assert downloads_expire() == 1
    assert not Download.objects.exists()
    from django.core.files.storage import default_storage

    assert not default_storage.exists(name)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_zip_with_its_progress(redis_url, studio, anna):
    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
    for n in range(3):
        final(gallery, f"DSC_{n}.JPG", 110 + n)
    Gallery.objects.filter(pk=gallery.pk).update(
        status=Gallery.Status.DELIVERED, downloads_allowed=True
    )
    celery_app.control.purge()
    download = download_request(gallery=gallery, size="web")

    def finished() -> bool:
        download.refresh_from_db()
        return download.status in ("ready", "failed")

    worker_run_until(finished, timeout=60)
    assert download.status == "ready"
    assert (download.done, download.total) == (3, 3)
    with download.file.open("rb") as stored:
        assert zipfile.ZipFile(stored).namelist() == [
            "DSC_0 (web).jpg",
            "DSC_1 (web).jpg",
            "DSC_2 (web).jpg",
        ]


def test_a_finals_unmarked_preview_goes_only_to_who_may_download(published, client, anna):
    photo, _data = final(published, "IMG_0010.JPG", 120)
    preview = reverse("gallery:photo-file", args=[published.slug, photo.pk, "preview"])
    thumbnail = reverse("gallery:photo-file", args=[published.slug, photo.pk, "thumbnail"])
    comments = reverse("gallery:photo-comments", args=[published.slug, photo.pk])
    link = ShareLink.objects.create(gallery=published, label="Grandma", can_favorite=True)
    client.get(reverse("gallery:share-open", args=[link.token]))
    assert client.get(preview).status_code == 404
    assert client.get(thumbnail).status_code == 404
    sign_in(client, anna)
    assert client.get(preview).status_code == 404  # downloads not open yet
    assert client.get(comments).status_code == 404  # comments are for proofs
    Gallery.objects.filter(pk=published.pk).update(downloads_allowed=True)
    assert client.get(preview).status_code == 200


def test_a_final_from_a_camera_stuck_in_1970_still_zips(published, eager_tasks):
    photo, _data = final(published, "OLD.JPG", 121, taken="1970:06:01 12:00:00")
    assert photo.captured_at.year == 1970
    download = Download.objects.create(gallery=published, size="web", total=1)
    assert download_build(download_id=download.pk).status == Download.Status.READY


def test_a_location_kept_only_in_xmp_is_removed_from_webp_and_tiff():
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
        b'22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
        b'exif:GPSLatitude="51,30.0N"/></rdf:RDF></x:xmpmeta>'
    )
    image = Image.new("RGB", (40, 30), (10, 120, 200))
    for kind, options in (
        ("WEBP", {"xmp": xmp, "lossless": True}),
        ("TIFF", {"tiffinfo": {700: xmp}}),
    ):
        out = io.BytesIO()
        image.save(out, format=kind, **options)
        assert b"GPSLatitude" in out.getvalue()
        clean = delivery.without_identifying(out.getvalue())
        assert b"GPSLatitude" not in clean, kind
        with Image.open(io.BytesIO(clean)) as reread:
            assert reread.format == kind
            pixel = reread.getpixel((3, 3))[:3]
            assert all(abs(a - b) <= 3 for a, b in zip(pixel, (10, 120, 200), strict=True))
