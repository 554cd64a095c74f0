"""What a client downloads carries nothing that identifies a person, a place or a camera
body: no GPS, serial numbers, owner, comments, XMP location or history, IPTC, embedded
thumbnails or previews. The studio's copyright and credit, the orientation and the colour
profile stay, and the pixels are the studio's, byte for byte (nothing is encoded again).

The files are built as cameras and phones lay them out (gallery/sample_images.py), and every
download is read back with Pillow and pillow-heif and searched byte by byte."""

import io
import struct
import time
import zipfile

import pillow_heif
import pytest
from django.urls import reverse
from PIL import ExifTags, Image, PngImagePlugin, TiffImagePlugin

from gallery import delivery
from gallery.downloads import download_build
from gallery.models import Download, Gallery, Photo, ShareLink
from gallery.photos import photo_add, photo_process
from gallery.sample_images import (
    IDENTIFYING,
    STUDIO_ARTIST,
    STUDIO_COPYRIGHT,
    adobe_rgb_icc,
    camera_exif,
    camera_heic,
    camera_jpeg,
    camera_like,
    camera_xmp,
)
from tests.gallery.conftest import page_url, sign_in

pillow_heif.register_heif_opener()

LEFT_OUT_EXIF = {
    0x8769: [0x927C, 0x9286, 0xA420, 0xA430, 0xA431, 0xA435],  # maker notes ... lens serial
    0: [0x010E, 0x9C9C, 0x8825],  # ImageDescription, XPComment, the GPS IFD
}
LEFT_OUT_XMP = [b"GPS", b"photoshop:", b"xmpMM:", b"Iptc4xmpCore", b"dc:description"]


def assert_nothing_identifying(body: bytes) -> None:
    for name, value in IDENTIFYING.items():
        assert value.encode() not in body, name
        assert value.encode("utf-16-le") not in body, name  # as Windows' XP tags hold text
    assert b"Jonas" not in body


def assert_exif_kept_and_cleaned(exif: Image.Exif, *, orientation: int) -> None:
    assert exif[0x8298] == STUDIO_COPYRIGHT
    assert exif[0x013B] == STUDIO_ARTIST
    assert exif[0x0112] == orientation
    assert exif[0x0110] == "NIKON Z 6_2"
    for tag in LEFT_OUT_EXIF[0]:
        assert tag not in exif, hex(tag)
    details = exif.get_ifd(0x8769)
    assert details[0x9003] == "2026:05:02 14:31:07"  # when it was taken stays
    for tag in LEFT_OUT_EXIF[0x8769]:
        assert tag not in details, hex(tag)
    assert exif.get_ifd(0x8825) == {}
    assert exif.get_ifd(ExifTags.IFD.IFD1) == {}  # no thumbnail's IFD


def assert_xmp_cleaned(xmp: bytes) -> None:
    assert STUDIO_COPYRIGHT.encode() in xmp
    assert STUDIO_ARTIST.encode() in xmp
    for name in LEFT_OUT_XMP:
        assert name not in xmp, name


def jpeg_markers(data: bytes) -> tuple[list[int], int]:
    """The header segments' markers, and where the first scan starts."""
    markers, position = [], 2
    while data[position + 1] != 0xDA:
        markers.append(data[position + 1])
        position += 2 + struct.unpack(">H", data[position + 2 : position + 4])[0]
    return markers, position


def assert_clean_jpeg(body: bytes, original: bytes) -> None:
    assert_nothing_identifying(body)
    markers, scan = jpeg_markers(body)
    assert 0xFE not in markers  # no comment
    assert 0xED not in markers  # no Photoshop/IPTC block
    assert body.count(b"\xff\xd8\xff") == 1  # no embedded thumbnail, no MPF preview
    # The image data, from the first scan to the end marker, is the camera's byte for byte.
    _markers, original_scan = jpeg_markers(original)
    assert body.endswith(b"\xff\xd9")
    assert body[scan:] == original[original_scan : original_scan + len(body) - scan]
    with Image.open(io.BytesIO(body)) as image:
        assert image.format == "JPEG"  # not MPO: the preview is gone
        assert_exif_kept_and_cleaned(image.getexif(), orientation=6)
        assert_xmp_cleaned(image.info["xmp"])
        assert image.info["icc_profile"] == adobe_rgb_icc()
        assert "comment" not in image.info
        with Image.open(io.BytesIO(original)) as camera:
            assert image.tobytes() == camera.tobytes()


def final(gallery: Gallery, data: bytes, name: str) -> Photo:
    added = photo_add(
        gallery=gallery, stream=io.BytesIO(data), name=name, size=len(data), kind=Photo.Kind.FINAL
    )
    photo = photo_process(photo_id=added.photo.pk)
    assert photo.status == Photo.Status.READY, photo.failure_reason
    return photo


@pytest.fixture
def delivered(published) -> Gallery:
    Gallery.objects.filter(pk=published.pk).update(
        status=Gallery.Status.DELIVERED, downloads_allowed=True
    )
    published.refresh_from_db()
    return published


def download(client, gallery, photo, size="original") -> bytes:
    response = client.get(reverse("gallery:final-download", args=[gallery.slug, photo.pk, size]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_a_camera_jpeg_downloads_without_anything_identifying(client, anna, delivered):
    original = camera_jpeg(seed=1)
    photo = final(delivered, original, "DSC_0001.JPG")
    sign_in(client, anna)
    assert_clean_jpeg(download(client, delivered, photo), original)


def test_the_zip_holds_the_cleaned_files(client, anna, delivered, eager_tasks):
    original = camera_jpeg(seed=2)
    final(delivered, original, "DSC_0002.JPG")
    built = download_build(
        download_id=Download.objects.create(gallery=delivered, size="original", total=1).pk
    )
    with built.file.open("rb") as stored:
        archive = zipfile.ZipFile(io.BytesIO(stored.read()))
    assert archive.namelist() == ["DSC_0002.JPG"]
    assert_clean_jpeg(archive.read("DSC_0002.JPG"), original)


def test_web_size_downloads_and_the_previews_guests_see_carry_no_metadata(client, anna, delivered):
    proof = add_proof(delivered, camera_jpeg(seed=3))
    finished = final(delivered, camera_jpeg(seed=4), "DSC_0004.JPG")
    sign_in(client, anna)
    bodies = [download(client, delivered, finished, "web")]
    client.logout()
    link = ShareLink.objects.create(gallery=delivered, label="Grandma", can_favorite=True)
    client.get(reverse("gallery:share-open", args=[link.token]))
    assert "Your finished photos" not in client.get(page_url(delivered)).text  # no downloads
    for kind in ("preview", "thumbnail"):
        url = reverse("gallery:photo-file", args=[delivered.slug, proof.pk, kind])
        response = client.get(url)
        assert response.status_code == 200, kind
        bodies.append(b"".join(response.streaming_content))
    for body in bodies:
        assert_nothing_identifying(body)
        markers, _scan = jpeg_markers(body)
        assert not [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE]  # no metadata
        with Image.open(io.BytesIO(body)) as image:
            assert dict(image.getexif()) == {}


def add_proof(gallery, data) -> Photo:
    added = photo_add(gallery=gallery, stream=io.BytesIO(data), name="proof.jpg", size=len(data))
    return photo_process(photo_id=added.photo.pk)


def test_a_phone_heic_is_cleaned_in_place_without_encoding_it_again(client, anna, delivered):
    original = camera_heic(seed=5)
    photo = final(delivered, original, "IMG_0005.HEIC")
    sign_in(client, anna)
    body = download(client, delivered, photo)
    assert len(body) == len(original)  # the same file, edited in place
    assert_nothing_identifying(body)
    heif = pillow_heif.open_heif(io.BytesIO(body))
    assert heif.info["thumbnails"] == []
    exif = Image.Exif()
    exif.load(heif.info["exif"])
    assert_exif_kept_and_cleaned(exif, orientation=1)
    assert_xmp_cleaned(heif.info["xmp"])
    with Image.open(io.BytesIO(body)) as cleaned, Image.open(io.BytesIO(original)) as phone:
        assert cleaned.tobytes() == phone.tobytes()  # the same coded image, decoded


def test_cleaning_a_heic_costs_no_encoding():
    original = camera_heic(1280, 960, seed=6)
    started = time.process_time()
    cleaned = delivery.without_identifying(original)
    assert time.process_time() - started < 0.05  # re-encoding this takes seconds
    assert len(cleaned) == len(original)


def camera_png() -> bytes:
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", IDENTIFYING["user_comment"])
    text.add_text("Copyright", STUDIO_COPYRIGHT)
    text.add_itxt("XML:com.adobe.xmp", camera_xmp().decode())
    out = io.BytesIO()
    camera_like(300, 200, seed=7).save(
        out, format="PNG", exif=camera_exif(), pnginfo=text, icc_profile=adobe_rgb_icc()
    )
    return out.getvalue()


def camera_webp() -> bytes:
    out = io.BytesIO()
    camera_like(300, 200, seed=8).save(
        out,
        format="WEBP",
        lossless=True,
        exif=camera_exif(),
        xmp=camera_xmp(),
        icc_profile=adobe_rgb_icc(),
    )
    return out.getvalue()


def camera_tiff() -> bytes:
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    tags[270] = IDENTIFYING["description"]
    tags[271], tags[272], tags[274] = "NIKON CORPORATION", "NIKON Z 6_2", 6
    tags[315], tags[33432] = STUDIO_ARTIST, STUDIO_COPYRIGHT
    tags[700] = camera_xmp()
    tags[34665] = {
        0x9003: "2026:05:02 14:31:07",
        0xA430: IDENTIFYING["owner"],
        0xA431: IDENTIFYING["body_serial"],
        0xA435: IDENTIFYING["lens_serial"],
    }
    tags[34853] = {1: "N", 2: (51.0, 27.0, 12.0)}
    out = io.BytesIO()
    camera_like(300, 200, seed=9).save(
        out, format="TIFF", tiffinfo=tags, icc_profile=adobe_rgb_icc()
    )
    return out.getvalue()


@pytest.mark.parametrize("make", [camera_png, camera_webp, camera_tiff])
def test_png_webp_and_tiff_finals_keep_their_pixels_and_lose_what_identifies(make):
    original = make()
    assert IDENTIFYING["body_serial"].encode() in original
    cleaned = delivery.without_identifying(original)
    assert_nothing_identifying(cleaned)
    with Image.open(io.BytesIO(cleaned)) as image, Image.open(io.BytesIO(original)) as source:
        assert image.format == source.format
        exif = image.getexif()  # before decoding: Pillow drops a TIFF's orientation then
        assert (exif[0x8298], exif[0x0112]) == (STUDIO_COPYRIGHT, 6)
        assert exif.get_ifd(0x8825) == {}
        assert 0xA431 not in exif.get_ifd(0x8769)
        xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or exif.get(700)
        assert_xmp_cleaned(xmp.encode() if isinstance(xmp, str) else xmp)
        assert image.info["icc_profile"] == adobe_rgb_icc()
        assert image.tobytes() == source.tobytes()


def test_a_damaged_byte_pair_in_the_image_data_is_copied_not_taken_for_a_marker():
    # Seen in real camera files: 0xFF 0x9F inside the scan, which decoders skip.
    original = camera_jpeg(seed=10)
    _markers, scan = jpeg_markers(original)
    damaged = original[: scan + 2000] + b"\xff\x9f" + original[scan + 2000 :]
    cleaned = delivery.without_identifying(damaged)
    _markers, cleaned_scan = jpeg_markers(cleaned)
    assert cleaned[cleaned_scan:] == damaged[scan : scan + len(cleaned) - cleaned_scan]
    assert_nothing_identifying(cleaned)


def test_an_exif_ifd_pointer_of_the_wrong_type_drops_that_ifd_not_the_photo():
    # Seen in real files: the Exif IFD's pointer stored as text. IFD0 is still kept.
    from gallery.sample_images import tiff_block

    block = tiff_block(
        [{0x0112: (3, 6), 0x8298: (2, STUDIO_COPYRIGHT), 0x8769: (2, "not an offset")}]
    )
    exif = Image.Exif()
    exif.load(b"Exif\x00\x00" + delivery.metadata.exif_rebuilt(block))
    assert (exif[0x0112], exif[0x8298]) == (6, STUDIO_COPYRIGHT)
    assert 0x8769 not in exif
