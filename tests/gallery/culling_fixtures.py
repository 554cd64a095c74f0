"""A culled gallery for tests: proofs in bursts, with the analysis rows the images worker
would have made (gallery.analysis and gallery.culling make them for real; here they are
written directly, so these tests need neither)."""

import datetime
from dataclasses import dataclass, field

from gallery.models import Face, Gallery, Photo, PhotoAnalysis, PhotoGroup
from gallery.photos import photo_process
from tests.gallery.conftest import add, jpeg

TAKEN = datetime.datetime(2026, 5, 2, 14, 0, tzinfo=datetime.UTC)


@dataclass
class Culled:
    gallery: Gallery
    photos: list[Photo]  # in capture order
    groups: list[PhotoGroup] = field(default_factory=list)

    def members(self, group: PhotoGroup) -> list[Photo]:
        return [photo for photo in self.photos if photo.analysis.group_id == group.pk]


def _photos(gallery: Gallery, count: int, *, real: bool, first: int) -> list[Photo]:
    """Ready proofs IMG_<n>.JPG, a second apart: processed from real JPEGs, or (for many)
    rows whose files are never read."""
    names = [f"IMG_{first + n:04d}.JPG" for n in range(count)]
    if real:
        photos = []
        for n, name in enumerate(names):
            photo = add(gallery, jpeg(300 + first + n, size=(600, 400)), name).photo
            photo_process(photo_id=photo.pk)
            photos.append(photo)
    else:
        photos = Photo.objects.bulk_create(
            Photo(
                gallery=gallery,
                original=f"galleries/{gallery.pk}/x{first + n}/original.jpg",
                original_name=name,
                sha256=f"{gallery.pk:08d}{first + n:056d}",
                size=1000,
                status=Photo.Status.READY,
                preview=f"galleries/{gallery.pk}/x{first + n}/preview.jpg",
                thumbnail=f"galleries/{gallery.pk}/x{first + n}/thumbnail.jpg",
                width=600,
                height=400,
            )
            for n, name in enumerate(names)
        )
    for n, photo in enumerate(photos):
        photo.captured_at = TAKEN + datetime.timedelta(seconds=first + n)
    Photo.objects.bulk_update(photos, ["captured_at"])
    return photos


def culled_gallery(
    gallery: Gallery, sizes: list[int] = (3, 1, 2), *, real: bool = True, first: int = 1
) -> Culled:
    """Proofs in bursts of `sizes` (a size of 1 is a photo alone, in no group), each
    analysed; a burst's middle photo is its suggested best. Faces, flags and failures are
    the test's to add (`face_with_closed_eyes`, `PhotoAnalysis.objects.filter(...)`)."""
    photos = _photos(gallery, sum(sizes), real=real, first=first)
    culled = Culled(gallery=gallery, photos=photos)
    at = 0
    analyses = []
    for size in sizes:
        burst = photos[at : at + size]
        group = None
        if size > 1:
            number = len(culled.groups) + 1
            group = PhotoGroup.objects.create(
                gallery=gallery, number=number, best=burst[size // 2], size=size
            )
            culled.groups.append(group)
        for photo in burst:
            analyses.append(
                PhotoAnalysis(
                    photo=photo,
                    status=PhotoAnalysis.Status.DONE,
                    sharpness=120.0,
                    focus=1.0,
                    group=group,
                    group_best=group is not None and photo == group.best,
                )
            )
        at += size
    PhotoAnalysis.objects.filter(photo__in=photos).delete()  # made by the pipeline, if it did
    PhotoAnalysis.objects.bulk_create(analyses)
    by_photo = {analysis.photo_id: analysis for analysis in analyses}
    for photo in photos:
        photo.analysis = by_photo[photo.pk]
    return culled


def face_with_closed_eyes(photo: Photo) -> Face:
    """A face in the photo's left half whose eyes are shut, and the photo flagged for it."""
    PhotoAnalysis.objects.filter(photo=photo).update(eyes_closed=True)
    return Face.objects.create(
        photo=photo,
        left=0.1,
        top=0.2,
        width=0.25,
        height=0.3,
        left_eye=0.08,
        right_eye=0.1,
        eyes_closed=True,
        sharpness=90.0,
    )
