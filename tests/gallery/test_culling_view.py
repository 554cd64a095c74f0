"""The culling view in the admin: proofs in bursts with their flags, in a fixed number of
queries; its actions; who may look and who may change."""

import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from gallery.models import Gallery, Photo, PhotoAnalysis
from gallery.services import gallery_create_for_booking
from tests.factories import BookingFactory, UserFactory
from tests.gallery.culling_fixtures import culled_gallery, face_with_closed_eyes


def cull_url(gallery) -> str:
    return reverse("admin:gallery_gallery_cull", args=[gallery.pk])


def act_url(gallery) -> str:
    return reverse("admin:gallery_gallery_cull_act", args=[gallery.pk])


def tile(page: str, photo) -> str:
    return re.search(rf'<li class="cull-tile" id="cull-{photo.pk}".*?</ul>', page, re.S).group(0)


def badges(page: str, photo) -> list[str]:
    found = re.findall(r"<li[^>]*>(.*?)</li>", tile(page, photo).split("<ul", 1)[1], re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", text).split()) for text in found if text.strip()]


@pytest.fixture
def owner(client, staff_user):
    client.force_login(staff_user)
    return staff_user


@pytest.fixture
def culled(gallery):
    return culled_gallery(gallery, [3, 1, 2])


def test_the_view_shows_bursts_suggestions_and_flags(client, owner, culled):
    burst, alone, pair = culled.photos[:3], culled.photos[3], culled.photos[4:]
    face_with_closed_eyes(burst[2])
    PhotoAnalysis.objects.filter(photo=burst[0]).update(soft_focus=True, highlights_clipped=True)
    PhotoAnalysis.objects.filter(photo=alone).update(shadows_clipped=True)
    PhotoAnalysis.objects.filter(photo=pair[0]).update(
        status=PhotoAnalysis.Status.FAILED, failure_code="unreadable"
    )
    PhotoAnalysis.objects.filter(photo=pair[1]).update(status=PhotoAnalysis.Status.PENDING)
    page = client.get(cull_url(culled.gallery))
    assert page.status_code == 200
    text = page.content.decode()
    # In the order taken; the burst's best stands for it, with its count.
    names = re.findall(r'data-name="([^"]+)"', text)
    assert names == [photo.original_name for photo in culled.photos]
    assert badges(text, burst[1]) == ["Group of 3", "Suggested"]
    assert "hidden" in tile(text, burst[0]).split(">", 1)[0]
    assert badges(text, burst[0]) == ["Soft focus", "Highlights clipped"]
    assert badges(text, burst[2]) == ["Eyes closed"]
    assert 'data-faces="0.1000 0.2000 0.2500 0.3000 1"' in tile(text, burst[2])
    assert badges(text, alone) == ["Shadows clipped"]
    assert badges(text, pair[0])[-1].startswith("Not analysed: ")
    assert badges(text, pair[1])[-1] == "Analysing…"
    counts = dict(re.findall(r'<strong data-count="(\w+)">(\d+)</strong>', text))
    assert counts == {
        "pick": "0",
        "reject": "0",
        "unrated": "6",
        "soft_focus": "1",
        "eyes_closed": "1",
        "highlights_clipped": "1",
        "shadows_clipped": "1",
    }
    assert "Keyboard shortcuts" in text
    words = json.loads(re.search(r'id="cull-words"[^>]*>(.*?)</script>', text).group(1))
    assert words["stars"] == ["No stars", "1 star", "2 stars", "3 stars", "4 stars", "5 stars"]


def test_a_closed_group_shows_a_photo_still_in_the_running(client, owner, culled):
    """Its suggested best stands for it; once the photographer rejected that one, the
    first not rejected does."""
    burst = culled.photos[:3]

    def covers() -> list[str]:
        text = client.get(cull_url(culled.gallery)).content.decode()
        return [
            p.original_name for p in burst if 'data-cover="1"' in tile(text, p).split(">", 1)[0]
        ]

    assert covers() == [burst[1].original_name]  # the suggested best
    Photo.objects.filter(pk=burst[1].pk).update(flag=Photo.Flag.REJECT)
    assert covers() == [burst[0].original_name]
    Photo.objects.filter(pk=burst[0].pk).update(flag=Photo.Flag.REJECT)
    assert covers() == [burst[2].original_name]
    Photo.objects.filter(pk=burst[2].pk).update(flag=Photo.Flag.REJECT)
    assert covers() == [burst[1].original_name]  # all rejected: the best again


def test_a_photo_without_an_analysis_says_so(client, owner, gallery):
    culled = culled_gallery(gallery, [1, 1])
    PhotoAnalysis.objects.filter(photo=culled.photos[0]).delete()
    text = client.get(cull_url(gallery)).content.decode()
    assert badges(text, culled.photos[0]) == ["Not analysed yet"]


def test_a_photo_that_could_not_be_processed_is_not_counted_as_one_to_cull(client, owner, gallery):
    culled = culled_gallery(gallery, [1, 1, 1])
    broken = culled.photos[1]
    Photo.objects.filter(pk=broken.pk).update(status=Photo.Status.FAILED, failure_code="other")
    PhotoAnalysis.objects.filter(photo=broken).delete()
    text = client.get(cull_url(gallery)).content.decode()
    names = re.findall(r'data-name="([^"]+)"', text)
    assert names == [culled.photos[0].original_name, culled.photos[2].original_name]
    assert "2 proofs</h2>" in text
    assert dict(re.findall(r'<strong data-count="(\w+)">(\d+)</strong>', text))["unrated"] == "2"
    assert "1 photo could not be processed, so it is not here to cull." in text


def test_the_gallery_page_and_the_upload_page_link_to_it(client, owner, culled):
    gallery = culled.gallery
    change = client.get(reverse("admin:gallery_gallery_change", args=[gallery.pk]))
    assert f'href="{cull_url(gallery)}">Cull photos<' in change.content.decode()
    xmp = reverse("admin:gallery_gallery_export_xmp", args=[gallery.pk])
    assert f'href="{xmp}"' in change.content.decode()
    upload = client.get(reverse("admin:gallery_gallery_upload", args=[gallery.pk]))
    assert f'href="{cull_url(gallery)}">Cull photos<' in upload.content.decode()


def test_it_renders_in_the_same_few_queries_for_60_photos_or_300(
    client, owner, studio, anna, django_assert_max_num_queries
):
    queries = {}
    for count in (60, 300):
        gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
        culled = culled_gallery(
            gallery, [5, 1, 3] * (count // 9) + [1] * (count % 9), real=False, first=count
        )
        for photo in culled.photos[::7]:
            face_with_closed_eyes(photo)
        with django_assert_max_num_queries(8) as context:  # 7, and the studio's switch
            page = client.get(cull_url(gallery))
        assert page.content.decode().count('class="cull-tile"') == count
        queries[count] = len(context.captured_queries)
    assert queries[60] == queries[300]


def post(client, gallery, **data):
    return client.post(act_url(gallery), data)


def test_pick_reject_rate_restore_and_accept(client, owner, culled):
    gallery, photo = culled.gallery, culled.photos[3]
    answer = post(client, gallery, do="pick", photo=photo.pk)
    assert answer.json() == {"photos": {str(photo.pk): {"flag": "pick", "rating": 0}}}
    post(client, gallery, do="rate", photo=photo.pk, rating=3)
    post(client, gallery, do="reject", photo=photo.pk)
    photo.refresh_from_db()
    assert (photo.flag, photo.rating) == ("reject", 3)
    post(client, gallery, do="restore", photo=photo.pk)
    photo.refresh_from_db()
    assert (photo.flag, photo.rating) == ("", 3)
    group = culled.groups[0]
    answer = post(client, gallery, do="accept", group=group.pk)
    assert sorted(flag["flag"] for flag in answer.json()["photos"].values()) == [
        "pick",
        "reject",
        "reject",
    ]
    assert list(Photo.objects.filter(flag="pick").values_list("pk", flat=True)) == [group.best_id]


@pytest.mark.parametrize(
    "data",
    [
        {"do": "shout", "photo": "1"},
        {"do": "rate", "rating": "9"},
        {"do": "rate", "rating": "2"},  # which photo?
        {"do": "pick"},
        {"do": "accept"},
    ],
)
def test_what_is_not_an_action_is_refused(client, owner, culled, data):
    data = {**data, "photo": data.get("photo") and str(culled.photos[0].pk)}
    data = {key: value for key, value in data.items() if value}
    answer = post(client, culled.gallery, **data)
    assert answer.status_code == 400
    assert not Photo.objects.exclude(flag="", rating=0).exists()


def test_another_gallerys_photo_or_group_is_not_found(client, owner, culled, studio, ben):
    other = gallery_create_for_booking(booking=BookingFactory(client=ben))
    theirs = culled_gallery(other, [2], real=False, first=50)
    assert post(client, culled.gallery, do="pick", photo=theirs.photos[0].pk).status_code == 404
    assert post(client, culled.gallery, do="accept", group=theirs.groups[0].pk).status_code == 404
    assert not Photo.objects.filter(flag="pick").exists()


def test_a_view_only_assistant_looks_but_changes_nothing(client, culled):
    viewer = UserFactory(username="assistant", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(viewer)
    page = client.get(cull_url(culled.gallery))
    assert page.status_code == 200
    assert "You can look at the cull but not change it" in page.content.decode()
    assert 'data-may-cull="false"' in page.content.decode()
    photo = culled.photos[0]
    for data in (
        {"do": "pick", "photo": photo.pk},
        {"do": "rate", "photo": photo.pk, "rating": 5},
        {"do": "accept", "group": culled.groups[0].pk},
    ):
        assert post(client, culled.gallery, **data).status_code == 403
    assert not Photo.objects.exclude(flag="", rating=0).exists()


def test_staff_without_the_gallery_cannot_open_it(client, culled):
    bare = UserFactory(username="bare", is_staff=True)
    client.force_login(bare)
    assert client.get(cull_url(culled.gallery)).status_code == 403


def test_an_empty_gallery_says_there_is_nothing_to_cull(client, owner, gallery):
    assert isinstance(gallery, Gallery)
    page = client.get(cull_url(gallery))
    assert "No proofs yet" in page.content.decode()


def test_with_face_features_off_the_view_says_what_is_missing(client, owner, culled, studio):
    client.force_login(owner)
    url = reverse("admin:gallery_gallery_cull", args=[culled.gallery.pk])
    assert "Finding faces is switched off" not in client.get(url).content.decode()
    studio.face_features = False
    studio.save()
    page = client.get(url).content.decode()
    assert "Finding faces is switched off" in page
    assert reverse("admin:studio_studio_change", args=[1]) in page
