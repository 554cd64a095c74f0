"""Share links for family and friends: view only or view and favorite, an optional PIN
(tests/gallery/test_share_pins.py), an end date, revocable; never the selection, never
another gallery."""

import datetime
import re

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone

from gallery.models import Comment, Favorite, FavoriteList, Gallery, ShareLink
from gallery.services import gallery_create_for_booking
from tests.factories import BookingFactory
from tests.gallery.conftest import heart, page_url


def open_link(client, link, pin=None, ip="203.0.113.5"):
    url = reverse("gallery:share-open", args=[link.token])
    if pin is None:
        return client.get(url, REMOTE_ADDR=ip)
    return client.post(url, {"pin": pin}, REMOTE_ADDR=ip)


def test_a_view_only_link_shows_the_photos_and_nothing_of_the_clients(client, published, photos):
    link = ShareLink.objects.create(gallery=published, label="Grandma")
    opened = open_link(client, link)
    assert opened.status_code == 302
    assert opened["Location"] == page_url(published)
    assert opened["Referrer-Policy"] == "no-referrer"
    page = client.get(page_url(published))
    assert page.status_code == 200
    assert "Anna Kowalska shared these photos with you" in page.text
    assert "hx-post" not in page.text  # no hearts to give
    assert "Review and send my selection" not in page.text
    assert "data-comments" not in page.text
    preview = reverse("gallery:photo-file", args=[published.slug, photos[0].pk, "preview"])
    assert client.get(preview).status_code == 200
    assert heart(client, published, photos[0]).status_code == 404
    comments = reverse("gallery:photo-comments", args=[published.slug, photos[0].pk])
    assert client.get(comments).status_code == 404
    assert client.get(reverse("gallery:selection", args=[published.slug])).status_code == 404
    assert not Favorite.objects.exists()


def test_a_favorites_link_chooses_into_its_own_list_and_never_sends(client, published, photos):
    link = ShareLink.objects.create(gallery=published, label="Tom", can_favorite=True)
    open_link(client, link)
    assert 'aria-pressed="true"' in heart(client, published, photos[1]).text
    assert list(FavoriteList.objects.values_list("name", flat=True)) == ["Tom"]
    comments = reverse("gallery:photo-comments", args=[published.slug, photos[1].pk])
    client.post(comments, {"body": "This one!"})
    assert Comment.objects.get().author_name == "Tom"
    selection = reverse("gallery:selection", args=[published.slug])
    assert client.post(selection, {"action": "submit"}).status_code == 404
    assert published.selections.count() == 0


@pytest.mark.parametrize("closed", ["revoked", "past its date"])
def test_a_revoked_or_past_link_stops_working_even_for_those_who_opened_it(
    client, published, closed
):
    link = ShareLink.objects.create(gallery=published, label="Grandma")
    open_link(client, link)
    assert client.get(page_url(published)).status_code == 200
    if closed == "revoked":
        link.revoked = True
    else:
        link.expires_on = timezone.localdate() - datetime.timedelta(days=1)
    link.save()
    assert client.get(page_url(published)).status_code == 404
    again = open_link(client, link)
    assert again.status_code == 404
    assert "This link no longer works" in again.text


def test_a_link_opens_its_own_gallery_only(client, published, anna):
    other = gallery_create_for_booking(booking=BookingFactory(client=anna))
    Gallery.objects.filter(pk=other.pk).update(status=Gallery.Status.PUBLISHED)
    link = ShareLink.objects.create(gallery=other, label="Grandma")
    open_link(client, link)
    assert client.get(page_url(other)).status_code == 200
    assert client.get(page_url(published)).status_code == 404
    session = client.session
    session["gallery_shares"] = {str(published.pk): link.pk}  # a forged pairing
    session.save()
    assert client.get(page_url(published)).status_code == 404


def test_a_new_pin_shuts_out_browsers_let_in_with_the_old_one(client, published):
    link = ShareLink.objects.create(
        gallery=published, label="Grandma", pin_hash=make_password("2580")
    )
    open_link(client, link, pin="2580")
    assert client.get(page_url(published)).status_code == 200
    link.pin_hash = make_password("1357")
    link.save()
    assert client.get(page_url(published)).status_code == 404


def test_a_view_only_guest_does_not_see_who_chose_what(client, published):
    link = ShareLink.objects.create(gallery=published, label="Grandma")
    open_link(client, link)
    compare = reverse("gallery:gallery-compare", args=[published.slug])
    assert client.get(compare).status_code == 404


@pytest.fixture
def sent_with_a_comment(client, published, photos, anna):
    """Anna commented on the first photo and sent the first and third as her selection."""
    from gallery.proofing import comment_add, favorite_list_get_or_create, favorite_set
    from gallery.selection import selection_submit

    comment_add(photo=photos[0], author_name="Anna", body="Softer, please", from_studio=False)
    annas = favorite_list_get_or_create(gallery=published, name="Anna")
    for photo in (photos[0], photos[2]):
        favorite_set(favorite_list=annas, photo=photo, on=True)
    selection_submit(gallery_id=published.pk, favorite_list_id=annas.pk)
    published.refresh_from_db()
    return published


def tile(page: str, photo) -> str:
    return re.search(rf'<li class="photo-tile[^"]*" id="photo-{photo.pk}">.*?</li>', page, re.S)[0]


def test_a_view_only_guest_sees_nothing_of_the_clients_choosing(
    client, sent_with_a_comment, photos
):
    gallery = sent_with_a_comment
    open_link(client, ShareLink.objects.create(gallery=gallery, label="Grandma"))
    page = client.get(page_url(gallery)).text
    assert "Anna Kowalska shared these photos with you to enjoy." in page
    assert "Your selection was sent" not in page
    assert "favorites are locked" not in page
    assert "fav-button" not in page  # not even disabled hearts, in the grid or the lightbox
    assert "selection-counter" not in page
    assert "Show favorites only" not in page
    assert "comment-count" not in tile(page, photos[0])
    # Asking for the favorites only shows every photo: there are none of theirs to show.
    assert client.get(page_url(gallery) + "?show=favorites").text.count('class="photo-tile') == 3


def test_a_favorites_guest_sees_their_own_list_not_the_clients_selection(
    client, published, photos, anna
):
    link = ShareLink.objects.create(gallery=published, label="Tom", can_favorite=True)
    open_link(client, link)
    heart(client, published, photos[1])
    from gallery.proofing import comment_add, favorite_list_get_or_create, favorite_set
    from gallery.selection import selection_submit

    comment_add(photo=photos[0], author_name="Anna", body="Softer, please", from_studio=False)
    annas = favorite_list_get_or_create(gallery=published, name="Anna")
    favorite_set(favorite_list=annas, photo=photos[0], on=True)
    selection_submit(gallery_id=published.pk, favorite_list_id=annas.pk)

    page = client.get(page_url(published)).text
    assert "Your selection was sent" not in page
    assert "The selection has gone to the studio, so favorites are closed for now." in page
    assert 'aria-pressed="true"' in tile(page, photos[1])  # Tom's heart, not Anna's
    assert 'aria-pressed="false"' in tile(page, photos[0])
    assert "disabled" in tile(page, photos[1])
    assert "1 favorite<" in page  # Tom's count, without the package's
    assert "included" not in page.split('id="selection-counter"')[1].split("</div>")[0]
    assert "Show favorites only" in page
    assert "Review and send my selection" not in page
    assert "comment-count" in tile(page, photos[0])  # the link lets Tom read and comment
    refused = heart(client, published, photos[2]).text
    assert "The selection has gone to the studio" in refused
    assert "Your selection has been sent" not in refused
    only = client.get(page_url(published) + "?show=favorites").text
    assert only.count('class="photo-tile') == 1
    compare = client.get(reverse("gallery:gallery-compare", args=[published.slug])).text
    assert "Choose which list to send" not in compare  # only the client sends
