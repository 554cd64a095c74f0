"""The client's "People" filter: round faces of the people in two or more of the photos they
see, each a plain link that shows only that person's photos; faces served only to those who
may open the gallery; nothing of it while the studio's face features are off."""

import re

import pytest
from django.urls import reverse

from gallery.culling_models import Person
from gallery.models import Gallery, Photo, ShareLink
from gallery.people import gallery_people_find, person_face_for_client
from gallery.services import gallery_create_for_booking
from tests.factories import BookingFactory
from tests.gallery.conftest import page_url, sign_in
from tests.gallery.people_photos import BIDEN, BOTH, EVERYONE, proof_with_faces

OBAMA, BIDEN_NUMBER = 1, 2  # Obama in six photos, Biden in four; two others in one each


@pytest.fixture
def family(gallery) -> Gallery:
    """Anna's published gallery of the nine photos, its people found."""
    for name in EVERYONE:
        proof_with_faces(gallery, name)
    gallery_people_find(gallery_id=gallery.pk)
    gallery.status = Gallery.Status.PUBLISHED
    gallery.save()
    return gallery


def face_url(gallery, number) -> str:
    return reverse("gallery:person-face", args=[gallery.slug, number])


def tiles(page) -> int:
    return page.text.count('class="photo-tile')


def test_the_client_sees_the_people_in_two_photos_or_more(client, family, anna):
    sign_in(client, anna)
    page = client.get(page_url(family))
    assert 'aria-labelledby="people-filter-heading"' in page.text
    offered = [p.number for p in page.context["people"]]
    assert offered == [OBAMA, BIDEN_NUMBER]
    assert face_url(family, OBAMA) in page.text
    assert face_url(family, 3) not in page.text
    assert tiles(page) == 9


def test_choosing_a_person_shows_only_their_photos(client, family, anna):
    sign_in(client, anna)
    page = client.get(page_url(family), {"person": BIDEN_NUMBER})
    assert tiles(page) == 4
    shown = {name.split("-", 1)[1] for name in re.findall(r'data-name="([^"]+)"', page.text)}
    assert shown == {*BIDEN, *BOTH}
    assert f'href="?person={BIDEN_NUMBER}" aria-current="page"' in page.text
    assert "Showing the photos with Person 2." in page.text


@pytest.mark.parametrize("chosen", ["3", "99", "x", "", "9" * 5000, "٣"])
def test_a_person_not_offered_shows_every_photo(client, family, anna, chosen):
    sign_in(client, anna)
    page = client.get(page_url(family), {"person": chosen})
    assert page.status_code == 200
    assert tiles(page) == 9


def test_a_name_from_the_studio_shows_and_a_hidden_person_does_not(client, family, anna):
    Person.objects.filter(gallery=family, number=BIDEN_NUMBER).update(name="Grandpa Joe")
    Person.objects.filter(gallery=family, number=OBAMA).update(hidden=True)
    sign_in(client, anna)
    page = client.get(page_url(family))
    assert [p.label for p in page.context["people"]] == ["Grandpa Joe"]
    assert client.get(face_url(family, OBAMA)).status_code == 404
    assert tiles(client.get(page_url(family), {"person": OBAMA})) == 9


def test_the_face_goes_to_the_client_staff_and_a_guest_and_to_nobody_else(
    client, family, anna, ben, staff_user
):
    assert client.get(face_url(family, OBAMA)).status_code == 404  # nobody signed in
    sign_in(client, anna)
    face = client.get(face_url(family, OBAMA))
    assert face.status_code == 200
    assert face["Content-Type"] == "image/jpeg"
    assert face.content[:2] == b"\xff\xd8"
    assert "private" in face["Cache-Control"]
    assert client.get(face_url(family, 3)).status_code == 404  # in one photo only
    client.logout()
    sign_in(client, ben)
    bens = gallery_create_for_booking(booking=BookingFactory(client=ben))
    Gallery.objects.filter(pk=bens.pk).update(status=Gallery.Status.PUBLISHED)
    assert client.get(face_url(family, OBAMA)).status_code == 404
    assert client.get(face_url(bens, OBAMA)).status_code == 404
    client.logout()
    client.force_login(staff_user)
    assert client.get(face_url(family, BIDEN_NUMBER)).status_code == 200


def test_a_revoked_share_link_no_longer_shows_a_face(client, family):
    link = ShareLink.objects.create(gallery=family, label="Grandma")
    client.get(reverse("gallery:share-open", args=[link.token]))
    assert client.get(face_url(family, OBAMA)).status_code == 200
    link.revoked = True
    link.save()
    assert client.get(face_url(family, OBAMA)).status_code == 404


def test_nothing_of_people_while_face_features_are_off(client, family, anna, studio):
    studio.face_features = False
    studio.save()
    sign_in(client, anna)
    page = client.get(page_url(family), {"person": OBAMA})
    assert "people-filter" not in page.text
    assert tiles(page) == 9
    assert client.get(face_url(family, OBAMA)).status_code == 404


def test_a_person_whose_photos_are_all_rejected_is_not_offered(client, family, anna):
    biden = Person.objects.get(gallery=family, number=BIDEN_NUMBER)
    Photo.objects.filter(faces__person=biden).update(flag=Photo.Flag.REJECT)
    sign_in(client, anna)
    page = client.get(page_url(family))
    assert [p.number for p in page.context["people"]] == [OBAMA]  # still in four photos
    assert client.get(face_url(family, BIDEN_NUMBER)).status_code == 404


def test_a_rejected_cover_is_never_the_face_shown(family):
    obama = Person.objects.select_related("cover").get(gallery=family, number=OBAMA)
    Photo.objects.filter(pk=obama.cover.photo_id).update(flag=Photo.Flag.REJECT)
    shown = person_face_for_client(obama)
    assert shown.person_id == obama.pk
    assert shown.photo_id != obama.cover.photo_id


def test_the_page_with_people_chosen_keeps_its_query_count(
    client, family, anna, django_assert_max_num_queries
):
    sign_in(client, anna)
    with django_assert_max_num_queries(10):
        page = client.get(page_url(family), {"person": OBAMA})
    assert tiles(page) == 6


def test_people_the_studio_named_alike_are_offered_as_one(client, family, anna):
    from tests.gallery.people_photos import KIT

    # The assistant found Kit's face apart from Biden's; the studio calls both "Joe".
    kit = Person.objects.get(gallery=family, faces__photo__original_name__endswith=KIT)
    Person.objects.filter(pk=kit.pk).update(name="joe")
    Person.objects.filter(gallery=family, number=BIDEN_NUMBER).update(name="Joe")
    sign_in(client, anna)
    page = client.get(page_url(family))
    assert [p.label for p in page.context["people"]] == ["Person 1", "Joe"]
    assert page.text.count(">Joe</span>") == 1
    chosen = client.get(page_url(family), {"person": BIDEN_NUMBER})
    shown = {name.split("-", 1)[1] for name in re.findall(r'data-name="([^"]+)"', chosen.text)}
    assert shown == {*BIDEN, *BOTH, KIT}
    assert "Showing the photos with Joe." in chosen.text
    assert tiles(client.get(page_url(family), {"person": kit.number})) == 9  # not offered alone
