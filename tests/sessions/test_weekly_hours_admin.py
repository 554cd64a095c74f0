"""Weekly hours in the admin: hours that overlap the same photographer's hours on the same
weekday, while both apply, are refused with the ones they overlap and what was typed kept;
hours side by side, on other days, for others or on other dates are kept."""

from datetime import date, time

import pytest
from django.urls import reverse

from sessions.models import AvailabilityRule
from tests.factories import PhotographerFactory

ADD = "admin:shoots_availabilityrule_add"


@pytest.fixture
def maya(db):
    photographer = PhotographerFactory(display_name="Maya Lind")
    AvailabilityRule.objects.create(
        photographer=photographer, weekday=0, start_time=time(9), end_time=time(17)
    )
    return photographer


def post(client, photographer, *, pk=None, **fields):
    data = {
        "photographer": photographer.pk,
        "weekday": 0,
        "start_time": "13:00",
        "end_time": "18:00",
        "valid_from": "",
        "valid_until": "",
        **fields,
    }
    url = reverse("admin:shoots_availabilityrule_change", args=[pk]) if pk else reverse(ADD)
    return client.post(url, data)


def test_hours_overlapping_the_same_weekday_are_refused_with_the_ones_they_overlap(
    client, staff_user, maya
):
    client.force_login(staff_user)
    page = post(client, maya)
    assert page.status_code == 200
    html = page.content.decode()
    assert "These hours overlap Maya Lind&#x27;s Monday hours, 09:00–17:00." in html
    assert 'value="13:00"' in html  # what was typed stays
    assert 'value="18:00"' in html
    assert AvailabilityRule.objects.count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"start_time": "17:00", "end_time": "19:00"},  # side by side: an evening after the day
        {"weekday": 1},  # another day
        {"valid_from": "2027-01-01"},  # the first hours end before these begin...
    ],
)
def test_hours_that_do_not_overlap_are_kept(client, staff_user, maya, fields):
    if "valid_from" in fields:
        AvailabilityRule.objects.update(valid_until=date(2026, 12, 31))
    client.force_login(staff_user)
    assert post(client, maya, **fields).status_code == 302
    assert AvailabilityRule.objects.count() == 2


def test_dated_hours_overlapping_say_when_and_another_photographer_is_free_to(
    client, staff_user, maya
):
    AvailabilityRule.objects.update(valid_from=date(2027, 6, 1), valid_until=date(2027, 8, 31))
    client.force_login(staff_user)
    html = post(client, maya, valid_from="2027-08-01").content.decode()
    assert "09:00–17:00 (from 1 June 2027 until 31 August 2027)" in html
    ian = PhotographerFactory(display_name="Ian Moss")
    assert post(client, ian).status_code == 302


def test_changing_hours_does_not_count_them_against_themselves(client, staff_user, maya):
    rule = AvailabilityRule.objects.get()
    client.force_login(staff_user)
    assert post(client, maya, pk=rule.pk, start_time="08:00").status_code == 302
    rule.refresh_from_db()
    assert rule.start_time == time(8)


def test_the_time_off_list_says_whose_it_is_and_where_it_came_from(client, staff_user, maya):
    from datetime import UTC, datetime

    from sessions.models import ExternalCalendar, TimeOff

    outside = ExternalCalendar.objects.create(
        photographer=maya, name="Maya's own calendar", url="https://cal.example/maya.ics"
    )
    start = datetime(2030, 6, 10, 9, tzinfo=UTC)
    TimeOff.objects.create(starts_at=start, ends_at=start.replace(hour=17), reason="Closed")
    TimeOff.objects.create(
        photographer=maya,
        starts_at=start.replace(day=11),
        ends_at=start.replace(day=11, hour=12),
        external_calendar=outside,
    )
    client.force_login(staff_user)
    page = client.get(reverse("admin:shoots_timeoff_changelist")).content.decode()
    assert "The whole studio" in page
    assert "Read from Maya&#x27;s own calendar" in page
    assert "In Sitting" in page
