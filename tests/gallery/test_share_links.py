"""Share links for family and friends: view only or view and favorite, an optional PIN with
limited guesses, an end date, revocable; never the selection, never another gallery."""

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


def test_a_pin_is_asked_for_and_guessing_is_stopped(client, published):
    link = ShareLink.objects.create(
        gallery=published, label="Grandma", pin_hash=make_password("2580")
    )
    asked = open_link(client, link)
    assert asked.status_code == 200
    assert "protected by a 4-digit PIN" in asked.text
    assert client.get(page_url(published)).status_code == 404
    wrong = open_link(client, link, pin="1234")
    assert "That PIN isn&#x27;t right" in wrong.text
    for guess in range(9):
        open_link(client, link, pin=f"{guess:04d}")
    # Ten wrong guesses from this address: now even the right PIN waits.
    stopped = open_link(client, link, pin="2580")
    assert "Too many tries" in stopped.text
    assert client.get(page_url(published)).status_code == 404
    # From another address, the right PIN works.
    assert open_link(client, link, pin="2580", ip="198.51.100.7").status_code == 302
    assert client.get(page_url(published)).status_code == 200


def test_guessing_from_many_addresses_is_stopped_per_gallery(client, published):
    link = ShareLink.objects.create(
        gallery=published, label="Grandma", pin_hash=make_password("2580")
    )
    for n in range(30):
        open_link(client, link, pin="0000", ip=f"198.51.100.{n + 1}")
    assert "Too many tries" in open_link(client, link, pin="2580", ip="192.0.2.1").text


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


def test_the_studio_makes_a_link_with_a_pin_in_the_admin(client, published, staff_user):
    from tests.gallery.test_pipeline import admin_form_data

    client.force_login(staff_user)
    url = reverse("admin:gallery_gallery_change", args=[published.pk])
    data = admin_form_data(client.get(url))
    data.update(
        {
            "share_links-TOTAL_FORMS": "1",
            "share_links-0-label": "Grandma",
            "share_links-0-can_favorite": "on",
            "share_links-0-new_pin": "12a4",
        }
    )
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "A PIN is 4 digits, like 2580." in refused.text
    data["share_links-0-new_pin"] = "2580"
    assert client.post(url, data).status_code == 302
    link = ShareLink.objects.get()
    assert link.can_favorite
    assert link.pin_hash.startswith("md5$")  # hashed (the tests' fast hasher), never stored
    assert "2580" not in link.pin_hash
    page = client.get(url)
    assert f"/gallery/share/{link.token}/" in page.text


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
