"""Gallery uploads are identified from their header, at upload time: what is not a photo
(text, EPS, SVG, PDF) or is a decompression bomb is refused with its reason, leaving no row,
no file and no task; what is kept is stored under its format's extension, whatever its name."""

import io
from io import StringIO

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from gallery.models import Gallery, Photo
from gallery.photos import photo_add, photo_process
from gallery.sample_images import png_of_zeros
from tests.gallery.conftest import jpeg, sign_in

EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\nnewpath 0 0 moveto showpage\n"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>\n'
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
TEXT = "Shopping list:\n- milk\n- bread\n- café\n".encode()

BAD_FILES = [
    ("notes.jpg", TEXT, "it is a text file, not a photo"),
    ("logo.jpg", EPS, "it is an EPS (PostScript) file, not a photo"),
    ("logo.svg", SVG, "it is an SVG drawing, not a photo"),
    ("contract.jpg", PDF, "it is a PDF document, not a photo"),
]


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """30000 × 30000 pixels (900 MP) in about 110 KB: a valid PNG, nothing but zeros."""
    return png_of_zeros(30000, 30000, depth=1, colour=0)


def stored_files() -> list:
    root = settings.MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def upload(client, gallery, name: str, data: bytes):
    return client.post(
        reverse("admin:gallery_gallery_upload_file", args=[gallery.pk]),
        {"file": SimpleUploadedFile(name, data, "image/jpeg")},
    )


@pytest.mark.parametrize(("name", "data", "reason"), BAD_FILES)
def test_a_file_that_is_not_a_photo_is_refused_with_its_reason_leaving_nothing(
    client, staff_user, gallery, django_capture_on_commit_callbacks, name, data, reason
):
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client, gallery, name, data)
    assert response.status_code == 422
    assert response.json() == {"status": "rejected", "reason": reason}
    assert not Photo.objects.exists()
    assert stored_files() == []
    assert callbacks == []  # no task queued


def test_a_decompression_bomb_is_refused_from_its_header(
    client, staff_user, gallery, django_capture_on_commit_callbacks, bomb
):
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client, gallery, "holiday.png", bomb)
    assert response.status_code == 422
    assert response.json()["reason"] == (
        "it has far more pixels than a photo (the limit is 160 megapixels)"
    )
    assert not Photo.objects.exists()
    assert stored_files() == []
    assert callbacks == []


def test_import_photos_gives_the_same_reasons_and_keeps_nothing(gallery, tmp_path, bomb):
    for name, data, _reason in BAD_FILES:
        (tmp_path / name).write_bytes(data)
    (tmp_path / "bomb.png").write_bytes(bomb)
    (tmp_path / "good.jpg").write_bytes(jpeg(60))
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("import_photos", gallery.slug, str(tmp_path), stdout=out)
    report = out.getvalue()
    assert "1 added, 0 already in the gallery, 5 not usable." in report
    for name, _data, reason in BAD_FILES:
        assert f"{tmp_path / name}: {reason}" in report
    assert "bomb.png: it has far more pixels than a photo" in report
    assert list(Photo.objects.values_list("original_name", flat=True)) == ["good.jpg"]
    assert len(stored_files()) == 4  # good.jpg's original, preview, thumbnail, analysis picture


@pytest.mark.parametrize(
    ("name", "shown", "downloads_as"),
    [
        ("x.jpg.php", "x.jpg.php", "x.jpg"),
        # A right-to-left override shows "photo\u202egpj.exe" as "photoexe.jpg".
        ("photo\u202egpj.exe", "photogpj.exe", "photogpj.jpg"),
    ],
)
def test_the_stored_extension_comes_from_the_format_never_from_the_name(
    client, staff_user, gallery, name, shown, downloads_as
):
    client.force_login(staff_user)
    response = upload(client, gallery, name, jpeg(61))
    assert response.json()["status"] == "added"
    photo = Photo.objects.get()
    assert photo.original.name.endswith("/original.jpg")
    assert photo.original_name == shown
    original = client.get(
        reverse("admin:gallery_gallery_photo", args=[gallery.pk, photo.pk, "original"])
    )
    assert original["Content-Type"] == "image/jpeg"
    assert original["Content-Disposition"] == f'attachment; filename="{downloads_as}"'


def test_a_final_uploaded_under_a_misleading_name_downloads_under_its_format(client, anna, gallery):
    data = jpeg(62)
    added = photo_add(
        gallery=gallery,
        stream=io.BytesIO(data),
        name="portrait.jpg.php",
        size=len(data),
        kind=Photo.Kind.FINAL,
    )
    photo = photo_process(photo_id=added.photo.pk)
    assert photo.download.name.endswith("/download.jpg")
    gallery.status, gallery.downloads_allowed = Gallery.Status.DELIVERED, True
    gallery.save()
    sign_in(client, anna)
    response = client.get(
        reverse("gallery:final-download", args=[gallery.slug, photo.pk, "original"])
    )
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="portrait.jpg"'
