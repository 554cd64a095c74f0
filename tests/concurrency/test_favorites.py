"""The same photo hearted from several tabs at the same moment: one list, one favorite, and
every tab told it is a favorite (no 500)."""

import io
import threading

import pytest
from django.db import connection
from django.test import Client as Browser
from django.urls import reverse

from clients.views import CLIENT_SESSION_KEY
from gallery.models import Favorite, FavoriteList, Gallery
from gallery.photos import photo_add, photo_process
from gallery.sample_images import camera_like, jpeg_bytes
from gallery.services import gallery_create_for_booking
from tests.factories import BookingFactory

TABS = 8


@pytest.mark.django_db(transaction=True)
def test_tabs_hearting_one_photo_at_once_make_one_favorite(studio, anna):
    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
    data = jpeg_bytes(camera_like(600, 400, seed=3))
    photo = photo_add(gallery=gallery, stream=io.BytesIO(data), name="a.jpg", size=len(data)).photo
    photo_process(photo_id=photo.pk)
    Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.PUBLISHED)
    first = Browser()
    session = first.session
    session[CLIENT_SESSION_KEY] = anna.pk
    session.save()
    url = reverse("gallery:favorite-set", args=[gallery.slug, photo.pk])
    start = threading.Barrier(TABS)
    answers: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def tab():
        browser = Browser()
        browser.cookies = first.cookies  # one person, one browser, several tabs
        try:
            start.wait()
            answer = browser.post(url, {"on": "1"}, HTTP_HX_REQUEST="true")
            answers.append((answer.status_code, 'aria-pressed="true"' in answer.text))
        except BaseException as error:  # a 500 in the making
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=tab) for _ in range(TABS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert answers == [(200, True)] * TABS
    assert FavoriteList.objects.count() == 1
    assert Favorite.objects.count() == 1
