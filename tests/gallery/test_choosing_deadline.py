"""The "choose favorites by" day: the client is reminded three days and one day before it,
once each; after the end of that day in the studio's time zone favorites lock (hearts and
sending refused, saying why); the studio moves the day in the admin to open them again, and
the client is told."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse

from gallery.models import Favorite, Gallery, Selection
from gallery.selection import SelectionRefused, selection_submit
from tests.gallery.conftest import heart, local, page_url, sign_in
from tests.gallery.test_pipeline import admin_form_data


@pytest.fixture
def due_12_june(published):
    Gallery.objects.filter(pk=published.pk).update(
        selection_deadline=datetime.date(2026, 6, 12), published_at=local(2026, 6, 1, 10)
    )
    published.refresh_from_db()
    return published


def hearted(gallery) -> set[int]:
    return set(
        Favorite.objects.filter(favorite_list__gallery=gallery).values_list("photo_id", flat=True)
    )


def test_favorites_lock_after_the_day_and_moving_it_in_the_admin_opens_them_again(
    client, due_12_june, photos, anna, staff_user, run_tasks
):
    gallery = due_12_june
    sign_in(client, anna)
    with time_machine.travel(local(2026, 6, 12, 23, 50), tick=False):  # the day's last minutes
        assert 'aria-pressed="true"' in heart(client, gallery, photos[0]).text
    # Five past midnight in London is still 12 June in UTC: the studio's day decides.
    with time_machine.travel(local(2026, 6, 13, 0, 5), tick=False):
        refused = heart(client, gallery, photos[1])
        assert "The day to choose your favorites by (12 June) has passed" in refused.text
        assert 'aria-pressed="false"' in refused.text
        assert "has passed" in heart(client, gallery, photos[0], on=False).text
        assert hearted(gallery) == {photos[0].pk}
        page = client.get(page_url(gallery)).text
        assert "has passed, so they&#x27;re locked" in page
        assert "Please choose your favorites by" not in page
        assert "Review and send my selection" not in page
        assert "hx-post" not in re.search(r'<li class="photo-tile.*?</li>', page, re.S).group(0)
        selection = reverse("gallery:selection", args=[gallery.slug])
        sent = client.post(selection, {"action": "submit"}, follow=True)
        assert "has passed, so they&#x27;re locked" in sent.text
        assert not Selection.objects.exists()

        # The studio gives a little longer.
        studio_browser = Browser()
        studio_browser.force_login(staff_user)
        url = reverse("admin:gallery_gallery_change", args=[gallery.pk])
        data = admin_form_data(studio_browser.get(url))
        data["selection_deadline"] = "2026-06-20"
        with run_tasks():
            moved = studio_browser.post(url, data, follow=True)
            studio_browser.post(url, data)  # saved again: no second email
        assert "The client&#x27;s favorites are open again" in moved.text
        [email] = mail.outbox
        assert email.to == ["Anna Kowalska <anna@example.com>"]
        assert email.subject == "Your favorites are open again"
        assert "Please send it by Saturday 20 June." in email.body
        assert 'aria-pressed="true"' in heart(client, gallery, photos[1]).text
        assert (
            "Please choose your favorites by Saturday 20 June" in client.get(page_url(gallery)).text
        )


def test_the_service_refuses_a_selection_after_the_day(due_12_june, photos):
    from gallery.proofing import favorite_list_get_or_create, favorite_set

    favorites = favorite_list_get_or_create(gallery=due_12_june, name="Anna")
    with time_machine.travel(local(2026, 6, 12, 12), tick=False):
        favorite_set(favorite_list=favorites, photo=photos[0], on=True)
    with pytest.raises(SelectionRefused, match="has passed"):
        selection_submit(
            gallery_id=due_12_june.pk,
            favorite_list_id=favorites.pk,
            now=local(2026, 6, 13, 0, 5),
        )
    assert selection_submit(
        gallery_id=due_12_june.pk, favorite_list_id=favorites.pk, now=local(2026, 6, 12, 23, 50)
    ).status == (Selection.Status.SUBMITTED)


REMINDER = "A gentle reminder: please choose your favorites by Friday 12 June"


def test_the_client_is_reminded_three_days_and_one_day_before_once_each(due_12_june, scan):
    assert scan(local(2026, 6, 8, 12)) == ["Your favorites are waiting"]  # the week's nudge
    assert scan(local(2026, 6, 8, 23, 59)) == []
    assert scan(local(2026, 6, 9, 7)) == []  # due at midnight: held until the morning
    assert scan(local(2026, 6, 9, 8, 5)) == [REMINDER]  # three days before
    assert scan(local(2026, 6, 10, 12)) == []
    assert scan(local(2026, 6, 11, 8, 5)) == [REMINDER]  # the day before
    assert scan(local(2026, 6, 12, 12)) == []
    assert scan(local(2026, 6, 13, 12)) == []  # over: nothing more
    assert "after that day your favorites lock" in mail.outbox[-1].body
    assert mail.outbox[-1].to == ["Anna Kowalska <anna@example.com>"]
    # A later day brings its own reminders.
    Gallery.objects.filter(pk=due_12_june.pk).update(selection_deadline=datetime.date(2026, 6, 19))
    assert scan(local(2026, 6, 16, 12)) == [REMINDER.replace("Friday 12", "Friday 19")]


def test_no_reminder_once_the_selection_is_sent_or_for_a_window_already_begun(
    due_12_june, photos, scan
):
    from gallery.proofing import favorite_list_get_or_create, favorite_set

    Gallery.objects.filter(pk=due_12_june.pk).update(published_at=local(2026, 6, 10, 9))
    assert scan(local(2026, 6, 10, 12)) == []  # opened after the three-day reminder's time
    assert scan(local(2026, 6, 11, 9)) == [REMINDER]
    Gallery.objects.filter(pk=due_12_june.pk).update(selection_deadline=datetime.date(2026, 6, 20))
    due_12_june.refresh_from_db()
    favorites = favorite_list_get_or_create(gallery=due_12_june, name="Anna")
    with time_machine.travel(local(2026, 6, 16, 12), tick=False):
        favorite_set(favorite_list=favorites, photo=photos[0], on=True)
    selection_submit(
        gallery_id=due_12_june.pk, favorite_list_id=favorites.pk, now=local(2026, 6, 16, 12)
    )
    assert scan(local(2026, 6, 17, 12)) == []
    assert scan(local(2026, 6, 19, 12)) == []


@pytest.mark.parametrize("field", ["selection_deadline", "expires_on"])
def test_a_day_too_far_off_is_refused_in_the_admin(published, staff_user, field):
    """31 December 9999 once saved closed the client's gallery with a server error."""
    studio_browser = Browser()
    studio_browser.force_login(staff_user)
    url = reverse("admin:gallery_gallery_change", args=[published.pk])
    data = admin_form_data(studio_browser.get(url))
    data[field] = "9999-12-31"
    refused = studio_browser.post(url, data)
    assert refused.status_code == 200
    assert "That date is too far off: choose one between 1901 and 2199." in refused.text
    published.refresh_from_db()
    assert getattr(published, field) is None


def test_a_day_at_the_calendars_edge_stored_before_still_opens_and_moves(
    published, photos, staff_user, client, scan
):
    """Stored before dates were checked: the client's gallery opens, the reminder scan runs
    for every gallery, and the studio can move the day back."""
    Gallery.objects.filter(pk=published.pk).update(
        selection_deadline=datetime.date(9999, 12, 31), expires_on=datetime.date(9999, 12, 31)
    )
    sign_in(client, published.booking.client)
    assert client.get(page_url(published)).status_code == 200
    scan(local(2026, 6, 2, 9))  # no error for this gallery, nor for the others
    studio_browser = Browser()
    studio_browser.force_login(staff_user)
    url = reverse("admin:gallery_gallery_change", args=[published.pk])
    data = admin_form_data(studio_browser.get(url))
    data["selection_deadline"] = "2026-06-20"
    data["expires_on"] = ""
    assert studio_browser.post(url, data).status_code == 302
    published.refresh_from_db()
    assert published.selection_deadline == datetime.date(2026, 6, 20)
