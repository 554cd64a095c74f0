"""The booking calendar's page is the same for every visitor of an address in a minute
(sessions.views.slot_pick): made once, then two queries (the studio, the slot version),
and whatever it shows, changed, on the very next request."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.factories import BookingFactory
from tests.sessions import test_slot_cache as calendar_tests
from tests.sessions.test_slot_cache import ELEVEN, START, shown, times_shown

pytestmark = pytest.mark.django_db(transaction=True)  # commits, so versions move on
setting = calendar_tests.setting  # a studio, three photographers, a portrait session


def test_a_kept_page_reads_two_rows_and_is_the_page_made(
    setting, client, django_assert_num_queries
):
    _portrait, team = setting
    with time_machine.travel(START - timedelta(seconds=30), tick=False):
        made = times_shown(client, team[0])
        with django_assert_num_queries(2):  # the studio's row, the slot version
            kept = times_shown(client, team[0])
    assert kept == made
    assert shown(made, ELEVEN)


def test_what_the_studio_changes_about_the_session_shows_at_once(setting, client):
    portrait, team = setting
    with time_machine.travel(START - timedelta(seconds=30), tick=False):
        assert "Family portraits" not in times_shown(client)
        portrait.name = "Family portraits"
        portrait.save()
        assert "Family portraits" in times_shown(client)
        BookingFactory(session_type=portrait, photographer=team[0], starts_at=ELEVEN)
        assert not shown(times_shown(client, team[0]), ELEVEN)


def test_each_address_is_its_own_page(setting, client):
    url = reverse("sessions:slot-pick", args=["portrait"])
    with time_machine.travel(START - timedelta(seconds=30), tick=False):
        october = client.get(url, {"month": "2026-10"}).content.decode()
        november = client.get(url, {"month": "2026-11"}).content.decode()
    assert "October 2026" in october
    assert "November 2026" in november
    assert "November 2026" not in october.split("</h2>")[0]


def test_parameters_the_page_does_not_read_share_its_kept_page(
    setting, client, django_assert_num_queries
):
    _portrait, team = setting
    with time_machine.travel(START - timedelta(seconds=30), tick=False):
        made = times_shown(client, team[0])
        url = reverse("sessions:slot-pick", args=["portrait"])
        query = {"month": "2026-10", "day": "2026-10-20", "photographer": team[0].pk}
        with django_assert_num_queries(2):  # kept, whatever a link tracker adds
            tracked = client.get(url, {**query, "utm_source": "newsletter"}).content.decode()
    assert tracked == made
