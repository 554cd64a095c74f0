"""The studio's side of people: naming them on the gallery's page, their faces for staff,
and face data gone when face features are turned off, in a privacy export, on erasure and
with the gallery."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from gallery.culling_models import CullRequest, Face, Person, PhotoAnalysis
from gallery.models import Gallery
from gallery.people import gallery_people_find
from gallery.privacy import client_galleries_erase
from gallery.services import gallery_create_for_booking
from tests.factories import BookingFactory, UserFactory
from tests.gallery.people_photos import BIDEN, BOTH, OBAMA, proof_with_faces
from tests.studio.test_field_lengths import as_post, read_form
from workspace.privacy import client_data_export


@pytest.fixture
def found(gallery):
    for name in [*OBAMA[:2], *BIDEN, *BOTH]:
        proof_with_faces(gallery, name)
    gallery_people_find(gallery_id=gallery.pk)
    return gallery


def staff_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def change_url(gallery) -> str:
    return reverse("admin:gallery_gallery_change", args=[gallery.pk])


def face_url(person) -> str:
    return reverse("admin:gallery_gallery_person_face", args=[person.gallery_id, person.pk])


def test_the_studio_names_a_person_and_hides_another_on_the_gallerys_page(
    client, found, staff_user
):
    client.force_login(staff_user)
    page = client.get(change_url(found))
    assert face_url(Person.objects.get(number=1)) in page.text
    data = as_post(read_form(page, "gallery_form").pairs)
    first, second = (
        [k for k in data if k.startswith("people-") and k.endswith("-id")][i] for i in (0, 1)
    )
    data[first.replace("-id", "-name")] = ["Grandma"]
    data[second.replace("-id", "-hidden")] = ["on"]
    response = client.post(change_url(found), data)
    assert response.status_code == 302
    assert list(Person.objects.values_list("number", "name", "hidden")) == [
        (1, "Grandma", False),
        (2, "", True),
        (3, "", False),
    ]


def test_staff_who_only_look_see_the_people_but_cannot_rename_them(client, found):
    client.force_login(staff_with("view_gallery"))
    page = client.get(change_url(found))
    assert page.status_code == 200
    assert face_url(Person.objects.get(number=2)) in page.text
    assert 'name="people-0-name"' not in page.text
    assert client.get(face_url(Person.objects.get(number=2))).status_code == 200


def test_a_persons_face_is_for_staff_who_may_see_the_gallery(client, found, gallery):
    person = Person.objects.get(number=1)
    client.force_login(staff_with("view_booking"))
    assert client.get(face_url(person)).status_code == 403
    client.force_login(staff_with("view_gallery"))
    face = client.get(face_url(person))
    assert face["Content-Type"] == "image/jpeg"
    elsewhere = reverse(
        "admin:gallery_gallery_person_face", args=[person.gallery_id + 1, person.pk]
    )
    assert client.get(elsewhere).status_code == 404


def face_features_post(client, *, on: bool):
    url = reverse("admin:studio_studio_change", args=[1])
    data = as_post(read_form(client.get(url), "studio_form").pairs)
    data.pop("face_features", None)
    if on:
        data["face_features"] = ["on"]
    return client.post(url, data, follow=True)


def test_turning_face_features_off_deletes_every_face_and_person(client, found, staff_user):
    """And the closed-eye flags read from the faces: no flag outlives the switch, and the
    gallery step chooses each burst's best again without them."""
    PhotoAnalysis.objects.filter(photo__gallery=found).update(eyes_closed=True)
    client.force_login(staff_user)
    response = face_features_post(client, on=False)
    assert "faces found in galleries were deleted" in response.text
    assert (Face.objects.count(), Person.objects.count()) == (0, 0)
    assert not PhotoAnalysis.objects.filter(eyes_closed=True).exists()
    assert CullRequest.objects.get(gallery=found).asked_at is not None


def test_turning_face_features_back_on_finds_the_faces_again(
    client, found, staff_user, gallery, run_tasks
):
    """Galleries still in use get their faces and people back, from the kept copies,
    without a photo being uploaded again; a delivered gallery's are left alone."""
    client.force_login(staff_user)
    face_features_post(client, on=False)
    delivered = gallery_create_for_booking(booking=BookingFactory(client=gallery.booking.client))
    Gallery.objects.filter(pk=delivered.pk).update(status=Gallery.Status.DELIVERED)
    old = proof_with_faces(delivered, OBAMA[0])
    Face.objects.filter(photo=old).delete()
    with run_tasks():
        response = face_features_post(client, on=True)
    assert (
        "faces are being found again in 6 photos of galleries still in use (1 gallery)"
        in response.text
    )
    assert set(
        PhotoAnalysis.objects.filter(photo__gallery=gallery).values_list("status", flat=True)
    ) == {PhotoAnalysis.Status.DONE}
    assert Face.objects.filter(photo__gallery=gallery).count() >= 8
    assert Person.objects.filter(gallery=gallery).count() >= 2
    assert not Face.objects.filter(photo=old).exists()  # delivered: not needed any more
    again = face_features_post(client, on=True)  # saved again, unchanged: nothing queued
    assert "found again" not in again.text


def test_the_privacy_export_lists_the_faces_and_people_without_the_numbers(found, anna, staff_user):
    Person.objects.filter(number=2).update(name="Joe")
    exported = json.loads(client_data_export(client=anna, by=staff_user))
    faces = exported["galleries"][0]["faces"]
    assert faces["count"] == Face.objects.count()
    assert [(p["name"], p["photos"]) for p in faces["people"]] == [
        ("Person 1", 4),
        ("Joe", 4),
        ("Person 3", 1),
    ]
    assert set(faces["faces"][0]["box"]) == {"left", "top", "width", "height"}
    assert "128 numbers" in faces["about"]
    assert "descriptor" not in json.dumps(faces).replace("has_descriptor", "")


def test_erasure_and_deleting_a_gallery_delete_its_faces_and_people(found, anna, gallery):
    assert Face.objects.filter(photo__gallery=gallery).count() == 9
    client_galleries_erase(client=anna)
    assert (Face.objects.count(), Person.objects.count()) == (0, 0)


def test_deleting_a_gallery_deletes_its_faces(found):
    found.delete()
    assert (Face.objects.count(), Person.objects.count()) == (0, 0)


def test_no_people_table_while_finding_faces_is_off(client, found, staff_user, studio):
    client.force_login(staff_user)
    assert "found by their faces" in client.get(change_url(found)).text
    studio.face_features = False
    studio.save()
    page = client.get(change_url(found))
    assert page.status_code == 200
    assert "found by their faces" not in page.text
