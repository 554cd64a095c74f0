"""A gallery to add photos to, and photo-like files to add."""

import io

import pytest

from gallery.models import Gallery
from gallery.sample_images import camera_like, exif_with, jpeg_bytes
from gallery.services import gallery_create_for_booking, photo_add
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
