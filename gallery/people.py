"""The people in a gallery: each face's descriptor (128 numbers from dlib's face recognition
model), faces clustered into people within one gallery (never across galleries), the people a
client may filter by, their face crops, and deleting all face data when the studio turns face
features off.

Cost: a descriptor takes about 75 ms of CPU per face, so a burst (PhotoAnalysis.group) has
descriptors computed on one frame only, and its other frames' faces take the descriptor of
the face in the same place. Faces narrower than MIN_FACE_WIDTH of the picture get none (too
few pixels to tell people apart) and belong to no one.
"""

import io
from collections import Counter, defaultdict
from functools import cache

import numpy as np
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from PIL import Image

from gallery.analysis import DLIB_LOCK, dlib_models
from gallery.culling_models import Face, Person, PhotoAnalysis
from gallery.models import Gallery, Photo, shown_to_client_q
from gallery.page_changes import unseen_changes
from studio.selectors import studio_get

MIN_FACE_WIDTH = 0.04  # of the picture's width: 41 px at the analysis size (1024)
SAME_FACE_OVERLAP = 0.3  # intersection over union of two frames' boxes in a burst
# Chinese whispers joins faces closer than this (dlib's own figure for its model is 0.6 for
# "same person" pairs; a little stricter keeps look-alike relatives apart).
SAME_PERSON_DISTANCE = 0.5
CLIENT_MIN_PHOTOS = 2  # someone in one photo only is a passer-by more often than not
FACE_CROP_EDGE = 160

Box = tuple[float, float, float, float]  # left, top, width, height


# --- Pure: pixels and numbers in, numbers out ----------------------------------------------


@cache
def _recogniser():
    """dlib's face recognition model, loaded once per process (only workers that find
    people ever load it); the landmarks come from the analysis' own model."""
    import dlib
    import face_recognition_models

    return dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location())


def face_descriptors(image: Image.Image, boxes: list[Box]) -> list[np.ndarray]:
    """A 128-number descriptor (float32) for each face box, in pixels of `image`. Faces of
    one person lie within about 0.6 of each other (Euclidean), different people further."""
    import dlib

    if not boxes:
        return []
    _detector, predictor, rectangle = dlib_models()
    rgb = np.ascontiguousarray(np.asarray(image.convert("RGB")))
    shapes = dlib.full_object_detections()
    with DLIB_LOCK:
        for left, top, width, height in boxes:
            rect = rectangle(
                round(left), round(top), round(left + width) - 1, round(top + height) - 1
            )
            shapes.append(predictor(rgb, rect))
        descriptors = _recogniser().compute_face_descriptor(rgb, shapes)
    return [np.asarray(descriptor, dtype=np.float32) for descriptor in descriptors]


def box_overlap(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (any units, the same for both)."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    shared = width * height
    return shared / (a[2] * a[3] + b[2] * b[3] - shared)


def boxes_match(boxes: list[Box], references: list[Box]) -> dict[int, int]:
    """{index in boxes: index in references} pairing each box with the reference it overlaps
    most (at least SAME_FACE_OVERLAP), each reference used once, best overlaps first."""
    pairs = sorted(
        (
            (box_overlap(box, reference), i, j)
            for i, box in enumerate(boxes)
            for j, reference in enumerate(references)
        ),
        reverse=True,
    )
    matched: dict[int, int] = {}
    for overlap, i, j in pairs:
        if overlap < SAME_FACE_OVERLAP:
            break
        if i not in matched and j not in matched.values():
            matched[i] = j
    return matched


def faces_cluster(descriptors: list[np.ndarray]) -> list[int]:
    """A cluster label for each descriptor (dlib's chinese whispers: deterministic for the
    same descriptors in the same order)."""
    import dlib

    if not descriptors:
        return []
    vectors = [dlib.vector(descriptor.astype(float).tolist()) for descriptor in descriptors]
    return list(dlib.chinese_whispers_clustering(vectors, SAME_PERSON_DISTANCE))


def face_crop(image: Image.Image, box: Box, *, edge: int = FACE_CROP_EDGE) -> bytes:
    """A square JPEG of the face with some hair and chin around it; `box` in fractions."""
    width, height = image.size
    centre_x = (box[0] + box[2] / 2) * width
    centre_y = (box[1] + box[3] / 2) * height
    side = max(box[2] * width, box[3] * height) * 1.6
    side = min(side, width, height)
    left = min(max(0.0, centre_x - side / 2), width - side)
    top = min(max(0.0, centre_y - side / 2), height - side)
    crop = image.convert("RGB").crop(
        (round(left), round(top), round(left + side), round(top + side))
    )
    crop = crop.resize((edge, edge), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    crop.save(out, "JPEG", quality=85)
    return out.getvalue()


# --- Finding the people of a gallery ----------------------------------------------------


def _descriptor(face: Face) -> np.ndarray:
    return np.frombuffer(bytes(face.descriptor), dtype=np.float32)


def _box(face: Face) -> Box:
    return (face.left, face.top, face.width, face.height)


def _source_image(analysis: PhotoAnalysis) -> Image.Image | None:
    if not analysis.source:
        return None
    try:
        with analysis.source.open("rb") as stored:
            image = Image.open(stored)
            image.load()
    except (OSError, ValueError):  # missing from storage, or unreadable
        return None
    return image


def _describe(analysis: PhotoAnalysis, faces: list[Face]) -> list[Face]:
    """Give `faces` (of one photo) their descriptors from its analysis source, read once;
    the faces changed."""
    if not faces:
        return []
    image = _source_image(analysis)
    if image is None:
        return []
    width, height = image.size
    boxes = [(f.left * width, f.top * height, f.width * width, f.height * height) for f in faces]
    for face, descriptor in zip(faces, face_descriptors(image, boxes), strict=True):
        face.descriptor = descriptor.tobytes()
    return faces


def _reference_frames(analyses: dict[int, PhotoAnalysis]) -> dict[int, int]:
    """{group id: the photo whose faces are described for the whole burst}: the group's
    suggested best when it has been analysed, else the group's first photo."""
    members: dict[int, list[int]] = defaultdict(list)
    best: dict[int, int | None] = {}
    for photo_id, analysis in analyses.items():
        if analysis.group_id:
            members[analysis.group_id].append(photo_id)
            best[analysis.group_id] = analysis.group.best_id
    return {
        group: best[group] if best[group] in photos else min(photos)
        for group, photos in members.items()
    }


def _descriptors_fill(faces: list[Face], analyses: dict[int, PhotoAnalysis]) -> None:
    """Descriptors for the faces that lack one and are wide enough: computed on each burst's
    reference frame and on photos in no burst, copied to the burst's other frames."""
    by_photo: dict[int, list[Face]] = defaultdict(list)
    for face in faces:
        if face.photo_id in analyses and face.width >= MIN_FACE_WIDTH:
            by_photo[face.photo_id].append(face)
    references = _reference_frames(analyses)
    reference_photos = set(references.values())
    changed: list[Face] = []
    followers = []
    for photo_id, photo_faces in by_photo.items():
        group = analyses[photo_id].group_id
        if group and photo_id not in reference_photos:
            followers.append((photo_id, references[group]))
            continue
        missing = [face for face in photo_faces if not face.descriptor]
        changed += _describe(analyses[photo_id], missing)
    for photo_id, reference in followers:
        photo_faces = [face for face in by_photo[photo_id] if not face.descriptor]
        reference_faces = [face for face in by_photo.get(reference, []) if face.descriptor]
        matched = boxes_match([_box(f) for f in photo_faces], [_box(f) for f in reference_faces])
        for i, j in matched.items():
            photo_faces[i].descriptor = reference_faces[j].descriptor
        changed += [face for i, face in enumerate(photo_faces) if i in matched]
        alone = [face for i, face in enumerate(photo_faces) if i not in matched]
        changed += _describe(analyses[photo_id], alone)
    with unseen_changes():  # how faces are told apart, not who they are
        Face.objects.bulk_update(changed, ["descriptor"], batch_size=500)


def _cover(faces: list[Face]) -> Face:
    """The face shown for a person: eyes open first, then among the three largest the
    sharpest (the largest alone is often a soft close-up)."""
    ranked = sorted(faces, key=lambda f: (not f.eyes_closed, f.width * f.height), reverse=True)
    return max(ranked[:3], key=lambda f: f.sharpness)


def _clusters_match(
    clusters: dict[int, list[Face]], people: dict[int, Person]
) -> dict[int, Person]:
    """{cluster label: the existing person most of its faces belonged to}, each person to
    the one cluster holding most of their faces, so names survive a re-run."""
    claims = sorted(
        (
            (votes, -label, person_id)
            for label, members in clusters.items()
            for person_id, votes in Counter(
                face.person_id for face in members if face.person_id in people
            ).items()
        ),
        reverse=True,
    )
    kept: dict[int, Person] = {}
    for _votes, negative_label, person_id in claims:
        label = -negative_label
        if label not in kept and people[person_id] not in kept.values():
            kept[label] = people[person_id]
    return kept


@transaction.atomic
def _people_make(gallery_id: int) -> int:
    # One run at a time per gallery (two first runs would both make "Person 1"); the faces
    # read again under the lock, as the run before this one left them.
    Gallery.objects.select_for_update().filter(pk=gallery_id).first()
    faces = list(Face.objects.filter(photo__gallery_id=gallery_id).order_by("photo_id", "pk"))
    before = {face.pk: face.person_id for face in faces}
    people = {p.pk: p for p in Person.objects.filter(gallery_id=gallery_id)}
    described = [face for face in faces if face.descriptor]
    clusters: dict[int, list[Face]] = defaultdict(list)
    for face, label in zip(
        described, faces_cluster([_descriptor(f) for f in described]), strict=True
    ):
        clusters[label].append(face)
    kept = _clusters_match(clusters, people)
    gone = [pk for pk, person in people.items() if person not in kept.values()]
    Person.objects.filter(pk__in=gone).delete()
    photos = {
        label: len({face.photo_id for face in members}) for label, members in clusters.items()
    }
    number = max((person.number for person in kept.values()), default=0)
    # Most photos first; among equals, the one whose face came first in the gallery.
    first = {label: min(face.pk for face in members) for label, members in clusters.items()}
    for label in sorted(
        set(clusters) - set(kept), key=lambda label: (-photos[label], first[label])
    ):
        number += 1
        kept[label] = Person.objects.create(gallery_id=gallery_id, number=number)
    for face in faces:
        face.person = None
    for label, members in clusters.items():
        person = kept[label]
        for face in members:
            face.person = person
        person.photo_count = photos[label]
        person.cover = _cover(members)
    moved = [face for face in faces if face.person_id != before[face.pk]]
    Face.objects.bulk_update(moved, ["person"], batch_size=500)
    Person.objects.bulk_update(kept.values(), ["photo_count", "cover"])
    return len(kept)


def gallery_people_find(*, gallery_id: int) -> int:
    """Describe the gallery's faces that lack a descriptor and cluster them all into people,
    keeping the numbers and names of people found before; how many people. Safe to run
    again; does nothing while the studio's face features are off."""
    if not studio_get().face_features:
        return 0
    analyses = {
        analysis.photo_id: analysis
        for analysis in PhotoAnalysis.objects.filter(photo__gallery_id=gallery_id).select_related(
            "group"
        )
    }
    faces = list(Face.objects.filter(photo__gallery_id=gallery_id).order_by("photo_id", "pk"))
    _descriptors_fill(faces, analyses)
    return _people_make(gallery_id)


# --- What the client and the studio see -------------------------------------------------

CLIENT_PHOTOS = shown_to_client_q("faces__photo__") & Q(faces__photo__kind=Photo.Kind.PROOF)


def people_for_client(*, gallery_id: int, face_features: bool) -> list[Person]:
    """The people a client may filter the gallery by: not hidden by the studio, in at least
    CLIENT_MIN_PHOTOS photos the client sees (none rejected). People the studio gave the
    same name are one ("Grandma" found twice, in different light): offered once, under the
    first one's number and face, with the photos of each (`member_ids`). One query."""
    if not face_features:
        return []
    found = (
        Person.objects.filter(gallery_id=gallery_id, hidden=False)
        .annotate(shown=Count("faces__photo", filter=CLIENT_PHOTOS, distinct=True))
        .filter(shown__gte=1)
        .order_by("number")
    )
    offered: dict[str, Person] = {}
    for person in found:
        lead = offered.setdefault(person.name.strip().casefold() or f"#{person.number}", person)
        if lead is person:
            person.member_ids = [person.pk]
        else:  # a photo with both is counted twice: only when the studio named one face twice
            lead.member_ids.append(person.pk)
            lead.shown += person.shown
    return [person for person in offered.values() if person.shown >= CLIENT_MIN_PHOTOS]


def person_photo_ids(person: Person) -> QuerySet:
    """The ids of the photos the person is in (each of the people named alike, from
    people_for_client), as a subquery (not evaluated here)."""
    members = getattr(person, "member_ids", [person.pk])
    return Face.objects.filter(person_id__in=members).values("photo_id")


def person_face_for_client(person: Person) -> Face | None:
    """The face to show a client: the cover, unless its photo is one they don't see."""
    faces = Face.objects.filter(
        shown_to_client_q("photo__"), person=person, photo__kind=Photo.Kind.PROOF
    )
    return faces.filter(pk=person.cover_id).first() or faces.order_by("-width").first()


def face_crop_bytes(face: Face) -> bytes | None:
    """A JPEG of the face cut from its photo's analysis source, or None without one."""
    analysis = PhotoAnalysis.objects.filter(photo_id=face.photo_id).first()
    image = _source_image(analysis) if analysis else None
    return face_crop(image, _box(face)) if image else None


# --- Privacy ------------------------------------------------------------------------------


@transaction.atomic
def face_data_delete() -> int:
    """Delete every face and person of every gallery, descriptors with them; how many faces.
    For the studio turning face features off."""
    Person.objects.update(cover=None)
    deleted, _by_model = Face.objects.all().delete()
    Person.objects.all().delete()
    return deleted


def people_filter(*, gallery_id: int, face_features: bool, chosen: str | None) -> dict:
    """The client page's "People" filter: who to offer, who is chosen (`?person=<number>`,
    anything else chooses no one) and the photos they are in (None: every photo)."""
    people = people_for_client(gallery_id=gallery_id, face_features=face_features)
    usable = chosen and len(chosen) <= 9 and chosen.isascii() and chosen.isdigit()
    number = int(chosen) if usable else None
    person = next((p for p in people if p.number == number), None)
    return {
        "people": people,
        "person": person,
        "person_photo_ids": person_photo_ids(person) if person else None,
    }
