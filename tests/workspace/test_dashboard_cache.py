"""The admin dashboard is made once per minute and per change of what it shows
(workspace.admin_site.dashboard_html): kept, it costs a handful of queries; a change saved
shows on the next request, one sent without a signal within the minute."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from sessions.models import Booking
from tests.factories import BookingFactory, ClientFactory, UserFactory

NOW = datetime(2026, 6, 10, 8, 0, 5, tzinfo=UTC)  # Wednesday 10 June, 09:00 in London
KEPT_QUERIES = 6  # the session, the user, the studio, the slot version, the app list's own


@pytest.fixture
def owner(client, staff_user, studio):
    client.force_login(staff_user)
    return client


def without_csrf(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)  # new each time


def booked_today(name: str) -> Booking:
    return BookingFactory(client=ClientFactory(name=name), starts_at=NOW + timedelta(hours=3))


def test_a_kept_dashboard_costs_a_few_queries_and_reads_the_same(
    owner, django_assert_max_num_queries
):
    with time_machine.travel(NOW, tick=False):
        booked_today("Mira Holt")
        made = owner.get("/admin/").content.decode()
        with django_assert_max_num_queries(KEPT_QUERIES):
            kept = owner.get("/admin/").content.decode()
    assert "Mira Holt" in made
    assert without_csrf(kept) == without_csrf(made)


def test_a_booking_saved_shows_on_the_very_next_request(owner):
    with time_machine.travel(NOW, tick=False):
        before = owner.get("/admin/").content.decode()
        booked_today("Mira Holt")
        after = owner.get("/admin/").content.decode()
    assert "Mira Holt" not in before
    assert "Mira Holt" in after


def test_a_change_sent_without_a_signal_shows_within_the_minute(owner):
    booking = booked_today("Mira Holt")
    with time_machine.travel(NOW, tick=False):
        assert "Mira Holt" in owner.get("/admin/").content.decode()
        Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert "Mira Holt" not in owner.get("/admin/").content.decode()


def test_an_assistant_without_payments_never_gets_the_owners_figures(owner, client, studio):
    from django.contrib.auth.models import Permission

    assistant = UserFactory(username="assistant", is_staff=True)
    assistant.user_permissions.add(Permission.objects.get(codename="view_booking"))
    with time_machine.travel(NOW, tick=False):
        mine = owner.get("/admin/").content.decode()
        client.force_login(assistant)
        theirs = client.get("/admin/").content.decode()
    assert "Received (less refunds)" in mine
    assert "Received (less refunds)" not in theirs
    assert "Book for a client" in mine
    assert "Book for a client" not in theirs
