"""Closed eyes judged against the person's own eyes once a gallery's people are known: no
flag on every frame of someone whose eyes are narrow, a half blink of wide eyes caught."""

from gallery import culling
from gallery.culling_eyes import closed_for_person, eyes_judge_by_person
from gallery.culling_models import Face, Person, PhotoAnalysis
from tests.gallery.culling_fixtures import culled_gallery


def test_narrow_eyes_are_not_a_blink_in_every_frame():
    assert closed_for_person([0.17, 0.16, 0.18, 0.17], [None] * 4) == [False] * 4


def test_a_half_blink_of_wide_eyes_is_caught():
    assert closed_for_person([0.4, 0.41, 0.39, 0.24], [None] * 4) == [False] * 3 + [True]


def test_the_white_of_the_eye_showing_keeps_it_open():
    assert closed_for_person([0.4, 0.41, 0.39, 0.24], [None, None, None, 0.08]) == [False] * 4


def faces_of(person, photos, openness):
    return Face.objects.bulk_create(
        Face(
            photo=photo,
            left=0.4,
            top=0.3,
            width=0.2,
            height=0.2,
            left_eye=value,
            right_eye=value,
            eyes_closed=value < 0.2,  # as the fixed threshold judged them
            person=person,
        )
        for photo, value in zip(photos, openness, strict=True)
    )


def test_the_gallery_step_judges_a_persons_eyes_and_the_burst_follows(gallery, studio):
    culled = culled_gallery(gallery, [3, 1], real=False)
    burst, alone = culled.photos[:3], culled.photos[3]
    narrow = Person.objects.create(gallery=gallery, number=1)
    faces_of(narrow, [*burst, alone], [0.17, 0.16, 0.18, 0.17])
    PhotoAnalysis.objects.filter(photo__in=culled.photos).update(eyes_closed=True)
    assert eyes_judge_by_person(gallery_id=gallery.pk) == 4
    culling._eyes_follow(gallery.pk)
    assert not PhotoAnalysis.objects.filter(photo__gallery=gallery, eyes_closed=True).exists()
    group = culled.groups[0]
    group.refresh_from_db()
    assert group.best_id in {photo.pk for photo in burst}
    assert PhotoAnalysis.objects.filter(group=group, group_best=True).count() == 1


def test_someone_in_fewer_than_three_photos_keeps_the_fixed_threshold(gallery, studio):
    culled = culled_gallery(gallery, [1, 1], real=False)
    person = Person.objects.create(gallery=gallery, number=1)
    faces_of(person, culled.photos, [0.17, 0.3])
    assert eyes_judge_by_person(gallery_id=gallery.pk) == 0
    assert list(Face.objects.order_by("photo").values_list("eyes_closed", flat=True)) == [
        True,
        False,
    ]
