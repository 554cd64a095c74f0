"""The demo gallery waiting to be culled: Ruth's personal-branding session, still a draft,
made from real photographs (workspace/demo_photos, openly licensed) the way a camera takes a
session: two bursts, one frame of each out of focus, a blink, single frames. Each goes
through the real pipeline and the culling assistant, as the worker would run them, so the
culling view has its groups, flags and people at once."""

import io
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageEnhance, ImageFilter

from gallery.culling import gallery_cull, photo_analyse
from gallery.photos import photo_add, photo_process
from gallery.sample_images import exif_with, jpeg_bytes
from gallery.services import gallery_create_for_booking
from sessions.models import Booking

CULL_BOOKING = "DM9R5T"
PHOTOS = Path(__file__).resolve().parent / "demo_photos"
# (file, frames shot in a burst, the frame out of focus): in the order taken, 45 s apart.
SEQUENCE = [
    ("portrait-10.jpg", 4, 3),
    ("eyes-closed-01.jpg", 1, None),
    ("portrait-03.jpg", 3, 2),
    ("portrait-05.jpg", 1, None),
    ("group-04.jpg", 1, None),
    ("portrait-04.jpg", 1, None),
    ("no-face-03.jpg", 1, None),
]
FRAMES = sum(frames for _name, frames, _soft in SEQUENCE)


def _moved(image: Image.Image, step: int) -> Image.Image:
    """The next frame of a burst: the camera moved a few pixels, the light a little."""
    dx, dy = 3 * step, 2 * step
    width, height = image.size
    frame = image.crop((dx, dy, width - 9 + dx, height - 6 + dy)).resize(image.size)
    return ImageEnhance.Brightness(frame).enhance(1 + 0.03 * (step % 2))


def _frame_bytes(image: Image.Image, taken: datetime) -> bytes:
    return jpeg_bytes(
        image,
        quality=90,
        exif=exif_with(
            camera=("FUJIFILM", "X-T5"),
            taken=taken.strftime("%Y:%m:%d %H:%M:%S"),
            subsec=f"{taken.microsecond // 10_000:02d}",
        ),
    )


def culling_gallery_seed() -> int:
    """Ruth's gallery, analysed and grouped; returns how many photos it made."""
    booking = Booking.objects.filter(reference=CULL_BOOKING).first()
    if booking is None or booking.galleries.exists():
        return 0
    gallery = gallery_create_for_booking(booking=booking)
    start = datetime(2026, 5, 21, 14, 0)
    made = []
    number = 5201
    for index, (name, frames, soft) in enumerate(SEQUENCE):
        with Image.open(PHOTOS / name) as image:
            base = image.convert("RGB")
        for step in range(frames):
            frame = base if step == 0 else _moved(base, step)
            if step == soft:
                frame = frame.filter(ImageFilter.GaussianBlur(3))
            taken = start + timedelta(seconds=45 * index, milliseconds=400 * step)
            data = _frame_bytes(frame, taken)
            added = photo_add(
                gallery=gallery,
                stream=io.BytesIO(data),
                name=f"DSCF{number}.JPG",
                size=len(data),
            )
            number += 1
            if added.created:
                made.append(photo_process(photo_id=added.photo.pk))
    for photo in made:
        photo_analyse(photo_id=photo.pk)
    gallery_cull(gallery_id=gallery.pk)
    return len(made)
