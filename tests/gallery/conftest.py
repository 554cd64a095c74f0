"""A gallery to add photos to, and photo-like files to add."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from clients.views import CLIENT_SESSION_KEY
from gallery.models import Gallery, Photo
from gallery.photos import photo_add, photo_process
from gallery.reminders import gallery_reminders_scan
from gallery.sample_images import camera_like, exif_with, jpeg_bytes
from gallery.services import gallery_create_for_booking
from tests.factories import BookingFactory, SessionTypeFactory


@pytest.fixture
def gallery(studio, anna) -> Gallery:
    session_type = SessionTypeFactory(name="Family", included_images=20, extra_image_price=1500)
    return gallery_create_for_booking(
        booking=BookingFactory(client=anna, session_type=session_type)
    )


def jpeg(seed=0, size=(1200, 800), **exif) -> bytes:
    return jpeg_bytes(camera_like(*size, seed=seed), exif=exif_with(**exif) if exif else None)


def add(gallery, data: bytes, name: str):
    return photo_add(gallery=gallery, stream=io.BytesIO(data), name=name, size=len(data))


def sign_in(client, person) -> None:
    session = client.session
    session[CLIENT_SESSION_KEY] = person.pk
    session.save()


@pytest.fixture
def published(gallery) -> Gallery:
    """Anna's gallery: three ready photos, two included, £15 per extra one."""
    for n, (name, set_name) in enumerate(
        [("IMG_0001.JPG", "Outfit 1"), ("IMG_0002.JPG", "Outfit 1"), ("IMG_0003.JPG", "Outfit 2")]
    ):
        photo = add(gallery, jpeg(70 + n, size=(600, 400)), name).photo
        Photo.objects.filter(pk=photo.pk).update(set_name=set_name)
        photo_process(photo_id=photo.pk)
    gallery.status = Gallery.Status.PUBLISHED
    gallery.favorites_limit = 2
    gallery.extra_image_price = 1500
    gallery.save()
    return gallery


@pytest.fixture
def photos(published) -> list[Photo]:
    return list(published.photos.all())


def page_url(gallery) -> str:
    return reverse("gallery:gallery-detail", args=[gallery.slug])


def heart(client, gallery, photo, on=True):
    return client.post(
        reverse("gallery:favorite-set", args=[gallery.slug, photo.pk]),
        {"on": "1" if on else "0"},
        HTTP_HX_REQUEST="true",
    )


LONDON = ZoneInfo("Europe/London")  # the studio fixture's zone


def local(y, m, d, hh, mm=0) -> datetime.datetime:
    return datetime.datetime(y, m, d, hh, mm, tzinfo=LONDON)


@pytest.fixture
def beat_at(eager_tasks, django_capture_on_commit_callbacks):
    """Run one of beat's scans at a moment, twice (as two beats might), with the tasks it
    queues run at once; the emails sent."""

    def at(scan, moment) -> list:
        before = len(mail.outbox)
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            scan()
            scan()
        return mail.outbox[before:]

    return at


@pytest.fixture
def scan(beat_at):
    """The gallery reminder scan at a moment: the subjects of the emails it sent."""
    return lambda moment: [email.subject for email in beat_at(gallery_reminders_scan, moment)]


def proofs_add(
    gallery: Gallery, count: int, *, sets: int = 4, files_of: Photo | None = None
) -> list[Photo]:
    """`count` ready proofs, DSC_0000.JPG on, made without images (cheap), in `sets` sets of
    neighbours named so that their names' order is not the grid's ("Set 4" comes first).
    Their files are `files_of`'s, else names of files that are not there."""
    Photo.objects.bulk_create(
        Photo(
            gallery=gallery,
            set_name=f"Set {sets - n * sets // count}",
            original=files_of.original.name if files_of else f"galleries/x/{n}/original.jpg",
            original_name=f"DSC_{n:04d}.JPG",
            sha256=f"{gallery.pk:08x}{n:056x}",
            size=1,
            status=Photo.Status.READY,
            preview=files_of.preview.name if files_of else f"galleries/x/{n}/preview.jpg",
            thumbnail=files_of.thumbnail.name if files_of else f"galleries/x/{n}/thumbnail.jpg",
            width=6000,
            height=4000,
            colour="#aabbcc",
        )
        for n in range(count)
    )
    return list(gallery.photos.all())
