"""The client's gallery comes a screenful at a time: the page renders the first chunk of
proofs, "More photos" (a plain link, made into scrolling by gallery.js) brings the next from
the chunk address, under the page's own rules; the queries and the page's size stay the same
however many photos there are."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from gallery.models import Comment, Gallery, Photo, ShareLink
from gallery.proofing import favorite_list_get_or_create, favorite_set
from gallery.selectors import grid_chunk, grid_sets
from gallery.tiles import PhotoUrls, TileLook, grid_sections
from gallery.views import CHUNK, _proofs
from tests.gallery.conftest import page_url, proofs_add, sign_in
from tests.gallery.test_share_links import open_link


def names(text: str) -> list[str]:
    return re.findall(r'<a class="photo-open"[^>]* data-name="([^"]+)"', text)


def more_link(text: str) -> tuple[str, str] | None:
    """The "More photos" link's address without JavaScript and its chunk's address."""
    found = re.search(r'<a class="[^"]*" href="([^"]+)" data-more="([^"]+)"', text)
    return (html.unescape(found[1]), html.unescape(found[2])) if found else None


def walk(client, gallery: Gallery, query: str = "") -> list[str]:
    """Every page of tiles the page and its chunks give, one list of pages."""
    page = client.get(page_url(gallery) + query)
    assert page.status_code == 200
    pages = [page.text]
    while link := more_link(pages[-1]):
        chunk = client.get(link[1])
        assert chunk.status_code == 200
        pages.append(chunk.text)
    return pages


@pytest.fixture
def big(published) -> Gallery:
    """Anna's gallery with 300 more proofs, the first and the 100th her favorites."""
    photos = proofs_add(published, 300)
    hearts = favorite_list_get_or_create(gallery=published, name="Anna")
    for photo in (photos[0], photos[100]):
        favorite_set(favorite_list=hearts, photo=photo, on=True)
    Comment.objects.create(photo=photos[100], author_name="Anna", body="Lovely")
    return published


def test_the_page_shows_a_screenful_and_the_chunks_bring_every_photo_once_set_by_set(
    client, big, anna
):
    sign_in(client, anna)
    pages = walk(client, big)
    assert len(names(pages[0])) == CHUNK
    shown = [name for text in pages for name in names(text)]
    by_set: dict[str, list[str]] = {}  # the whole grid as the page once rendered it
    for photo in big.photos.all():
        by_set.setdefault(photo.set_name, []).append(photo.original_name)
    assert shown == [name for set_names in by_set.values() for name in set_names]
    assert len(shown) == 303
    assert sum(text.count('aria-pressed="true"') for text in pages) == 2
    assert sum(text.count(' 1<span class="visually-hidden"> comment</span>') for text in pages) == 1


def test_without_javascript_more_photos_opens_the_next_screenful(client, big, anna):
    sign_in(client, anna)
    first = client.get(page_url(big)).text
    plain, chunk = more_link(first)
    assert plain == f"?start={CHUNK}"
    assert chunk == reverse("gallery:photo-list", args=[big.slug]) + f"?start={CHUNK}"
    following = client.get(page_url(big) + plain).text
    assert "<h1" in following  # a whole page, with its heading and toolbar
    assert names(following) == names(client.get(chunk).text)
    assert not set(names(following)) & set(names(first))


def test_a_set_not_on_the_page_is_reached_by_its_link(client, big, anna):
    sign_in(client, anna)
    page = client.get(page_url(big)).text
    jumps = re.findall(r'<a href="([^"]+)" data-start="(\d+)">(Set \d)</a>', page)
    assert [name for _, _, name in jumps] == ["Set 4", "Set 3", "Set 2", "Set 1"]
    assert jumps[0][0] == "#set-1"  # on the page
    last_href, last_start, _ = jumps[-1]
    assert last_href == f"?start={last_start}#set-4"
    there = client.get(page_url(big) + html.unescape(last_href).split("#")[0]).text
    assert 'id="set-4"' in there
    assert names(there)[0] == "DSC_0225.JPG"  # the set's first photo


def test_favorites_only_and_a_person_keep_their_filter_from_chunk_to_chunk(client, published, anna):
    photos = proofs_add(published, 200)
    hearts = favorite_list_get_or_create(gallery=published, name="Anna")
    for photo in photos[::3]:
        favorite_set(favorite_list=hearts, photo=photo, on=True)
    sign_in(client, anna)
    pages = walk(client, published, "?show=favorites")
    assert "show=favorites" in more_link(pages[0])[1]
    shown = {name for text in pages for name in names(text)}
    assert shown == {photo.original_name for photo in photos[::3]}


@pytest.mark.parametrize("count", [10, 300])
def test_the_page_and_a_chunk_take_the_same_queries_whatever_the_size(
    client, published, anna, count, django_assert_max_num_queries
):
    photos = proofs_add(published, count)
    hearts = favorite_list_get_or_create(gallery=published, name="Anna")
    for photo in photos[:5]:
        favorite_set(favorite_list=hearts, photo=photo, on=True)
        Comment.objects.create(photo=photo, author_name="Anna", body="Lovely")
    sign_in(client, anna)
    with django_assert_max_num_queries(10):
        page = client.get(page_url(published))
    assert len(names(page.text)) == min(count + 3, CHUNK)
    with django_assert_max_num_queries(7):
        chunk = client.get(reverse("gallery:photo-list", args=[published.slug]), {"start": 5})
    assert len(names(chunk.text)) == min(count + 3 - 5, CHUNK)


def test_a_thousand_photos_weigh_under_150_kb_of_html(client, published, anna):
    proofs_add(published, 1000)
    sign_in(client, anna)
    page = client.get(page_url(published))
    assert len(page.content) < 150_000
    assert "1003 photos" in page.text


def test_photo_addresses_are_the_ones_reverse_gives(client, big, anna):
    sign_in(client, anna)
    text = client.get(reverse("gallery:photo-list", args=[big.slug]), {"start": 60}).text
    photo = Photo.objects.get(original_name=names(text)[0])
    tile = re.search(rf'<li class="photo-tile[^"]*" id="photo-{photo.pk}">.*?</li>', text)[0]
    for kind in ("thumbnail", "preview"):
        assert reverse("gallery:photo-file", args=[big.slug, photo.pk, kind]) in tile
    assert reverse("gallery:favorite-set", args=[big.slug, photo.pk]) in tile
    assert reverse("gallery:photo-comments", args=[big.slug, photo.pk]) in tile


def test_chunks_are_for_those_who_may_open_the_gallery_only(client, big, anna, ben, staff_user):
    url = reverse("gallery:photo-list", args=[big.slug])
    assert client.get(url).status_code == 404  # a visitor
    sign_in(client, ben)
    assert client.get(url).status_code == 404
    sign_in(client, anna)
    chunk = client.get(url, {"start": 96})
    assert chunk.status_code == 200
    assert "private" in chunk["Cache-Control"]
    assert chunk["X-Robots-Tag"] == "noindex, nofollow"
    big.expires_on = timezone.localdate() - datetime.timedelta(days=1)
    big.save()
    assert client.get(url).status_code == 404
    client.logout()
    client.force_login(staff_user)
    assert len(names(client.get(url, {"start": 96}).text)) == CHUNK


def test_a_guest_gets_in_a_chunk_what_their_link_allows(client, big):
    url = reverse("gallery:photo-list", args=[big.slug])
    open_link(client, ShareLink.objects.create(gallery=big, label="Grandma"))
    only_looking = client.get(url, {"start": 96, "show": "favorites"}).text
    assert len(names(only_looking)) == CHUNK  # no favorites of theirs to filter by
    for hidden in ("fav-button", "comment-count", "data-comments"):
        assert hidden not in only_looking
    client.cookies.clear()
    open_link(client, ShareLink.objects.create(gallery=big, label="Tom", can_favorite=True))
    choosing = client.get(url, {"start": 96}).text
    assert choosing.count("hx-post") == CHUNK
    assert 'aria-pressed="true"' not in choosing  # Anna's hearts are hers
    assert "comment-count" in choosing  # the link lets Tom read the comments


def test_a_name_with_an_ampersand_and_an_apostrophe_is_read_out_once_escaped(
    client, published, anna
):
    photo = proofs_add(published, 1)[0]
    Photo.objects.filter(pk=photo.pk).update(original_name="O'Brien & Co.jpg")
    sign_in(client, anna)
    page = client.get(page_url(published)).text
    assert 'aria-label="Favorite O&#x27;Brien &amp; Co.jpg"' in page


def test_a_photo_moved_to_a_new_set_between_the_two_reads_is_left_for_the_next_page(big):
    photos = _proofs(big)
    sets = grid_sets(photos)
    moved = photos.first()
    Photo.objects.filter(pk=moved.pk).update(set_name="Made a moment ago")
    rows = grid_chunk(
        photos, sets=sets, start=0, stop=CHUNK, favorite_list=None, with_comments=False
    )
    look = TileLook(urls=PhotoUrls(big.slug), hearts=False, can_favorite=False, comments=False)
    tiles = "".join(section["tiles"] for section in grid_sections(look, rows, sets=sets))
    assert f'data-photo-id="{moved.pk}"' not in tiles
    assert tiles.count('class="photo-open"') == len(rows) - 1
