"""A proof the photographer rejected is kept, but no client page shows it: not the grid,
not its own addresses, not a share link's, not the favorites that count; restored, it is
back."""

import pytest
from django.urls import reverse

from gallery.culling_decisions import photo_cull, photo_restore
from gallery.models import Favorite, FavoriteList, ShareLink
from gallery.proofing import favorite_list_get_or_create, favorite_set
from gallery.selection import selection_submit
from gallery.services import gallery_publish_warnings
from tests.gallery.conftest import heart, page_url, sign_in
from tests.gallery.test_proofing import counter
from tests.gallery.test_share_links import open_link


@pytest.fixture
def rejected(photos, staff_user):
    """IMG_0002.JPG, rejected in the cull."""
    return photo_cull(photo=photos[1], flag="reject", by=staff_user)


def photo_urls(gallery, photo) -> dict[str, str]:
    return {
        kind: reverse("gallery:photo-file", args=[gallery.slug, photo.pk, kind])
        for kind in ("preview", "thumbnail")
    } | {"comments": reverse("gallery:photo-comments", args=[gallery.slug, photo.pk])}


def answers(client, gallery, photo) -> dict[str, int]:
    found = {name: client.get(url).status_code for name, url in photo_urls(gallery, photo).items()}
    found["favorite"] = heart(client, gallery, photo).status_code
    return found


def test_the_client_sees_the_gallery_without_the_reject(client, published, photos, anna, rejected):
    sign_in(client, anna)
    page = client.get(page_url(published))
    assert page.context["photo_count"] == 2
    assert "IMG_0001.JPG" in page.text
    assert "IMG_0002.JPG" not in page.text
    assert answers(client, published, rejected) == dict.fromkeys(
        ["preview", "thumbnail", "comments", "favorite"], 404
    )
    assert answers(client, published, photos[0]) == dict.fromkeys(
        ["preview", "thumbnail", "comments", "favorite"], 200
    )


def test_the_studio_sees_how_many_photos_the_client_is_shown(
    client, published, rejected, staff_user
):
    client.force_login(staff_user)
    page = client.get(reverse("admin:gallery_gallery_change", args=[published.pk])).text
    assert "3 photos</a> · 2 shown to the client" in page  # the reject not among them


def test_a_reject_restored_is_shown_again(client, published, photos, anna, rejected, staff_user):
    photo_restore(photo=rejected, by=staff_user)
    sign_in(client, anna)
    page = client.get(page_url(published))
    assert page.context["photo_count"] == 3
    assert "IMG_0002.JPG" in page.text
    preview = photo_urls(published, rejected)["preview"]
    assert client.get(preview).status_code == 200


def test_another_client_reaches_neither_the_reject_nor_the_rest(
    client, published, photos, ben, rejected
):
    sign_in(client, ben)
    assert client.get(page_url(published)).status_code == 404
    for photo in (rejected, photos[0]):
        assert set(answers(client, published, photo).values()) == {404}


def test_a_share_link_guest_never_sees_the_reject(client, published, photos, rejected):
    link = ShareLink.objects.create(gallery=published, label="Grandma", can_favorite=True)
    open_link(client, link)
    page = client.get(page_url(published))
    assert page.status_code == 200
    assert "IMG_0002.JPG" not in page.text
    assert "IMG_0003.JPG" in page.text
    assert set(answers(client, published, rejected).values()) == {404}
    assert not Favorite.objects.filter(photo=rejected).exists()


def test_favorites_on_a_photo_later_rejected_are_kept_but_no_longer_count(
    client, published, photos, anna, staff_user
):
    sign_in(client, anna)
    for photo in photos:
        heart(client, published, photo)
    shown = counter(client.get(page_url(published)))
    assert shown == "3 chosen · 2 included · 1 extra photo: £15.00"
    photo_cull(photo=photos[1], flag="reject", by=staff_user)

    assert Favorite.objects.filter(photo=photos[1]).count() == 1  # kept
    page = client.get(page_url(published))
    assert counter(page) == "2 of 2 included"
    assert "IMG_0002.JPG" not in client.get(page_url(published) + "?show=favorites").text
    review = client.get(reverse("gallery:selection", args=[published.slug]))
    assert [item["photo"].original_name for item in review.context["items"]] == [
        "IMG_0001.JPG",
        "IMG_0003.JPG",
    ]
    assert [favorite_list.count for favorite_list in review.context["lists"]] == [2]
    compare = client.get(reverse("gallery:gallery-compare", args=[published.slug]))
    assert "IMG_0002.JPG" not in compare.text
    sent = selection_submit(gallery_id=published.pk, favorite_list_id=FavoriteList.objects.get().pk)
    assert sorted(sent.photos.values_list("original_name", flat=True)) == [
        "IMG_0001.JPG",
        "IMG_0003.JPG",
    ]
    assert (sent.photo_count, sent.extra_count) == (2, 0)


def test_a_favorite_on_a_reject_restored_counts_again(published, photos, staff_user):
    favorites = favorite_list_get_or_create(gallery=published, name="Anna")
    favorite_set(favorite_list=favorites, photo=photos[1], on=True)
    photo_cull(photo=photos[1], flag="reject", by=staff_user)
    photo_cull(photo=photos[1], flag="", by=staff_user)
    sent = selection_submit(gallery_id=published.pk, favorite_list_id=favorites.pk)
    assert list(sent.photos.values_list("original_name", flat=True)) == ["IMG_0002.JPG"]


def test_a_rejected_cover_is_not_shown_on_the_clients_page(client, published, photos, anna):
    published.cover = photos[1]
    published.save()
    photo_cull(photo=photos[1], flag="reject", by=None)
    sign_in(client, anna)
    page = client.get(page_url(published))
    assert page.context["hero"]["pk"] == photos[0].pk
    mine = client.get(reverse("clients:my-sessions"))
    assert 'class="border-top pt-3 mt-2 my-gallery"' in mine.text
    assert f"/photos/{photos[1].pk}/thumbnail/" not in mine.text


def test_publishing_a_gallery_whose_proofs_are_all_rejected_warns(published, photos, staff_user):
    assert gallery_publish_warnings(gallery=published) == []
    for photo in photos:
        photo_cull(photo=photo, flag="reject", by=staff_user)
    (warning,) = gallery_publish_warnings(gallery=published)
    assert "every one is rejected" in warning
