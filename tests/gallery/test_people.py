"""Finding the people in a gallery from real faces: one person per face, bursts described
once, names kept when the people are found again, nothing while face features are off."""

import io

import numpy as np
import pytest
from PIL import Image

from gallery import people
from gallery.culling_models import Face, Person
from gallery.people import (
    box_overlap,
    boxes_match,
    face_crop,
    face_descriptors,
    gallery_people_find,
)
from tests.gallery.people_photos import (
    BIDEN,
    BOTH,
    EVERYONE,
    KIT,
    OBAMA,
    PEOPLE,
    burst,
    faces_in,
    person_of,
    proof_with_faces,
)


@pytest.fixture
def described(monkeypatch) -> list[int]:
    """How many faces each call to face_descriptors describes (the expensive part)."""
    calls: list[int] = []
    real = people.face_descriptors

    def counting(image, boxes):
        calls.append(len(boxes))
        return real(image, boxes)

    monkeypatch.setattr(people, "face_descriptors", counting)
    return calls


def test_descriptors_of_one_person_lie_close_and_of_two_people_far_apart():
    def descriptor(name):
        _data, (width, height), boxes = faces_in(name)
        left, top, w, h = boxes[0]
        image = Image.open(PEOPLE / name)
        return face_descriptors(image, [(left * width, top * height, w * width, h * height)])[0]

    obama, obama_again, biden = descriptor(OBAMA[0]), descriptor(OBAMA[2]), descriptor(BIDEN[0])
    assert obama.shape == (128,)
    assert np.linalg.norm(obama - obama_again) < 0.5
    assert np.linalg.norm(obama - biden) > 0.6


def test_obamas_photos_are_one_person_and_bidens_another(gallery):
    photos = {name: proof_with_faces(gallery, name) for name in EVERYONE}
    assert gallery_people_find(gallery_id=gallery.pk) == 4
    # Numbered by how many photos each is in: Obama 6, Biden 4, then the man behind them in
    # one photo and Kit Harington in another (the order they were found).
    assert [(p.number, p.photo_count) for p in Person.objects.filter(gallery=gallery)] == [
        (1, 6),
        (2, 4),
        (3, 1),
        (4, 1),
    ]
    assert {name: person_of(photos[name]) for name in OBAMA} == {
        name: {"Person 1"} for name in OBAMA
    }
    assert {name: person_of(photos[name]) for name in BIDEN} == {
        name: {"Person 2"} for name in BIDEN
    }
    assert person_of(photos[BOTH[0]]) == {"Person 1", "Person 2"}
    assert person_of(photos[BOTH[1]]) == {"Person 1", "Person 2", "Person 3"}
    assert person_of(photos[KIT]) == {"Person 4"}


def test_the_cover_is_one_of_the_persons_own_faces(gallery):
    for name in [*OBAMA, *BIDEN]:
        proof_with_faces(gallery, name)
    gallery_people_find(gallery_id=gallery.pk)
    covers = {p.label: p.cover.person_id for p in Person.objects.select_related("cover")}
    assert covers == {p.label: p.pk for p in Person.objects.all()}


def test_found_again_the_people_keep_their_numbers_and_names(gallery, described):
    for name in [*BIDEN, OBAMA[0], OBAMA[1], KIT]:
        proof_with_faces(gallery, name)
    gallery_people_find(gallery_id=gallery.pk)
    obama = Face.objects.get(photo__original_name__endswith=OBAMA[0]).person
    biden = Face.objects.get(photo__original_name__endswith=BIDEN[0]).person
    assert (biden.number, obama.number) == (1, 2)  # two photos each: the first seen first
    Person.objects.filter(pk=biden.pk).update(name="Joe", hidden=True)
    first = sum(described)
    for name in [OBAMA[2], OBAMA[3], *BOTH]:
        proof_with_faces(gallery, name)
    assert gallery_people_find(gallery_id=gallery.pk) == 4
    assert sum(described) - first == 7  # only the new photos' faces were described
    biden.refresh_from_db()
    assert (biden.name, biden.hidden, biden.number, biden.photo_count) == ("Joe", True, 1, 4)
    assert Person.objects.get(number=2).photo_count == 6


def test_running_again_describes_nothing_and_changes_nobody(gallery, described):
    for name in EVERYONE:
        proof_with_faces(gallery, name)
    gallery_people_find(gallery_id=gallery.pk)
    before = list(Face.objects.values_list("pk", "person_id", "descriptor"))
    calls = len(described)
    assert gallery_people_find(gallery_id=gallery.pk) == 4
    assert len(described) == calls
    assert list(Face.objects.values_list("pk", "person_id", "descriptor")) == before


def test_a_burst_is_described_once_on_its_best_frame(gallery, described):
    frames = burst(gallery, [BOTH[0], BOTH[0], BOTH[0], OBAMA[0]], best=1)
    proof_with_faces(gallery, BIDEN[0])
    gallery_people_find(gallery_id=gallery.pk)
    # The best frame's two faces, then Obama's own frame (nothing in the same place), then
    # Biden's photo in no burst: 4 faces described for 8.
    assert sorted(described) == [1, 1, 2]
    best = list(frames[1].faces.values_list("descriptor", flat=True))
    for frame in (frames[0], frames[2]):
        assert list(frame.faces.values_list("descriptor", flat=True)) == best
    assert person_of(frames[3]) == person_of(frames[0]) - {"Person 2"}
    assert Face.objects.filter(descriptor=None).count() == 0


def test_a_tiny_face_is_left_undescribed_and_belongs_to_no_one(gallery, described):
    photo = proof_with_faces(gallery, OBAMA[0])
    tiny = Face.objects.create(photo=photo, left=0.01, top=0.01, width=0.03, height=0.03)
    gallery_people_find(gallery_id=gallery.pk)
    tiny.refresh_from_db()
    assert (tiny.descriptor, tiny.person_id) == (None, None)
    assert described == [1]


def test_nothing_is_found_while_face_features_are_off(gallery, studio, described):
    proof_with_faces(gallery, OBAMA[0])
    studio.face_features = False
    studio.save()
    assert gallery_people_find(gallery_id=gallery.pk) == 0
    assert described == []
    assert not Person.objects.exists()


def test_a_gallery_without_faces_has_no_people(gallery):
    assert gallery_people_find(gallery_id=gallery.pk) == 0


def test_boxes_pair_with_the_box_they_overlap_most_once_each():
    references = [(0.1, 0.1, 0.2, 0.2), (0.6, 0.1, 0.2, 0.2)]
    boxes = [(0.62, 0.12, 0.2, 0.2), (0.3, 0.6, 0.1, 0.1), (0.6, 0.1, 0.21, 0.2)]
    assert box_overlap(references[0], references[0]) == pytest.approx(1.0)
    assert box_overlap(references[0], references[1]) == 0.0
    assert boxes_match(boxes, references) == {2: 1}  # the closer of the two; the other alone


def test_a_face_crop_is_a_square_jpeg_even_at_the_edge():
    image = Image.new("RGB", (400, 300), "white")
    data = face_crop(image, (0.9, 0.8, 0.1, 0.2), edge=80)
    assert data[:2] == b"\xff\xd8"
    assert Image.open(io.BytesIO(data)).size == (80, 80)
