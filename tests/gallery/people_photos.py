"""Real faces for the people tests (tests/data/people, MIT, from Adam Geitgey's
face_recognition repository): proofs made straight from those files, each with its analysis
source and the faces dlib's own detector finds in it, as the analysis would leave them."""

import hashlib
import io
from functools import cache
from pathlib import Path

import dlib
import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from gallery.culling_models import Face, PhotoAnalysis, PhotoGroup
from gallery.models import Gallery, Photo

PEOPLE = Path(__file__).resolve().parent.parent / "data" / "people"
OBAMA = ["obama-1.jpg", "obama-2.jpg", "obama-3.jpg", "obama-4.jpg"]
BIDEN = ["biden-1.jpg", "biden-2.jpg"]
BOTH = ["biden-and-obama-1.jpg", "biden-and-obama-2.jpg"]
KIT = "kit-harington.jpg"  # in one photo only
EVERYONE = [*OBAMA, *BIDEN, *BOTH, KIT]


@cache
def faces_in(name: str) -> tuple[bytes, tuple[int, int], tuple]:
    """The file's bytes, its size and its face boxes (fractions), left to right."""
    data = (PEOPLE / name).read_bytes()
    image = Image.open(io.BytesIO(data)).convert("RGB")
    width, height = image.size
    rects = sorted(dlib.get_frontal_face_detector()(np.asarray(image), 0), key=lambda r: r.left())
    boxes = tuple(
        (r.left() / width, r.top() / height, r.width() / width, r.height() / height) for r in rects
    )
    return data, image.size, boxes


def proof_with_faces(gallery: Gallery, name: str, *, group: PhotoGroup | None = None) -> Photo:
    """A ready proof made from tests/data/people/<name>, its analysis and its faces."""
    data, (width, height), boxes = faces_in(name)
    number = gallery.photos.count() + 1
    # The picture itself stands in for its preview and thumbnail.
    stored = default_storage.save(f"galleries/{gallery.pk}/people/{number}.jpg", ContentFile(data))
    photo = Photo.objects.create(
        gallery=gallery,
        original=stored,
        original_name=f"{number:03d}-{name}",
        sha256=hashlib.sha256(f"{number}{name}".encode()).hexdigest(),
        size=len(data),
        status=Photo.Status.READY,
        preview=stored,
        thumbnail=stored,
        width=width,
        height=height,
        position=number,
    )
    analysis = PhotoAnalysis(photo=photo, status=PhotoAnalysis.Status.DONE, group=group)
    analysis.source.save("analysis.jpg", ContentFile(data), save=False)
    analysis.save()
    Face.objects.bulk_create(
        Face(photo=photo, left=left, top=top, width=w, height=h, sharpness=100.0)
        for left, top, w, h in boxes
    )
    return photo


def burst(gallery: Gallery, names: list[str], *, best: int = 0) -> list[Photo]:
    """Frames of one burst (a PhotoGroup), `best` the index of its suggested keeper."""
    group = PhotoGroup.objects.create(
        gallery=gallery, number=gallery.photo_groups.count() + 1, size=len(names)
    )
    photos = [proof_with_faces(gallery, name, group=group) for name in names]
    group.best = photos[best]
    group.save(update_fields=["best"])
    return photos


def person_of(photo: Photo) -> set[str]:
    """The labels of the people in a photo."""
    return {face.person.label for face in photo.faces.select_related("person") if face.person}
