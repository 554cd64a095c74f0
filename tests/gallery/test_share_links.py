"""Share links for family and friends: view only or view and favorite, an optional PIN
(tests/gallery/test_share_pins.py), an end date, revocable; never the selection, never
another gallery."""

import datetime

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
