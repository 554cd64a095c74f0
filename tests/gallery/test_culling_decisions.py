"""The photographer's cull: picks, rejects, stars and a burst's suggestion accepted."""

import pytest

from gallery.culling_decisions import CullRefused, group_accept, photo_cull, photo_restore
from gallery.models import Photo, PhotoGroup
from tests.gallery.culling_fixtures import culled_gallery


@pytest.fixture
def culled(gallery):
    return culled_gallery(gallery, [3, 1, 2], real=False)


def flags(culled) -> list[str]:
    return list(
        Photo.objects.filter(pk__in=[p.pk for p in culled.photos])
        .order_by("original_name")
        .values_list("flag", flat=True)
    )


def test_a_photo_is_picked_rejected_and_rated(culled, staff_user):
    photo = culled.photos[0]
    photo_cull(photo=photo, flag="pick", by=staff_user)
    photo_cull(photo=photo, rating=4, by=staff_user)
    photo.refresh_from_db()
    assert (photo.flag, photo.rating) == ("pick", 4)
    photo_cull(photo=photo, flag="reject", by=staff_user)
    photo.refresh_from_db()
    assert (photo.flag, photo.rating) == ("reject", 4)  # stars stay, as in Lightroom


def test_setting_twice_gives_the_same_state(culled, staff_user):
    photo = culled.photos[0]
    photo_cull(photo=photo, flag="reject", by=staff_user)
    photo_cull(photo=photo, flag="reject", by=staff_user)
    photo.refresh_from_db()
    assert photo.flag == "reject"


def test_restore_takes_the_flag_off(culled, staff_user):
    photo = culled.photos[1]
    photo_cull(photo=photo, flag="reject", rating=2, by=staff_user)
    photo_restore(photo=photo, by=staff_user)
    photo.refresh_from_db()
    assert (photo.flag, photo.rating) == ("", 2)


@pytest.mark.parametrize(
    ("flag", "rating"), [("maybe", None), (None, 6), (None, -1), (None, True), ("REJECT", None)]
)
def test_it_refuses_what_is_not_a_flag_or_a_rating(culled, staff_user, flag, rating):
    photo = culled.photos[0]
    with pytest.raises(CullRefused):
        photo_cull(photo=photo, flag=flag, rating=rating, by=staff_user)
    photo.refresh_from_db()
    assert (photo.flag, photo.rating) == ("", 0)


def test_accepting_a_group_picks_its_best_and_rejects_the_rest(culled, staff_user):
    first = culled.photos[0]
    photo_cull(photo=first, flag="pick", by=staff_user)  # decided by hand before: overruled
    group = culled.groups[0]
    answer = group_accept(group=group, by=staff_user)
    assert answer == {
        culled.photos[0].pk: "reject",
        culled.photos[1].pk: "pick",
        culled.photos[2].pk: "reject",
    }
    # The photo alone and the other burst are untouched.
    assert flags(culled) == ["reject", "pick", "reject", "", "", ""]


def test_a_group_without_a_suggestion_is_refused(culled, staff_user):
    group = culled.groups[1]
    PhotoGroup.objects.filter(pk=group.pk).update(best=None)
    group.refresh_from_db()
    with pytest.raises(CullRefused):
        group_accept(group=group, by=staff_user)
    assert flags(culled) == [""] * 6
