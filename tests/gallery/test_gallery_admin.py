"""A gallery's admin page is the photographer's tool: the photos as a grid with each one's
state, arranged there (order and sets), Publish and Deliver as its main buttons (asking first
when something is missing), a cover from this gallery only, money typed as money."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from gallery.models import Gallery, Photo
from gallery.photos import photo_process
from gallery.proofing import favorite_list_get_or_create, favorite_set
from gallery.selection import selection_submit
from gallery.services import gallery_create_for_booking
from tests.factories import BookingFactory, UserFactory
from tests.gallery.conftest import add, jpeg


@pytest.fixture
def owner(client, staff_user):
    client.force_login(staff_user)
    return client


def change_url(gallery) -> str:
    return reverse("admin:gallery_gallery_change", args=[gallery.pk])


def order(gallery) -> list[str]:
    return list(gallery.photos.values_list("original_name", flat=True))


def test_the_page_shows_each_photo_with_its_state(owner, published, anna):
    first, second, third = published.photos.all()
    hearts = favorite_list_get_or_create(gallery=published, name="Anna")
    favorite_set(favorite_list=hearts, photo=second, on=True)
    selection_submit(gallery_id=published.pk, favorite_list_id=hearts.pk)
    Gallery.objects.filter(pk=published.pk).update(cover=first)
    Photo.objects.filter(pk=third.pk).update(
        status=Photo.Status.FAILED,
        failure_code="other",
        failure_params={"text": "it could not be read as a photo"},
    )
    waiting = add(published, jpeg(90), "IMG_0004.JPG").photo

    page = owner.get(change_url(published)).text
    card = (
        r'<li class="photo-card[^"]*" id="photo-(\d+)"(.*?)</li>\s*(?=<li class="photo-card|</ol>)'
    )
    cards = {
        photo_id: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        for photo_id, html in re.findall(card, page, re.S)
    }
    assert list(cards) == [str(p.pk) for p in (first, second, third, waiting)]
    assert "cover" in cards[str(first.pk)]
    assert "set: Outfit 1" in cards[str(first.pk)]
    assert "♥ 1 favorite" in cards[str(second.pk)]
    assert "in the selection" in cards[str(second.pk)]
    assert "Failed: it could not be read as a photo" in cards[str(third.pk)]
    assert "not shown to the client" in cards[str(third.pk)]
    assert "Waiting to be processed" in cards[str(waiting.pk)]
    thumbnail = reverse("admin:gallery_gallery_photo", args=[published.pk, first.pk, "thumbnail"])
    assert f'<img src="{thumbnail}"' in page


def test_the_order_is_saved_by_a_post_and_the_client_sees_it(owner, published, client, ben):
    first, second, third = published.photos.all()
    others = gallery_create_for_booking(booking=BookingFactory(client=ben))
    intruder = photo_process(photo_id=add(others, jpeg(5), "BEN.JPG").photo.pk)
    url = reverse("admin:gallery_gallery_photos", args=[published.pk])

    saved = owner.post(url, {"order": f"{third.pk},{intruder.pk},{first.pk},x,{second.pk}"})

    assert saved.json() == {"placed": 3}
    assert order(published) == ["IMG_0003.JPG", "IMG_0001.JPG", "IMG_0002.JPG"]
    grid = re.findall(r'id="photo-(\d+)"', owner.get(change_url(published)).text)
    assert grid == [str(third.pk), str(first.pk), str(second.pk)]
    intruder.refresh_from_db()
    assert intruder.position is None  # another gallery's photo is left alone
    # A photo added after arranging comes after the arranged ones.
    photo_process(photo_id=add(published, jpeg(91, taken="2001:01:01 00:00:00"), "A.JPG").photo.pk)
    assert order(published)[-1] == "A.JPG"
    detail = owner.get(reverse("gallery:gallery-detail", args=[published.slug])).text
    shown = re.findall(r'alt="(IMG_000\d\.JPG|A\.JPG)"', detail)
    assert list(dict.fromkeys(shown)) == ["IMG_0003.JPG", "IMG_0001.JPG", "IMG_0002.JPG", "A.JPG"]


def test_a_photo_moves_a_place_earlier_or_later_without_any_script(owner, published):
    first, second, _third = published.photos.all()
    url = reverse("admin:gallery_gallery_photos", args=[published.pk])
    moved = owner.post(url, {"move": f"later:{first.pk}"})
    assert moved.status_code == 302
    assert moved["Location"] == change_url(published) + f"#photo-{first.pk}"
    assert order(published) == ["IMG_0002.JPG", "IMG_0001.JPG", "IMG_0003.JPG"]
    owner.post(url, {"move": f"earlier:{second.pk}"})  # already first: stays
    assert order(published) == ["IMG_0002.JPG", "IMG_0001.JPG", "IMG_0003.JPG"]
    assert owner.post(url, {"move": "sideways:1"}).status_code == 404


def test_ticked_photos_go_into_a_set_and_out_of_it(owner, published):
    first, second, third = published.photos.all()
    url = reverse("admin:gallery_gallery_photos", args=[published.pk])
    data = {"do": "set", "set_name": "  Golden\nhour ", "photo": [first.pk, third.pk]}
    assert owner.post(url, data).status_code == 302
    sets = lambda: list(published.photos.values_list("set_name", flat=True))  # noqa: E731
    assert sets() == ["Golden hour", "Outfit 1", "Golden hour"]
    owner.post(url, {"do": "unset", "photo": [second.pk]})
    assert sets() == ["Golden hour", "", "Golden hour"]
    nothing = owner.post(url, {"do": "set", "set_name": "Later"}, follow=True)
    assert "Tick the photos first." in nothing.text


def test_deleting_photos_asks_first(owner, published):
    first, second, _third = published.photos.all()
    url = reverse("admin:gallery_gallery_photos_delete", args=[published.pk])
    asked = owner.post(url, {"photo": [first.pk, second.pk]})
    assert asked.status_code == 200
    assert "Delete these photos?" in asked.text
    assert "IMG_0002.JPG" in asked.text
    assert published.photos.count() == 3
    owner.post(url, {"photo": [first.pk, second.pk], "confirm": "yes"})
    assert order(published) == ["IMG_0003.JPG"]


def test_staff_who_may_only_look_cannot_arrange(client, published, studio):
    viewer = UserFactory(username="assistant", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_gallery"))
    client.force_login(viewer)
    page = client.get(change_url(published)).text
    assert 'class="photo-grid"' in page
    assert 'name="move"' not in page
    assert 'name="do"' not in page
    first = published.photos.first()
    url = reverse("admin:gallery_gallery_photos", args=[published.pk])
    assert client.post(url, {"order": f"{first.pk}"}).status_code == 403
    assert client.post(url, {"move": f"later:{first.pk}"}).status_code == 403
    assert order(published) == ["IMG_0001.JPG", "IMG_0002.JPG", "IMG_0003.JPG"]


# --- Publish and Deliver -------------------------------------------------------------------


def act(owner, gallery, do, **extra):
    return owner.post(reverse("admin:gallery_gallery_act", args=[gallery.pk]), {"do": do, **extra})


def test_publish_is_the_draft_galleries_main_button(
    owner, gallery, eager_tasks, django_capture_on_commit_callbacks
):
    photo_process(photo_id=add(gallery, jpeg(1), "IMG_0001.JPG").photo.pk)
    page = owner.get(change_url(gallery)).text
    assert re.search(r'value="publish" class="button default">Publish and email the client<', page)
    with django_capture_on_commit_callbacks(execute=True):
        done = act(owner, gallery, "publish")
    assert done.status_code == 302
    gallery.refresh_from_db()
    assert gallery.status == Gallery.Status.PUBLISHED
    assert [m.to for m in mail.outbox] == [["Anna Kowalska <anna@example.com>"]]
    assert "1 gallery published" in owner.get(done["Location"]).text


def test_publishing_without_a_watermark_or_photos_asks_first(owner, gallery):
    Gallery.objects.filter(pk=gallery.pk).update(watermark=False)
    asked = act(owner, gallery, "publish")
    assert asked.status_code == 200
    assert "Its previews have no watermark" in asked.text
    assert "No photos are ready yet" in asked.text
    gallery.refresh_from_db()
    assert gallery.status == Gallery.Status.DRAFT
    act(owner, gallery, "publish", confirm="yes")
    gallery.refresh_from_db()
    assert gallery.status == Gallery.Status.PUBLISHED


def finals(gallery):
    photo = add(gallery, jpeg(30), "FINAL_0001.JPG").photo
    Photo.objects.filter(pk=photo.pk).update(kind=Photo.Kind.FINAL)
    return photo_process(photo_id=photo.pk)


def test_delivering_before_the_client_chose_asks_first(owner, published):
    nothing = act(owner, published, "deliver")  # no finished photos: said at once
    said = owner.get(nothing["Location"]).text
    assert "This gallery has no finished photos ready yet" in said  # one, from its page
    assert "1 gallery has" not in said
    finals(published)
    page = owner.get(change_url(published)).text
    assert "Deliver the finished photos" in page
    asked = act(owner, published, "deliver")
    assert asked.status_code == 200
    assert "The client has not sent their selection" in asked.text
    published.refresh_from_db()
    assert (published.status, published.downloads_allowed) == (Gallery.Status.PUBLISHED, False)
    done = act(owner, published, "deliver", confirm="yes")
    published.refresh_from_db()
    assert (published.status, published.downloads_allowed) == (Gallery.Status.DELIVERED, True)
    assert "Delivered; the client is being emailed." in owner.get(done["Location"]).text


def test_delivering_asks_first_while_the_extra_photos_are_owed_to_the_studio(
    owner, published, anna
):
    from gallery.proofing import favorite_list_get_or_create, favorite_set
    from gallery.selection import selection_submit

    finals(published)
    chosen = favorite_list_get_or_create(gallery=published, name="Anna")
    for photo in published.photos.filter(kind=Photo.Kind.PROOF):
        favorite_set(favorite_list=chosen, photo=photo, on=True)
    selection_submit(gallery_id=published.pk, favorite_list_id=chosen.pk)  # payments off
    asked = act(owner, published, "deliver")
    assert asked.status_code == 200
    assert "The extra photos the client chose (£15.00) are not paid yet" in asked.text


def test_delivering_after_the_selection_goes_straight_through(owner, published):
    finals(published)
    hearts = favorite_list_get_or_create(gallery=published, name="Anna")
    favorite_set(favorite_list=hearts, photo=published.photos.first(), on=True)
    selection_submit(gallery_id=published.pk, favorite_list_id=hearts.pk)
    assert act(owner, published, "deliver").status_code == 302
    published.refresh_from_db()
    assert published.status == Gallery.Status.DELIVERED


def test_the_list_action_asks_first_too(owner, published):
    finals(published)
    changelist = reverse("admin:gallery_gallery_changelist")
    data = {"action": "deliver", "_selected_action": [published.pk]}
    asked = owner.post(changelist, data)
    assert asked.status_code == 200
    assert "The client has not sent their selection" in asked.text
    published.refresh_from_db()
    assert published.status == Gallery.Status.PUBLISHED
    owner.post(changelist, {**data, "post": "yes"})
    published.refresh_from_db()
    assert published.status == Gallery.Status.DELIVERED


# --- The form --------------------------------------------------------------------------------


def form_data(gallery, **changes) -> dict:
    data = {
        "title": gallery.title,
        "favorites_limit": gallery.favorites_limit,
        "extra_image_price": "15.00",
        "watermark": "on",
        "share_links-TOTAL_FORMS": "0",
        "share_links-INITIAL_FORMS": "0",
        "people-TOTAL_FORMS": "0",
        "people-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_cover_is_chosen_among_this_gallerys_own_photos_only(owner, published, ben):
    others = gallery_create_for_booking(booking=BookingFactory(client=ben))
    bens = photo_process(photo_id=add(others, jpeg(5), "BEN_PRIVATE.JPG").photo.pk)
    page = owner.get(change_url(published)).text
    cover_field = re.search(r'<select name="cover".*?</select>', page, re.S).group()
    assert "IMG_0001.JPG" in cover_field
    assert "BEN_PRIVATE.JPG" not in cover_field

    refused = owner.post(change_url(published), form_data(published, cover=bens.pk))
    assert refused.status_code == 200
    assert "cover" in refused.context["adminform"].form.errors
    published.refresh_from_db()
    assert published.cover is None

    mine = published.photos.last()
    saved = owner.post(change_url(published), form_data(published, cover=mine.pk))
    assert saved.status_code == 302
    published.refresh_from_db()
    assert published.cover == mine


def test_the_cover_is_the_hero_of_the_clients_gallery(client, published, anna):
    from tests.gallery.conftest import page_url, sign_in

    cover = published.photos.last()
    Gallery.objects.filter(pk=published.pk).update(cover=cover)
    sign_in(client, anna)
    page = client.get(page_url(published)).text
    hero = re.search(r'<figure class="gallery-hero.*?</figure>', page, re.S).group()
    preview = reverse("gallery:photo-file", args=[published.slug, cover.pk, "preview"])
    assert f'src="{preview}"' in hero
    assert client.get(preview).status_code == 200


def test_a_cover_rejected_in_the_cull_is_kept_and_the_studio_is_told(owner, published, anna):
    from django.test import Client

    from tests.gallery.conftest import page_url, sign_in

    first, _second, cover = published.photos.all()
    Gallery.objects.filter(pk=published.pk).update(cover=cover)
    act = reverse("admin:gallery_gallery_cull_act", args=[published.pk])
    rejected = owner.post(act, {"do": "reject", "photo": cover.pk}).json()
    assert "That photo is the gallery's cover" in rejected["notice"]
    assert "notice" not in owner.post(act, {"do": "reject", "photo": first.pk}).json()
    owner.post(act, {"do": "restore", "photo": first.pk})

    def hero() -> str:
        guest = Client()
        sign_in(guest, anna)
        page = guest.get(page_url(published)).text
        return re.search(r'<figure class="gallery-hero.*?</figure>', page, re.S).group()

    def preview(photo) -> str:
        return reverse("gallery:photo-file", args=[published.slug, photo.pk, "preview"])

    assert preview(first) in hero()  # the client never sees a reject, not even as the hero
    page = owner.get(change_url(published)).text
    cover_field = re.search(r'<select name="cover".*?</select>', page, re.S).group()
    assert re.search(r"selected>IMG_0003.JPG \(Outfit 2\): rejected in the cull<", cover_field)
    assert "This cover is rejected in the cull" in page
    # Saving the page for something else keeps the cover: restoring it shows it again.
    saved = owner.post(change_url(published), form_data(published, cover=cover.pk, title="Anna"))
    assert saved.status_code == 302
    published.refresh_from_db()
    assert (published.title, published.cover) == ("Anna", cover)
    owner.post(act, {"do": "restore", "photo": cover.pk})
    assert preview(cover) in hero()
    # Another rejected photo can't be made the cover.
    owner.post(act, {"do": "reject", "photo": first.pk})
    refused = owner.post(change_url(published), form_data(published, cover=first.pk))
    assert "cover" in refused.context["adminform"].form.errors


def test_the_price_per_extra_image_is_typed_as_money(owner, gallery):
    page = owner.get(change_url(gallery)).text
    assert re.search(r'name="extra_image_price" value="15.00"', page)
    saved = owner.post(change_url(gallery), form_data(gallery, extra_image_price="25.00"))
    assert saved.status_code == 302, saved.context and saved.context["adminform"].form.errors
    gallery.refresh_from_db()
    assert gallery.extra_image_price == 2500
    refused = owner.post(change_url(gallery), form_data(gallery, extra_image_price="2.505"))
    assert refused.status_code == 200
    gallery.refresh_from_db()
    assert gallery.extra_image_price == 2500


def test_the_page_warns_when_previews_go_out_unmarked(owner, gallery, studio):
    page = owner.get(change_url(gallery)).text
    assert "Previews are marked with your studio's name, “Lumen Portraits”." in page
    Gallery.objects.filter(pk=gallery.pk).update(watermark=False)
    page = owner.get(change_url(gallery)).text
    assert "Watermark off: this gallery's previews go to the client unmarked." in page
