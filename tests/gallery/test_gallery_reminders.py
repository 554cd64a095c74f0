"""Gallery reminders through time: favorites not sent a week after the gallery opened, and a
gallery closing within a week; once each, never at night, and not once they no longer apply."""

import datetime

import pytest
from django.core import mail

from gallery.models import FavoriteList, Gallery
from gallery.selection import selection_submit
from tests.gallery.conftest import heart, local, sign_in


@pytest.fixture
def opened(published):
    Gallery.objects.filter(pk=published.pk).update(published_at=local(2026, 6, 1, 10))
    published.refresh_from_db()
    return published


def test_favorites_not_sent_after_a_week_get_one_friendly_nudge(opened, scan):
    assert scan(local(2026, 6, 8, 9, 55)) == []
    assert scan(local(2026, 6, 8, 10, 5)) == ["Your favorites are waiting"]
    assert scan(local(2026, 6, 9, 10, 5)) == []
    assert "Review and send my selection" in mail.outbox[-1].body
    assert mail.outbox[-1].to == ["Anna Kowalska <anna@example.com>"]


def test_a_sent_selection_needs_no_nudge(opened, photos, client, anna, scan):
    sign_in(client, anna)
    heart(client, opened, photos[0])
    selection_submit(gallery_id=opened.pk, favorite_list_id=FavoriteList.objects.get().pk)
    assert scan(local(2026, 6, 8, 10, 5)) == []


def test_a_gallery_closing_within_a_week_says_so_once_and_again_if_extended(opened, scan):
    Gallery.objects.filter(pk=opened.pk).update(
        expires_on=datetime.date(2026, 6, 30), published_at=None
    )
    assert scan(local(2026, 6, 23, 12)) == []
    assert scan(local(2026, 6, 24, 7)) == []  # due at midnight: held until the morning
    assert scan(local(2026, 6, 24, 8, 5)) == ["Your gallery closes on Tuesday 30 June"]
    assert scan(local(2026, 6, 25, 12)) == []
    Gallery.objects.filter(pk=opened.pk).update(expires_on=datetime.date(2026, 7, 31))
    assert scan(local(2026, 7, 1, 12)) == []
    assert scan(local(2026, 7, 25, 12)) == ["Your gallery closes on Friday 31 July"]
    assert scan(local(2026, 8, 2, 12)) == []  # closed


def test_nothing_goes_out_at_night(opened, scan):
    assert scan(local(2026, 6, 8, 22)) == []
    assert scan(local(2026, 6, 9, 8, 1)) == ["Your favorites are waiting"]
