"""Free and busy in the admin calendar's week and day views (issue 23): the free time it
shades is the slot engine's, for a week with weekly hours, hours on dates (extra and
replacing), time off, an outside calendar's busy time and a booking with buffers; the
buffers are drawn, mini-session days named, a line shows now, and the queries stay the same
however many bookings there are."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

from sessions.admin_calendar import calendar_page
from sessions.models import AvailabilityRule, Booking, DateHours, ExternalCalendar, TimeOff
from sessions.selectors import session_type_slots
from tests.factories import (
    AvailabilityRuleFactory,
    BookingFactory,
    PhotographerFactory,
    SessionTypeFactory,
)

LONDON = ZoneInfo("Europe/London")
URL = "/admin/shoots/booking/calendar/"
MONDAY = date(2026, 6, 15)
SUNDAY = MONDAY + timedelta(days=6)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), LONDON)


def day_of(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


@pytest.fixture
def week(db, studio):
    """Maya's week: 09:00-17:00 on weekdays; Monday a session 10:00-11:00 with 15 minutes'
    buffer either side; Tuesday off 13:00-15:00; Wednesday only 12:00-16:00; Thursday busy
    in her own calendar 09:00-10:30; Friday a mini-session morning; Saturday 10:00-14:00 but
    off 12:10-12:50 (off the quarter hours)."""
    maya = PhotographerFactory(display_name="Maya")
    for weekday in range(5):
        AvailabilityRuleFactory(
            photographer=maya, weekday=weekday, start_time=time(9), end_time=time(17)
        )
    buffered = SessionTypeFactory(name="Family", buffer_before_minutes=15, buffer_after_minutes=15)
    BookingFactory(photographer=maya, session_type=buffered, starts_at=at(day_of(0), 10))
    TimeOff.objects.create(
        photographer=maya, starts_at=at(day_of(1), 13), ends_at=at(day_of(1), 15)
    )
    DateHours.objects.create(
        photographer=maya,
        date=day_of(2),
        start_time=time(12),
        end_time=time(16),
        replaces_weekly=True,
    )
    own = ExternalCalendar.objects.create(
        photographer=maya, name="Personal", url="https://example.com/c.ics"
    )
    TimeOff.objects.create(
        photographer=maya,
        starts_at=at(day_of(3), 9),
        ends_at=at(day_of(3), 10, 30),
        reason="Dentist",
        external_calendar=own,
    )
    minis = SessionTypeFactory(name="Summer minis", dated_only=True, photographers=[maya])
    DateHours.objects.create(
        photographer=maya,
        date=day_of(4),
        start_time=time(10),
        end_time=time(12),
        session_type=minis,
    )
    DateHours.objects.create(
        photographer=maya, date=day_of(5), start_time=time(10), end_time=time(14)
    )
    TimeOff.objects.create(
        photographer=maya, starts_at=at(day_of(5), 12, 10), ends_at=at(day_of(5), 12, 50)
    )
    return maya


def quarter_hours(spans) -> set[datetime]:
    """Every start on the quarter hour with 15 minutes inside one of the spans."""
    found = set()
    for starts, ends in spans:
        moment = starts + timedelta(minutes=-starts.minute % 15)
        while moment + timedelta(minutes=15) <= ends:
            found.add(moment)
            moment += timedelta(minutes=15)
    return found


@time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=LONDON), tick=False)
def test_the_free_time_shaded_is_the_slot_engines(week):
    page = calendar_page(
        view="week", anchor=MONDAY, tz=LONDON, today=date(2026, 6, 1), photographer_id=week.pk
    )
    shaded = quarter_hours(span for day in page.days for span in day.free)
    # A quarter-hour session with no buffers can start wherever she is free, and only there.
    quarter = SessionTypeFactory(name="Quarter", duration_minutes=15, photographers=[week])
    quarter.slot_step_minutes = 15
    quarter.save()
    engine = session_type_slots(session_type=quarter, first_day=MONDAY, last_day=SUNDAY, tz=LONDON)
    starts = {slot.starts_at.astimezone(LONDON) for slots in engine.values() for slot in slots}
    assert shaded == starts
    by_day = {day.date: day for day in page.days}
    assert by_day[day_of(0)].free_text == "Free 09:00–09:45, 11:15–17:00"
    assert by_day[day_of(1)].free_text == "Free 09:00–13:00, 15:00–17:00"
    assert by_day[day_of(2)].free_text == "Free 12:00–16:00"
    assert by_day[day_of(3)].free_text == "Free 10:30–17:00"
    assert by_day[day_of(5)].free_text == "Free 10:00–12:10, 12:50–14:00"
    assert by_day[SUNDAY].free_text == "No free time"


@time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=LONDON), tick=False)
def test_the_week_draws_free_time_buffers_and_mini_days(admin_client, week):
    html = admin_client.get(URL + f"?view=week&date={MONDAY}&photographer={week.pk}").text
    monday = html.split('aria-label="Monday 15 June"')[1].split("</section>")[0]
    # The grid starts at 07:00 (row 2); 09:00 is row 10, a row a quarter hour.
    assert re.findall(r'class="cal-free (r-\d+ s-\d+)"', monday) == ["r-10 s-3", "r-19 s-23"]
    assert re.findall(r'class="cal-buffer (r-\d+ s-\d+)"', monday) == ["r-13 s-1", "r-18 s-1"]
    assert "Free 09:00–09:45, 11:15–17:00" in monday
    friday = html.split('aria-label="Friday 19 June"')[1].split("</section>")[0]
    assert "Mini sessions" in friday
    assert "Summer minis 10:00–12:00" in friday
    assert "Mini sessions" not in monday
    saturday = html.split('aria-label="Saturday 20 June"')[1].split("</section>")[0]
    # Only whole quarter hours that are free are shaded: 10:00-12:00 and 13:00-14:00.
    assert re.findall(r'class="cal-free (r-\d+ s-\d+)"', saturday) == ["r-14 s-8", "r-26 s-4"]
    assert 'class="cal-now' not in html  # that week is not this one


def test_a_line_shows_now_on_today_only(admin_client, week):
    with time_machine.travel(at(day_of(2), 13, 40), tick=False):
        html = admin_client.get(URL + f"?view=week&date={MONDAY}").text
    lines = re.findall(r'class="cal-now r-(\d+)"', html)
    assert lines == [str(2 + (13 * 60 + 30 - 7 * 60) // 15)]  # the quarter hour from 13:30
    wednesday = html.split('aria-label="Wednesday 17 June"')[1].split("</section>")[0]
    assert 'class="cal-now' in wednesday


@time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=LONDON), tick=False)
def test_everyone_shows_when_anyone_is_free(week):
    theo = PhotographerFactory(display_name="Theo")
    AvailabilityRule.objects.create(
        photographer=theo, weekday=2, start_time=time(8), end_time=time(10)
    )
    page = calendar_page(view="week", anchor=day_of(2), tz=LONDON, today=date(2026, 6, 1))
    wednesday = next(day for day in page.days if day.date == day_of(2))
    assert wednesday.free_text == "Free 08:00–10:00, 12:00–16:00"


@time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=LONDON), tick=False)
def test_a_day_at_its_limit_has_no_free_time(week):
    week.max_sessions_per_day = 1
    week.save()
    page = calendar_page(view="day", anchor=day_of(0), tz=LONDON, today=date(2026, 6, 1))
    assert page.days[0].free_text == "No free time"


@time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=LONDON), tick=False)
def test_a_week_of_many_bookings_takes_the_same_queries_as_one(
    admin_client, week, django_assert_num_queries
):
    url = URL + f"?view=week&date={MONDAY}"
    with django_assert_num_queries(11) as one:
        admin_client.get(url)
    for n in range(100):
        day, slot = day_of(n % 5), n // 5
        BookingFactory(
            photographer=week,
            starts_at=at(day, 6) + timedelta(minutes=10 * slot),
            ends_at=at(day, 6) + timedelta(minutes=10 * slot + 10),
        )
    cache.clear()  # drawn afresh, not the page kept for the first
    with django_assert_num_queries(len(one.captured_queries)):
        html = admin_client.get(url).text
    assert html.count('class="cal-block booking') == 101


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_held_bookings_count_until_their_hold_runs_out(week):
    held = BookingFactory(
        photographer=week,
        starts_at=at(day_of(4), 14),
        status=Booking.Status.HELD,
        hold_expires_at=at(day_of(4), 8),
    )
    before = calendar_page(
        view="day", anchor=day_of(4), tz=LONDON, today=day_of(4), now=at(day_of(4), 7)
    )
    after = calendar_page(
        view="day", anchor=day_of(4), tz=LONDON, today=day_of(4), now=at(day_of(4), 9)
    )
    assert held.status == Booking.Status.HELD
    assert before.days[0].free_text == "Free 09:00–14:00, 15:00–17:00"  # the hold holds
    assert after.days[0].free_text == "Free 09:00–17:00"  # run out: free again


@time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=LONDON), tick=False)
def test_a_day_for_everyone_has_a_column_per_photographer(admin_client, week):
    theo = PhotographerFactory(display_name="Theo")
    AvailabilityRule.objects.create(
        photographer=theo, weekday=0, start_time=time(8), end_time=time(10)
    )
    TimeOff.objects.create(
        starts_at=at(day_of(0), 16), ends_at=at(day_of(0), 17), reason="Fire drill"
    )
    page = calendar_page(view="day", anchor=day_of(0), tz=LONDON, today=date(2026, 6, 1))
    maya, theos = page.days
    assert (maya.heading, theos.heading) == ("Maya", "Theo")
    assert maya.free_text == "Free 09:00–09:45, 11:15–16:00"
    assert theos.free_text == "Free 08:00–10:00"
    assert [b.kind for b in maya.blocks] == ["booking", "time-off"]  # hers and the closure
    assert [b.kind for b in theos.blocks] == ["time-off"]
    html = admin_client.get(URL + f"?view=day&date={day_of(0)}").text
    assert 'aria-label="Theo, Monday 15 June"' in html
    assert f"&amp;photographer={theo.pk}" in html  # his column's heading and "+ Book"


@time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=LONDON), tick=False)
def test_the_month_shows_how_full_each_photographers_day_is(admin_client, week):
    page = calendar_page(view="month", anchor=MONDAY, tz=LONDON, today=date(2026, 6, 1))
    by_day = {day.date: day for day in page.days}
    [monday] = by_day[day_of(0)].loads
    assert monday["text"] == "Maya: 1 h booked of 8 h"
    assert monday["tenths"] == 1
    assert by_day[day_of(2)].loads[0]["text"] == "Maya: 0 h booked of 4 h"  # hours replaced
    assert by_day[SUNDAY].loads == []  # not working, nothing booked
    html = admin_client.get(URL + f"?date={MONDAY}").text
    assert 'title="Maya: 1 h booked of 8 h"' in html


def test_a_session_that_took_place_is_busy_but_not_counted_to_the_daily_limit(week):
    """As for the engine: only sessions still to come count towards "one a day"."""
    week.max_sessions_per_day = 1
    week.save()
    Booking.objects.filter(photographer=week).update(status=Booking.Status.COMPLETED)
    with time_machine.travel(at(day_of(0), 12), tick=False):
        page = calendar_page(view="day", anchor=day_of(0), tz=LONDON, today=day_of(0))
    assert page.days[0].free_text == "Free 09:00–09:45, 11:15–17:00"


@time_machine.travel(datetime(2026, 3, 1, 9, tzinfo=LONDON), tick=False)
def test_on_the_night_the_clocks_go_forward_free_time_starts_when_the_engine_does(db, studio):
    """29 March 2026: 01:00 becomes 02:00 in London. Hours from 01:30 start at 02:00."""
    night = date(2026, 3, 29)
    owl = PhotographerFactory(display_name="Owl")
    DateHours.objects.create(photographer=owl, date=night, start_time=time(1, 30), end_time=time(5))
    quarter = SessionTypeFactory(name="Quarter", duration_minutes=15, photographers=[owl])
    quarter.slot_step_minutes = 15
    quarter.save()
    page = calendar_page(
        view="day", anchor=night, tz=LONDON, today=date(2026, 3, 1), photographer_id=owl.pk
    )
    engine = session_type_slots(session_type=quarter, first_day=night, last_day=night, tz=LONDON)
    starts = {slot.starts_at for slot in engine[night]}
    assert page.days[0].free_text == "Free 02:00–05:00"
    assert {moment.astimezone(UTC) for moment in quarter_hours(page.days[0].free)} == starts
