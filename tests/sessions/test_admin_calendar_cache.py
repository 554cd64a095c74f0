"""The admin calendar's pages kept under the slot version (sessions.admin_calendar): fewer
queries while nothing changes, and every change shown on the very next request."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions.booking_changes import booking_cancel
from sessions.models import Booking, TimeOff
from tests.factories import BookingFactory, ClientFactory, PhotographerFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
URL = "/admin/shoots/booking/calendar/?view=week&date=2026-06-10"

pytestmark = pytest.mark.django_db(transaction=True)  # commits, so the version moves on


@pytest.fixture
def staff(client, staff_user, studio):
    client.force_login(staff_user)
    return client


@pytest.fixture
def booking():
    starts = datetime(2026, 6, 10, 10, tzinfo=LONDON)
    return BookingFactory(
        photographer=PhotographerFactory(display_name="Maya Lind"),
        client=ClientFactory(name="Anna Kowalska"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        status=Booking.Status.CONFIRMED,
    )


def page(staff) -> str:
    """The page without its CSRF tokens (new on every request)."""
    return re.sub(r'csrfmiddlewaretoken" value="\w+', "", staff.get(URL).content.decode())


def queries(staff) -> int:
    with CaptureQueriesContext(connection) as seen:
        staff.get(URL)
    return len(seen.captured_queries)


def test_a_page_kept_costs_fewer_queries_and_reads_the_same(staff, booking):
    read = queries(staff)  # the cache starts empty in every test
    first = page(staff)
    assert queries(staff) <= read - 3  # session, user, studio and the version: no more
    assert page(staff) == first


def test_a_moved_booking_shows_at_its_new_time_at_once(staff, booking):
    assert "10:00–11:00" in page(staff)
    page(staff)
    for column in ("starts_at", "ends_at", "blocked_from", "blocked_until"):
        setattr(booking, column, getattr(booking, column) + timedelta(hours=3))
    booking.save()
    shown = page(staff)
    assert "13:00–14:00" in shown
    assert "10:00–11:00" not in shown


def test_a_cancelled_booking_leaves_at_once(staff, booking):
    page(staff)
    assert "Anna Kowalska" in page(staff)
    booking_cancel(booking_id=booking.pk, by_client=False)
    assert "Anna Kowalska" not in page(staff)


def test_a_bulk_status_change_shows_at_once(staff, booking):
    page(staff)
    assert "status-confirmed" in page(staff)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.REQUESTED)
    assert "status-requested" in page(staff)


def test_time_off_added_shows_at_once(staff, booking):
    page(staff)
    assert "Time off: Maya Lind" not in page(staff)
    TimeOff.objects.create(
        photographer=booking.photographer,
        starts_at=datetime(2026, 6, 11, 9, tzinfo=LONDON),
        ends_at=datetime(2026, 6, 11, 12, tzinfo=LONDON),
        reason="Dentist",
    )
    assert "Time off: Maya Lind" in page(staff)


def test_a_client_renamed_shows_at_once(staff, booking):
    assert "Anna Kowalska" in page(staff)
    booking.client.name = "Anna Nowak"
    booking.client.save()
    shown = page(staff)
    assert "Anna Nowak" in shown
    assert "Anna Kowalska" not in shown


def test_a_photographer_renamed_shows_at_once(staff, booking):
    assert "Maya Lind" in page(staff)
    booking.photographer.display_name = "Maya Berg"
    booking.photographer.save()
    assert "Maya Berg" in page(staff)


def test_a_grid_drawn_for_someone_who_may_book_is_not_shown_to_someone_who_may_not(
    client, staff, booking
):
    assert "cal-slot" in page(staff)
    assert "cal-slot" in page(staff)  # kept
    viewer = UserFactory(username="vera", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_booking"))
    client.force_login(viewer)
    shown = page(client)
    assert "Anna Kowalska" in shown
    assert "cal-slot" not in shown


def test_filters_as_typed_are_drawn_into_the_grids_links(staff, booking):
    plain = staff.get(URL).content.decode()
    assert "cancelled=1" not in plain
    asked = staff.get(URL + "&cancelled=1").content.decode()
    assert "&amp;cancelled=1" in asked.split('class="cal-week"')[1]
