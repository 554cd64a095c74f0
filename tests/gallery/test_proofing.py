"""The client's proofing gallery: who may open it, the grid, favorites within the package,
household lists and comments. Ben tries every one of Anna's URLs."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from gallery.access import gallery_link_url
from gallery.models import Comment, Favorite, FavoriteList, Gallery, Photo
from gallery.proofing import SelectionLocked, favorite_list_get_or_create, favorite_set
from gallery.selection import selection_submit
from gallery.services import gallery_create_for_booking
from tests.factories import BookingFactory
from tests.gallery.conftest import heart, page_url, sign_in


def test_the_signed_in_client_and_staff_see_the_gallery_and_nobody_else_does(
    client, published, anna, ben, staff_user
):
    assert client.get(page_url(published)).status_code == 404  # nobody signed in
    sign_in(client, ben)
    assert client.get(page_url(published)).status_code == 404
    sign_in(client, anna)
    page = client.get(page_url(published))
    assert page.status_code == 200
    assert "IMG_0001.JPG" in page.text
    client.logout()
    client.force_login(staff_user)
    assert client.get(page_url(published)).status_code == 200


def test_a_draft_is_for_the_studio_only(client, gallery, anna, staff_user):
    sign_in(client, anna)
    assert client.get(page_url(gallery)).status_code == 404
    client.force_login(staff_user)
    assert client.get(page_url(gallery)).status_code == 200


def test_the_emailed_link_opens_this_gallery_at_an_address_without_the_token(
    client, published, anna, studio
):
    link = gallery_link_url(published)
    opened = client.get(link)
    assert opened.status_code == 302
    assert opened["Location"] == page_url(published)
    assert opened["Referrer-Policy"] == "no-referrer"
    assert client.get(page_url(published)).status_code == 200
    # The link opens its own gallery only, and a changed one opens nothing.
    other = gallery_create_for_booking(booking=BookingFactory(client=anna))
    Gallery.objects.filter(pk=other.pk).update(status=Gallery.Status.PUBLISHED)
    assert client.get(page_url(other)).status_code == 404
    assert client.get(link[:-3] + "abc/").status_code == 404


def test_ben_reaches_none_of_annas_gallery_by_id_or_by_address(client, published, photos, ben):
    photo = photos[0]
    bens = gallery_create_for_booking(booking=BookingFactory(client=ben))
    Gallery.objects.filter(pk=bens.pk).update(status=Gallery.Status.PUBLISHED)
    sign_in(client, ben)
    assert client.get(page_url(bens)).status_code == 200  # his own
    for slug in (published.slug, bens.slug):  # Anna's gallery, and Anna's photo in his
        for kind in ("thumbnail", "preview"):
            url = reverse("gallery:photo-file", args=[slug, photo.pk, kind])
            assert client.get(url).status_code == 404, url
        comments = reverse("gallery:photo-comments", args=[slug, photo.pk])
        assert client.get(comments).status_code == 404
        assert client.post(comments, {"body": "Mine now"}).status_code == 404
        assert heart(client, Gallery(slug=slug), photo).status_code == 404
    lists = reverse("gallery:list-choose", args=[published.slug])
    assert client.post(lists, {"name": "Ben"}).status_code == 404
    assert not Favorite.objects.exists()
    assert not Comment.objects.exists()
    assert not FavoriteList.objects.exists()


def test_originals_are_never_served_to_clients(client, published, photos, anna):
    sign_in(client, anna)
    original = f"{page_url(published)}photos/{photos[0].pk}/original/"
    assert client.get(original).status_code == 404
    page = client.get(page_url(published)).text
    assert photos[0].original.name not in page
    preview = client.get(
        reverse("gallery:photo-file", args=[published.slug, photos[0].pk, "preview"])
    )
    assert preview.status_code == 200
    assert b"".join(preview.streaming_content) == photos[0].preview.read()
    assert preview["Cache-Control"] == "private, max-age=3600"


def test_gallery_pages_are_private_and_not_indexed(client, published, anna):
    sign_in(client, anna)
    page = client.get(page_url(published))
    assert page["Cache-Control"] == "private, no-cache"
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in page.text
    assert page["Referrer-Policy"] == "same-origin"


def counter(response) -> str:
    match = re.search(r'<div id="selection-counter".*?</div>', response.text, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


def test_favorites_beyond_the_package_are_allowed_and_priced_live(client, published, photos, anna):
    sign_in(client, anna)
    assert counter(client.get(page_url(published))) == "0 of 2 included"
    answers = [heart(client, published, photo) for photo in photos]
    assert [counter(answer) for answer in answers] == [
        "1 of 2 included",
        "2 of 2 included",
        "3 chosen · 2 included · 1 extra photo: £15.00",
    ]
    assert 'aria-pressed="true"' in answers[0].text
    assert 'hx-swap-oob="true"' in answers[0].text
    # The first heart made Anna's own list, named for her.
    assert list(FavoriteList.objects.values_list("name", flat=True)) == ["Anna"]
    unhearted = heart(client, published, photos[2], on=False)
    assert counter(unhearted) == "2 of 2 included"
    assert 'aria-pressed="false"' in unhearted.text


def test_the_same_heart_twice_is_one_favorite(published, photos):
    favorites = favorite_list_get_or_create(gallery=published, name="Anna")
    assert favorite_set(favorite_list=favorites, photo=photos[0], on=True) is True
    assert favorite_set(favorite_list=favorites, photo=photos[0], on=True) is True
    assert Favorite.objects.count() == 1


def test_favorites_only_shows_the_hearted_photos(client, published, photos, anna):
    sign_in(client, anna)
    heart(client, published, photos[1])
    page = client.get(page_url(published) + "?show=favorites")
    assert "IMG_0002.JPG" in page.text
    assert "IMG_0001.JPG" not in page.text
    assert "Show all photos" in page.text


def test_a_submitted_selection_locks_the_hearts(client, published, photos, anna):
    sign_in(client, anna)
    heart(client, published, photos[0])
    submitted = selection_submit(
        gallery_id=published.pk, favorite_list_id=FavoriteList.objects.get().pk
    )
    published.refresh_from_db()
    answer = heart(client, published, photos[1])
    assert "your favorites are locked" in answer.text
    assert Favorite.objects.count() == 1
    with pytest.raises(SelectionLocked):
        favorite_set(favorite_list=submitted.favorite_list, photo=photos[1], on=True)
    page = client.get(page_url(published))
    assert "Your selection was sent to the studio" in page.text
    assert "hx-post" not in re.search(r'<li class="photo-tile.*?</li>', page.text, re.S).group(0)


def test_each_person_in_a_household_keeps_their_own_favorites(client, published, photos, anna):
    sign_in(client, anna)
    heart(client, published, photos[0])
    client.post(reverse("gallery:list-choose", args=[published.slug]), {"name": "  Grandma "})
    heart(client, published, photos[1])
    heart(client, published, photos[2])
    page = client.get(page_url(published))
    assert "Choosing as Grandma" in page.text
    assert counter(page) == "2 of 2 included"
    chosen = {
        name: sorted(
            Favorite.objects.filter(favorite_list__name=name).values_list("photo_id", flat=True)
        )
        for name in ("Anna", "Grandma")
    }
    assert chosen == {"Anna": [photos[0].pk], "Grandma": [photos[1].pk, photos[2].pk]}
    client.post(reverse("gallery:list-choose", args=[published.slug]), {"name": "anna"})
    assert counter(client.get(page_url(published))) == "1 of 2 included"
    assert FavoriteList.objects.count() == 2  # "anna" is Anna's list, not a new one


def test_comments_reach_the_studio_and_a_blank_one_keeps_the_box_open(
    client, published, photos, anna
):
    sign_in(client, anna)
    url = reverse("gallery:photo-comments", args=[published.slug, photos[0].pk])
    blank = client.post(url, {"body": "   "})
    assert "Write a few words first." in blank.text
    too_long = client.post(url, {"body": "x" * 2001})
    assert "please keep it under 2000 characters" in too_long.text
    assert "x" * 2001 in too_long.text  # what was typed is kept
    sent = client.post(url, {"body": "Could you soften the background <here>?"})
    assert "Could you soften the background &lt;here&gt;?" in sent.text
    comment = Comment.objects.get()
    assert (comment.author_name, comment.from_studio, comment.photo) == (
        "Anna Kowalska",
        False,
        photos[0],
    )
    tile = re.search(
        rf'<li class="photo-tile[^"]*" id="photo-{photos[0].pk}">.*?</li>',
        client.get(page_url(published)).text,
        re.S,
    ).group(0)
    assert re.search(r"</svg> 1<span class=\"visually-hidden\"> comment</span>", tile)


def test_an_expired_gallery_says_so_kindly(client, published, photos, anna, studio):
    published.expires_on = timezone.localdate() - datetime.timedelta(days=1)
    published.save()
    sign_in(client, anna)
    page = client.get(page_url(published))
    assert page.status_code == 410
    assert "This gallery has closed" in page.text
    assert "IMG_0001" not in page.text
    preview = reverse("gallery:photo-file", args=[published.slug, photos[0].pk, "preview"])
    assert client.get(preview).status_code == 404


def test_a_thousand_photo_gallery_renders_in_ten_queries_and_its_chunks_in_seven(
    client, published, anna, django_assert_max_num_queries
):
    template = published.photos.first()
    Photo.objects.bulk_create(
        Photo(
            gallery=published,
            set_name=f"Set {n % 4}",
            original=f"galleries/x/{n}/original.jpg",
            original_name=f"DSC_{n:04d}.JPG",
            sha256=f"{n:064x}",
            size=1,
            status=Photo.Status.READY,
            preview=template.preview.name,
            thumbnail=template.thumbnail.name,
            width=6000,
            height=4000,
            colour="#aabbcc",
        )
        for n in range(1000)
    )
    favorites = favorite_list_get_or_create(gallery=published, name="Anna")
    for photo in published.photos.all()[:30]:
        favorite_set(favorite_list=favorites, photo=photo, on=True)
        Comment.objects.create(photo=photo, author_name="Anna", body="Lovely")
    sign_in(client, anna)
    with django_assert_max_num_queries(10):
        page = client.get(page_url(published))
    texts = [page.text.split("<main", 1)[1]]
    while more := re.search(r'data-more="([^"]+)"', texts[-1]):
        with django_assert_max_num_queries(7):
            texts.append(client.get(html.unescape(more[1])).text)
    assert sum(text.count('class="photo-tile') for text in texts) == 1003
    assert sum(text.count('aria-pressed="true"') for text in texts) == 30
    assert 'width="400" height="267"' in texts[-1]  # true shape, so no layout jumps
    assert not any("original" in re.sub(r"DSC_\d+|IMG_\d+", "", text) for text in texts)


def test_the_studio_replies_under_the_photo_and_the_client_sees_it(
    client, published, photos, anna, staff_user
):
    url = reverse("gallery:photo-comments", args=[published.slug, photos[0].pk])
    sign_in(client, anna)
    client.post(url, {"body": "Softer background?"})
    client.logout()
    client.force_login(staff_user)
    client.post(url, {"body": "Of course, we'll do that."})
    client.logout()
    sign_in(client, anna)
    thread = client.get(url).text
    assert thread.index("Softer background?") < thread.index("Of course, we&#x27;ll do that.")
    assert [c.from_studio for c in Comment.objects.order_by("pk")] == [False, True]
    assert 'class="comment from-studio"' in thread
    studio_name = Comment.objects.get(from_studio=True).author_name  # "Lumen Portraits"
    assert f'<strong>{studio_name}</strong> <span class="badge' in thread  # said it's them
    Comment.objects.filter(from_studio=True).update(author_name="Northlight Portrait Studio")
    thread = client.get(url).text
    assert "Northlight Portrait Studio</strong> <span" not in thread  # not "Studio studio"


def test_a_view_only_assistant_reads_the_comments_but_cannot_answer(
    client, published, photos, anna
):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    assistant = UserFactory(username="assistant", is_staff=True)
    assistant.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    url = reverse("gallery:photo-comments", args=[published.slug, photos[0].pk])
    sign_in(client, anna)
    client.post(url, {"body": "Softer background?"})
    client.logout()
    client.force_login(assistant)
    thread = client.get(url).text
    assert "Softer background?" in thread
    assert "Send comment" not in thread
    assert client.post(url, {"body": "Sure!"}).status_code == 403
    assert Comment.objects.count() == 1
