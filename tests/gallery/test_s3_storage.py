"""Photos on S3 (django-storages) against a local S3-compatible server (tests/s3_server.py:
moto in server mode, with S3's checks of signed URLs): a private bucket, originals stored byte
for byte, and pages that fetch files through signed URLs which expire."""

import hashlib
import html
import io
import re
import time
import urllib.error
import urllib.request
from email.message import Message

import boto3
import pytest
from botocore.config import Config
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from clients.views import CLIENT_SESSION_KEY
from gallery.models import Gallery
from gallery.photos import photo_process
from studio import config
from tests.gallery.conftest import add, jpeg
from tests.s3_server import REGION, S3Server

BUCKET = "sitting-photos"
ACCESS_KEY, SECRET_KEY = "AKIASITTINGTEST", "sitting-test-secret"


@pytest.fixture
def s3(settings):
    """Sitting's media on a private bucket of a local S3 server; yields a boto3 client."""
    with S3Server(access_key=ACCESS_KEY, secret_key=SECRET_KEY).start() as server:
        s3_client = boto3.client(
            "s3",
            endpoint_url=server.url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
            config=Config(signature_version="s3v4"),
        )
        s3_client.create_bucket(Bucket=BUCKET)  # private, as S3 makes new buckets
        settings.STORAGES = config.storages_config(
            bucket=BUCKET,
            static_manifest=False,
            options={
                "endpoint_url": server.url,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
            },
        )
        s3_client.endpoint = server.url
        yield s3_client


def fetch(url: str) -> tuple[int, bytes, Message]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read(), refused.headers


def stored(s3, name: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=name)["Body"].read()


@pytest.fixture
def processed(s3, gallery):
    data = jpeg(seed=5, size=(1600, 1000))
    photo = photo_process(photo_id=add(gallery, data, "Anna & Tom – IMG_0001.JPG").photo.pk)
    assert photo.status == "ready", photo.failure_reason
    return photo, data


def test_originals_and_derived_files_live_in_the_private_bucket(s3, processed):
    photo, data = processed
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    derived = {photo.preview.name, photo.thumbnail.name, photo.analysis.source.name}
    assert keys == {photo.original.name, *derived}
    assert hashlib.sha256(stored(s3, photo.original.name)).hexdigest() == photo.sha256
    assert stored(s3, photo.original.name) == data
    with Image.open(io.BytesIO(stored(s3, photo.preview.name))) as preview:
        assert max(preview.size) == 1600  # smaller than a preview: kept at its own size
    # Nobody gets a file without a signature: the bucket and its objects are private.
    for key in keys:
        status, _body, _headers = fetch(f"{s3.endpoint}/{BUCKET}/{key}")
        assert status == 403, key


def test_the_gallery_page_shows_thumbnails_through_signed_urls(s3, processed, client, staff_user):
    photo, _data = processed
    client.force_login(staff_user)
    page = client.get(reverse("admin:gallery_gallery_change", args=[photo.gallery_id]))
    assert page.status_code == 200
    sources = [
        html.unescape(src)
        for src in re.findall(r'<img src="([^"]+)"[^>]*class="photo-admin-thumb"', page.text)
    ]
    assert len(sources) == 1
    assert sources[0].startswith(f"{s3.endpoint}/{BUCKET}/")
    assert "X-Amz-Signature=" in sources[0]
    assert "X-Amz-Expires=3600" in sources[0]
    status, body, headers = fetch(sources[0])
    assert status == 200
    assert headers["Content-Type"] == "image/jpeg"
    assert body == stored(s3, photo.thumbnail.name)


def test_staff_download_the_original_from_the_bucket_under_its_own_name(
    s3, processed, client, staff_user, anna
):
    photo, data = processed
    url = reverse("admin:gallery_gallery_photo", args=[photo.gallery_id, photo.pk, "original"])
    # Not signed in, or signed in as the client: the admin's sign-in page, no signed URL.
    for signed_in_client in (None, anna):
        if signed_in_client:
            session = client.session
            session[CLIENT_SESSION_KEY] = signed_in_client.pk
            session.save()
        refused = client.get(url)
        assert refused.status_code == 302
        assert refused["Location"].startswith("/admin/login/")
    client.force_login(staff_user)
    redirect = client.get(url)
    assert redirect.status_code == 302
    assert redirect["Location"].startswith(s3.endpoint)
    assert "no-store" in redirect["Cache-Control"]  # a fresh signature every time
    status, body, headers = fetch(redirect["Location"])
    assert status == 200
    assert body == data
    assert headers["Content-Disposition"] == (
        "attachment; filename*=utf-8''Anna%20%26%20Tom%20%E2%80%93%20IMG_0001.JPG"
    )


def test_a_signed_url_stops_working_when_it_expires_or_is_changed(s3, processed):
    photo, _data = processed
    status, _body, _headers = fetch(default_storage.url(photo.preview.name))
    assert status == 200
    # Pointed at another file, the signature no longer matches.
    signed = default_storage.url(photo.thumbnail.name)
    status, body, _headers = fetch(signed.replace(photo.thumbnail.name, photo.original.name))
    assert status == 403
    assert b"SignatureDoesNotMatch" in body
    short = default_storage.url(photo.preview.name, expire=1)
    assert fetch(short)[0] == 200
    time.sleep(2.1)
    status, body, _headers = fetch(short)
    assert status == 403
    assert b"Request has expired" in body


def test_deleting_a_photo_deletes_its_objects_from_the_bucket(
    s3, processed, django_capture_on_commit_callbacks
):
    photo, _data = processed
    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_the_clients_grid_signs_each_photo_on_its_own(s3, processed, client, anna):
    photo, _data = processed
    Gallery.objects.filter(pk=photo.gallery_id).update(status=Gallery.Status.PUBLISHED)
    session = client.session
    session[CLIENT_SESSION_KEY] = anna.pk
    session.save()
    page = client.get(reverse("gallery:gallery-detail", args=[photo.gallery.slug]))
    tile = re.search(r'<li class="photo-tile.*?</li>', page.text)[0]
    thumbnail = html.unescape(re.search(r'<img src="([^"]+)"', tile)[1])
    preview = html.unescape(re.search(r'data-preview="([^"]+)"', tile)[1])
    for url, name in ((thumbnail, photo.thumbnail.name), (preview, photo.preview.name)):
        assert url.startswith(f"{s3.endpoint}/{BUCKET}/{name}?")
        assert "X-Amz-Signature=" in url
        status, body, _headers = fetch(url)
        assert status == 200
        assert body == stored(s3, name)
