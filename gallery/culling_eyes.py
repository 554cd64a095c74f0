"""Closed eyes judged against the person's own eyes, once a gallery's people are known.

A fixed threshold on the eye aspect ratio (gallery.analysis) flags every frame of someone
whose eyes are naturally narrow, and misses a half blink of someone whose eyes are wide.
Within a session the same person is photographed many times: once a person has at least
MIN_FACES measured faces, a face counts as closed when its more open eye is under RELATIVE of
that person's usual (the median) and the white of the eye does not show. Everyone else keeps
the fixed threshold. The photos' flags and each burst's suggested best follow.
"""

from collections import defaultdict
from statistics import median

from gallery.analysis import WHITE_SHOWS_ABOVE
from gallery.culling_models import Face
from gallery.page_changes import unseen_changes

MIN_FACES = 3
RELATIVE = 0.65


def closed_for_person(openness: list[float], whites: list[float | None]) -> list[bool]:
    """For one person's faces (each face's more open eye, and how far its whites show):
    which are closed, against the person's usual."""
    usual = median(openness)
    return [
        value < RELATIVE * usual and (white is None or white <= WHITE_SHOWS_ABOVE)
        for value, white in zip(openness, whites, strict=True)
    ]


def eyes_judge_by_person(*, gallery_id: int) -> int:
    """Judge again the eyes of the gallery's people with enough faces; returns how many
    faces changed (gallery.culling then updates the photos and bursts)."""
    faces = list(
        Face.objects.filter(
            photo__gallery_id=gallery_id,
            person__isnull=False,
            left_eye__isnull=False,
            right_eye__isnull=False,
        ).only("id", "person_id", "left_eye", "right_eye", "white", "eyes_closed", "photo_id")
    )
    by_person: dict[int, list[Face]] = defaultdict(list)
    for face in faces:
        by_person[face.person_id].append(face)
    changed = []
    for own in by_person.values():
        if len(own) < MIN_FACES:
            continue
        verdicts = closed_for_person(
            [max(face.left_eye, face.right_eye) for face in own], [face.white for face in own]
        )
        for face, closed in zip(own, verdicts, strict=True):
            if face.eyes_closed != closed:
                face.eyes_closed = closed
                changed.append(face)
    with unseen_changes():  # the culling view shows closed eyes; the client's page does not
        Face.objects.bulk_update(changed, ["eyes_closed"])
    return len(changed)
