"""A share link's guests choose into lists of their own: never the client's or another
guest's, whatever name they type, and only a few of them."""

from django.test import Client
from django.urls import reverse

from gallery.models import FavoriteList, ShareLink
from gallery.proofing import GUEST_LISTS_MAX
from tests.gallery.conftest import heart, page_url, sign_in


def guest_of(published, label="Tom") -> tuple[Client, ShareLink]:
    link = ShareLink.objects.create(gallery=published, label=label, can_favorite=True)
    browser = Client()
    browser.get(reverse("gallery:share-open", args=[link.token]))
    return browser, link


def choose_as(browser, gallery, name):
    return browser.post(reverse("gallery:list-choose", args=[gallery.slug]), {"name": name})


def hearts(favorite_list) -> set[int]:
    return set(favorite_list.favorites.values_list("photo_id", flat=True))


def test_a_guest_typing_the_clients_list_name_gets_a_list_of_their_own(
    client, published, photos, anna
):
    sign_in(client, anna)
    heart(client, published, photos[0])
    annas = FavoriteList.objects.get(share_link=None)
    assert annas.name == "Anna"

    tom, link = guest_of(published)
    choose_as(tom, published, "anna")
    heart(tom, published, photos[1])
    heart(tom, published, photos[0], on=False)  # un-hearting in "their" Anna changes nothing

    assert hearts(annas) == {photos[0].pk}
    toms = FavoriteList.objects.get(share_link=link)
    assert toms.name == "anna"
    assert hearts(toms) == {photos[1].pk}
    page = tom.get(page_url(published)).text
    assert "Choosing as anna" in page
    compare = client.get(reverse("gallery:gallery-compare", args=[published.slug])).text
    assert "anna (guest)" in compare


def test_a_guest_never_chooses_into_a_list_picked_for_another_browser(
    client, published, photos, anna
):
    sign_in(client, anna)
    heart(client, published, photos[0])
    annas = FavoriteList.objects.get(share_link=None)
    tom, link = guest_of(published)
    session = tom.session
    session[f"gallery-list-{published.pk}"] = annas.pk  # a forged choice
    session.save()
    heart(tom, published, photos[2])
    assert hearts(annas) == {photos[0].pk}
    assert hearts(FavoriteList.objects.get(share_link=link)) == {photos[2].pk}


def test_two_guests_keep_apart_even_under_one_name(published, photos):
    tom, toms_link = guest_of(published, "Tom")
    eva, evas_link = guest_of(published, "Eva")
    choose_as(tom, published, "Grandad")
    heart(tom, published, photos[0])
    choose_as(eva, published, "Grandad")
    heart(eva, published, photos[1])
    assert hearts(FavoriteList.objects.get(share_link=toms_link)) == {photos[0].pk}
    assert hearts(FavoriteList.objects.get(share_link=evas_link)) == {photos[1].pk}


def test_a_guest_keeps_a_few_lists_and_is_told_so_past_them(published, photos):
    tom, link = guest_of(published)
    for name in ["Tom", "Mum", "Dad"]:
        choose_as(tom, published, name)
    refused = choose_as(tom, published, "Uncle Bob")
    page = tom.get(refused["Location"]).text
    assert f"You can keep up to {GUEST_LISTS_MAX} favorites lists" in page
    assert FavoriteList.objects.filter(share_link=link).count() == GUEST_LISTS_MAX
    choose_as(tom, published, "mum")  # going back to one of theirs still works
    heart(tom, published, photos[0])
    assert hearts(FavoriteList.objects.get(share_link=link, name="Mum")) == {photos[0].pk}
    # The client's own lists are not capped.
    assert not FavoriteList.objects.filter(share_link=None).exists()
