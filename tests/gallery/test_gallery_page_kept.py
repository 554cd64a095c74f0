"""A client's gallery page is made once per change, not once per request (issue 22): kept
per gallery, viewer, list and address, it reads three rows when kept, and every change to
what it shows, through the paths the studio and the client really use (a heart, a comment,
a cull, a set, an order, a delete, photos in bulk, a list, a name, the clock), gives the
page a fresh one would give. Each browser gets its own CSRF token in it; nobody gets
another viewer's page."""

import datetime
import re

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client as Browser
from django.urls import reverse

from gallery import page_changes
from gallery.culling_decisions import photo_cull
from gallery.models import Favorite, Gallery, Photo, ShareLink
from gallery.photos import photos_reprocess
from gallery.proofing import comment_add, favorite_list_get_or_create
from gallery.services import photos_delete, photos_order, photos_set_assign
from studio import page_cache
from tests.gallery.conftest import heart, local, page_url, proofs_add, sign_in
from tests.gallery.test_share_links import open_link

TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")([^"]+)"')


def without_tokens(text: str) -> str:
    return TOKEN.sub(r'\1"', text)


def fresh(client, url: str) -> str:
    """The page as it would be made now, nothing kept."""
    page_cache._made.clear()
    return client.get(url).text


def tiles(text: str) -> list[str]:
    return re.findall(r'<li class="photo-tile[^"]*" id="photo-(\d+)"', text)


@pytest.fixture
def anna_in(client, published, anna):
    sign_in(client, anna)
    return client


def test_a_kept_page_reads_three_rows_and_is_the_page_made_fresh(
    anna_in, published, django_assert_max_num_queries
):
    url = page_url(published)
    made = anna_in.get(url)
    assert made.templates  # made this time
    with django_assert_max_num_queries(3):  # the session, the studio, the gallery
        kept = anna_in.get(url)
    assert kept.status_code == 200
    assert not kept.templates  # kept: no template rendered
    assert kept["Cache-Control"] == "private, no-cache"
    assert (
        without_tokens(kept.text)
        == without_tokens(made.text)
        == without_tokens(fresh(anna_in, url))
    )


def test_each_browser_gets_its_own_token_and_can_post_with_it(published, photos, anna):
    browsers = [Browser(enforce_csrf_checks=True) for _ in range(2)]
    pages = []
    for browser in browsers:
        sign_in(browser, anna)
        pages.append(browser.get(page_url(published)))
    assert pages[0].templates
    assert pages[1].templates == []  # the first's page, kept
    for browser, page, photo in zip(browsers, pages, photos, strict=False):
        token = TOKEN.search(page.text)[2]
        response = browser.post(
            reverse("gallery:favorite-set", args=[published.slug, photo.pk]),
            {"on": "1"},
            HTTP_HX_REQUEST="true",
            HTTP_X_CSRFTOKEN=token,
        )
        assert response.status_code == 200
    assert browsers[0].cookies["csrftoken"].value != browsers[1].cookies["csrftoken"].value


def heart_photo(client, gallery, photos):
    assert heart(client, gallery, photos[1]).status_code == 200


def comment(client, gallery, photos):
    comment_add(photo=photos[0], author_name="Anna", body="Softer, please", from_studio=False)


def reject(client, gallery, photos):
    photo_cull(photo=photos[2], flag=Photo.Flag.REJECT, by=None)


def set_renamed(client, gallery, photos):
    photos_set_assign(gallery_id=gallery.pk, photo_ids=[photos[0].pk], set_name="Garden")


def reordered(client, gallery, photos):
    photos_order(gallery_id=gallery.pk, photo_ids=[p.pk for p in reversed(photos)])


def deleted(client, gallery, photos):
    photos_delete(gallery_id=gallery.pk, photo_ids=[photos[1].pk])


def processed_again(client, gallery, photos):
    photos_reprocess(photo_ids=[photos[0].pk])  # not ready: out of the grid until it is


def many_added(client, gallery, photos):
    proofs_add(gallery, 5, sets=1, files_of=photos[0])


def list_made(client, gallery, photos):
    favorite_list_get_or_create(gallery=gallery, name="Grandma")


def list_chosen(client, gallery, photos):
    """Ben's list is there already (made before the page was kept): choosing it changes
    only this browser's session."""
    response = client.post(reverse("gallery:list-choose", args=[gallery.slug]), {"name": "Ben"})
    assert response.status_code == 302


def titled(client, gallery, photos):
    gallery.title = "The Kowalskis in the garden"
    gallery.save()


def unhearted_by_the_studio_in_bulk(client, gallery, photos):
    Favorite.objects.filter(favorite_list__gallery=gallery).delete()


CHANGES = [
    heart_photo,
    comment,
    reject,
    set_renamed,
    reordered,
    deleted,
    processed_again,
    many_added,
    list_made,
    list_chosen,
    titled,
    unhearted_by_the_studio_in_bulk,
]


@pytest.mark.parametrize("change", CHANGES, ids=[change.__name__ for change in CHANGES])
def test_every_change_gives_the_page_a_fresh_one_would_give(anna_in, published, photos, change):
    url = page_url(published)
    heart(anna_in, published, photos[0])
    favorite_list_get_or_create(gallery=published, name="Ben")
    before = anna_in.get(url).text
    assert anna_in.get(url).templates == []  # kept
    change(anna_in, published, photos)
    after = anna_in.get(url).text
    assert without_tokens(after) != without_tokens(before)
    assert without_tokens(after) == without_tokens(fresh(anna_in, url))


def test_the_chunks_are_kept_and_follow_changes_too(anna_in, published, photos):
    proofs_add(published, 80, files_of=photos[0])
    chunk = reverse("gallery:photo-list", args=[published.slug]) + "?start=48"
    first = anna_in.get(chunk)
    again = anna_in.get(chunk + "&start=048&utm_source=email")  # the same chunk, read as such
    assert again.templates == []
    assert again.text == first.text
    jump = anna_in.get(chunk + "&upto=120")  # further than the next: made, never kept
    assert jump.templates
    later = Photo.objects.filter(gallery=published).order_by("-pk")[0]
    photo_cull(photo=later, flag=Photo.Flag.REJECT, by=None)
    after = anna_in.get(chunk).text
    assert f'id="photo-{later.pk}"' in first.text
    assert f'id="photo-{later.pk}"' not in after
    assert after == fresh(anna_in, chunk)


def test_the_choose_by_day_passing_closes_the_kept_page(anna_in, published, photos):
    Gallery.objects.filter(pk=published.pk).update(selection_deadline=datetime.date(2026, 6, 12))
    url = page_url(published)
    with time_machine.travel(local(2026, 6, 12, 23, 50), tick=False):
        open_page = anna_in.get(url).text
        assert 'hx-post="' in open_page
    with time_machine.travel(local(2026, 6, 13, 0, 10), tick=False):
        closed = anna_in.get(url).text
    assert 'hx-post="' not in closed
    assert without_tokens(closed) != without_tokens(open_page)


def test_nobody_gets_another_viewers_page(client, published, photos, anna):
    # Two links under one name: only what each lets its guest do tells them apart.
    view_only = ShareLink.objects.create(gallery=published, label="Family", can_favorite=False)
    choosing = ShareLink.objects.create(gallery=published, label="Family", can_favorite=True)
    sign_in(client, anna)
    heart(client, published, photos[0])
    client_page = client.get(page_url(published)).text
    assert 'aria-pressed="true"' in client_page
    pages = []
    for link in (view_only, choosing, choosing):
        guest = Browser()
        open_link(guest, link)
        pages.append(guest.get(page_url(published)))
    assert 'class="fav-button' not in pages[0].text  # sees no hearts at all
    assert 'aria-pressed="true"' not in pages[1].text  # has their own, none yet
    assert 'hx-post="' in pages[1].text
    assert pages[2].templates == []  # another browser of the same link: that page, kept
    assert Browser().get(page_url(published)).status_code == 404


def test_a_guest_choosing_as_someone_else_gets_their_list_not_the_others(published, photos):
    link = ShareLink.objects.create(gallery=published, label="Tom", can_favorite=True)
    guests = [Browser(), Browser()]
    for guest, name in zip(guests, ("Tom", "Lucy"), strict=True):
        open_link(guest, link)
        guest.post(reverse("gallery:list-choose", args=[published.slug]), {"name": name})
    heart(guests[1], published, photos[2])
    toms, lucys = (guest.get(page_url(published)).text for guest in guests)
    assert "Choosing as Tom" in toms
    assert "Choosing as Lucy" in lucys
    assert f'id="fav-{photos[2].pk}" data-photo-id="{photos[2].pk}" hx-post' in lucys
    assert 'aria-pressed="true"' in lucys
    assert 'aria-pressed="true"' not in toms


def test_signing_in_shows_on_the_kept_page(client, published, anna):
    from gallery.access import gallery_link_url

    assert client.get(gallery_link_url(published)).status_code == 302  # the emailed link
    by_link = client.get(page_url(published)).text
    assert "(sign in with your email address)" in by_link
    sign_in(client, anna)
    assert "(sign in with your email address)" not in client.get(page_url(published)).text


def test_a_waiting_message_is_shown_once_and_never_kept(anna_in, published):
    url = page_url(published)
    anna_in.get(url)
    too_long = "x" * 200  # the list chooser refuses it, with a message for the next page
    anna_in.post(reverse("gallery:list-choose", args=[published.slug]), {"name": too_long})
    with_message = anna_in.get(url).text
    assert 'role="status">' in with_message.split('<main id="main"')[1][:400]
    after = anna_in.get(url).text
    assert without_tokens(after) != without_tokens(with_message)
    assert without_tokens(after) == without_tokens(fresh(anna_in, url))


def test_what_the_page_shows_changes_in_bulk_only_through_querysets_that_say_so():
    for model in page_changes.shown_models():
        assert isinstance(model.objects.all(), page_changes.ShownQuerySet), model


def test_unseen_changes_leave_the_kept_pages_alone(published, photos):
    before = page_cache._version(page_cache.GALLERY_VERSION_KEY)
    Photo.objects.filter(pk=photos[0].pk).update_unseen(processing_seen_at=None)
    with page_changes.unseen_changes():
        Photo.objects.bulk_update(photos, ["rating"])
    assert page_cache._version(page_cache.GALLERY_VERSION_KEY) == before
    Photo.objects.bulk_update(photos, ["rating"])
    assert page_cache._version(page_cache.GALLERY_VERSION_KEY) != before


def moves_waiting() -> int:
    waiting = [entry[1] for entry in connection.run_on_commit]
    key = page_cache.GALLERY_VERSION_KEY
    return sum(getattr(move, "version_key", "") == key for move in waiting)


@pytest.mark.django_db(transaction=True)
def test_a_transaction_moves_the_pages_at_once_and_once_more_when_it_commits(published, photos):
    def version() -> str:
        return page_cache._version(page_cache.GALLERY_VERSION_KEY)

    assert moves_waiting() == 0  # nothing waits outside a transaction
    with transaction.atomic():
        for photo in photos:
            seen = version()
            photo_cull(photo=photo, flag=Photo.Flag.PICK, by=None)
            assert version() != seen  # at once, for this connection's own next page
        assert moves_waiting() == 1  # one for the commit, however many changes
        committing = version()
    assert version() != committing  # moved when it committed


@pytest.mark.django_db(transaction=True)
def test_a_move_dropped_with_its_savepoint_is_registered_again(published, photos):
    with transaction.atomic():
        try:
            with transaction.atomic():
                photo_cull(photo=photos[0], flag=Photo.Flag.PICK, by=None)
                assert moves_waiting() == 1
                raise RuntimeError
        except RuntimeError:
            pass
        assert moves_waiting() == 0  # gone with its savepoint
        photo_cull(photo=photos[1], flag=Photo.Flag.PICK, by=None)
        assert moves_waiting() == 1  # so the next change waits for the commit again


def test_staff_always_get_the_page_made_afresh(client, published, staff_user):
    client.force_login(staff_user)
    for _ in range(2):
        page = client.get(page_url(published))
        assert page.status_code == 200
        assert page.templates  # made, never kept: permissions differ from one to another
