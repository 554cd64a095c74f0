"""The calendar in the admin: month, week and day views, filters, time off, DST weeks, a
fixed number of queries, and a click on an empty time starting a booking there."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sessions.admin_calendar import calendar_page, calendar_range
from sessions.models import Booking, TimeOff
from tests.factories import BookingFactory, ClientFactory, PhotographerFactory, SessionTypeFactory

LONDON = ZoneInfo("Europe/London")
URL = "/admin/shoots/booking/calendar/"


@pytest.fixture
def admin_client(client, staff_user, studio):
    client.force_login(staff_user)
    return client


def at(y, m, d, hh, mm=0, tz=LONDON) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=tz)


def book(photographer, starts, minutes=60, status=Booking.Status.CONFIRMED, **extra):
    return BookingFactory(
        photographer=photographer,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        status=status,
        **extra,
    )


def blocks_on(page, day: date) -> list:
    return next(d for d in page.days if d.date == day).blocks


def test_a_month_is_six_whole_weeks_from_monday():
    start, end = calendar_range("month", date(2026, 11, 18))
    assert (start, end) == (date(2026, 10, 26), date(2026, 12, 7))
    assert calendar_range("week", date(2026, 11, 18)) == (date(2026, 11, 16), date(2026, 11, 23))


def test_a_week_with_the_clock_change_shows_each_booking_at_its_wall_clock_time(db):
    maya = PhotographerFactory()
    # Clocks go back at 02:00 on Sunday 25 October 2026: Saturday is BST, Sunday GMT.
    saturday = book(maya, at(2026, 10, 24, 10))
    sunday = book(maya, at(2026, 10, 25, 10))
    assert saturday.starts_at.astimezone(UTC).hour == 9
    assert sunday.starts_at.astimezone(UTC).hour == 10
    page = calendar_page(
        view="week", anchor=date(2026, 10, 22), tz=LONDON, today=date(2026, 10, 22)
    )
    [sat] = blocks_on(page, date(2026, 10, 24))
    [sun] = blocks_on(page, date(2026, 10, 25))
    assert sat.starts.strftime("%H:%M") == sun.starts.strftime("%H:%M") == "10:00"
    assert sat.row == sun.row == 2 + (10 - 7) * 4  # the same row: the 10:00 line
    assert sat.span == sun.span == 4


def test_overlapping_sessions_sit_side_by_side(db):
    maya, theo = PhotographerFactory(), PhotographerFactory()
    book(maya, at(2026, 6, 10, 10))
    book(theo, at(2026, 6, 10, 10, 30))
    book(theo, at(2026, 6, 10, 12))
    # A week's day holds everyone's sessions (a day view has a column each: test_calendar_free).
    page = calendar_page(view="week", anchor=date(2026, 6, 10), tz=LONDON, today=date(2026, 6, 10))
    day = next(day for day in page.days if day.date == date(2026, 6, 10))
    assert day.lanes == 2
    assert [block.lane for block in day.blocks] == [1, 2, 1]


def test_the_month_shows_bookings_and_time_off_and_hides_cancelled_unless_asked(admin_client):
    maya = PhotographerFactory(display_name="Maya Lind")
    anna = ClientFactory(name="Anna Kowalska")
    book(maya, at(2026, 6, 10, 10), client=anna)
    book(maya, at(2026, 6, 11, 14), status=Booking.Status.HELD, hold_expires_at=at(2026, 6, 1, 12))
    book(
        maya,
        at(2026, 6, 12, 9),
        status=Booking.Status.CANCELLED,
        client=ClientFactory(name="Gone Away"),
    )
    TimeOff.objects.create(
        photographer=maya,
        starts_at=at(2026, 6, 15, 0),
        ends_at=at(2026, 6, 17, 0),
        reason="Holiday",
    )
    page = admin_client.get(URL + "?view=month&date=2026-06-01")
    assert page.status_code == 200
    text = page.content.decode()
    assert "June 2026" in text
    assert re.search(r'<span class="cal-time">10:00</span> Anna Kowalska', text)
    assert "status-held" in text
    assert "Gone Away" not in text
    assert text.count("Time off: Maya Lind") == 2  # 15 and 16 June
    shown = admin_client.get(URL + "?view=month&date=2026-06-01&cancelled=1").content.decode()
    assert "Gone Away" in shown


def test_filters_by_photographer_and_session_type(admin_client):
    maya, theo = PhotographerFactory(display_name="Maya"), PhotographerFactory(display_name="Theo")
    family = SessionTypeFactory(name="Family")
    book(maya, at(2026, 6, 10, 10), client=ClientFactory(name="Mia Client"))
    book(theo, at(2026, 6, 10, 12), client=ClientFactory(name="Theo Client"), session_type=family)
    only_maya = admin_client.get(URL + f"?date=2026-06-10&photographer={maya.pk}").content.decode()
    assert "Mia Client" in only_maya
    assert "Theo Client" not in only_maya
    families = admin_client.get(URL + f"?date=2026-06-10&session_type={family.pk}").content.decode()
    assert "Theo Client" in families
    assert "Mia Client" not in families


def test_a_month_of_300_bookings_takes_the_same_queries_as_one(
    admin_client, django_assert_num_queries
):
    maya = PhotographerFactory()
    book(maya, at(2026, 6, 1, 9))
    # 7, and 4 for how full each photographer's days are (sessions.calendar_free).
    with django_assert_num_queries(11) as one:
        admin_client.get(URL + "?date=2026-06-01")
    for n in range(299):
        # Half-hour sessions from noon, one per slot: none overlaps (PostgreSQL refuses that).
        book(maya, at(2026, 6, 1 + n % 28, 12) + timedelta(minutes=30 * (n // 28)), minutes=30)
    with django_assert_num_queries(len(one.captured_queries)):
        page = admin_client.get(URL + "?date=2026-06-01")
    assert page.content.decode().count('class="cal-block booking') == 300


def test_a_click_on_an_empty_time_starts_a_booking_there(admin_client):
    maya = PhotographerFactory(display_name="Maya")
    week = admin_client.get(
        URL + f"?view=week&date=2026-06-10&photographer={maya.pk}"
    ).content.decode()
    book = "/admin/shoots/booking/book-for-client/"
    link = f"{book}?date=2026-06-10&amp;time=14:30&amp;photographer={maya.pk}"
    assert link in week
    form = admin_client.get(link.replace("&amp;", "&"))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'value="2026-06-10"' in html
    assert 'value="14:30"' in html or 'value="14:30:00"' in html
    assert f'<option value="{maya.pk}" selected>' in html


def test_photographer_colours_come_from_a_stylesheet(admin_client):
    maya = PhotographerFactory(calendar_colour="#aa3366")
    sheet = admin_client.get("/admin/shoots/booking/calendar/colours.css")
    assert sheet["Content-Type"].startswith("text/css")
    assert f".ph-{maya.pk} {{ --ph: #aa3366; }}" in sheet.content.decode()


def test_the_calendar_is_for_staff_only(client, anna):
    assert client.get(URL)["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("day", ["2026-13-45", "9999-12-31", "0001-01-01", "abc"])
def test_bad_dates_and_views_fall_back_kindly(admin_client, day):
    page = admin_client.get(URL + f"?view=year&date={day}&photographer=abc")
    assert page.status_code == 200


def test_a_studio_closure_shows_for_everyone(admin_client):
    maya = PhotographerFactory()
    TimeOff.objects.create(
        starts_at=at(2026, 12, 24, 0), ends_at=at(2026, 12, 27, 0), reason="Christmas"
    )
    everyone = admin_client.get(URL + "?date=2026-12-01").content.decode()
    assert everyone.count("Studio closed") == 3
    mayas = admin_client.get(URL + f"?date=2026-12-01&photographer={maya.pk}").content.decode()
    assert mayas.count("Studio closed") == 3


def test_early_time_off_widens_the_day_and_many_overlaps_share_eight_lanes(db):
    people = [PhotographerFactory() for _ in range(10)]
    TimeOff.objects.create(
        photographer=people[0], starts_at=at(2026, 6, 10, 5), ends_at=at(2026, 6, 10, 6)
    )
    for person in people:
        book(person, at(2026, 6, 10, 10))
    page = calendar_page(view="week", anchor=date(2026, 6, 10), tz=LONDON, today=date(2026, 6, 10))
    assert page.hours[0] == ("05:00", 2)
    wednesday = next(day for day in page.days if day.date == date(2026, 6, 10))
    early = next(block for block in wednesday.blocks if block.kind == "time-off")
    assert (early.row, early.span) == (2, 4)
    assert wednesday.lanes == 8
    assert max(block.lane for block in wednesday.blocks) == 8
