"""The slot engine as a pure function: no database, no clock."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions.slots import (
    DatedHours,
    Diary,
    Interval,
    SessionRules,
    WeeklyHours,
    available_slots,
    local_windows,
    to_utc,
)

LONDON = ZoneInfo("Europe/London")
ALL_WEEK = [WeeklyHours(weekday, time(9), time(17)) for weekday in range(7)]
HALF_HOUR = SessionRules(duration=timedelta(minutes=30))


def local_times(days, day, tz=LONDON):
    return [slot.starts_at.astimezone(tz).strftime("%H:%M") for slot in days.get(day, [])]


def slots_on(day, *, rules=HALF_HOUR, diaries=None, tz=LONDON, now=None):
    now = now or datetime.combine(day - timedelta(days=7), time(12), UTC)
    diaries = diaries or [Diary(1, weekly=ALL_WEEK)]
    return available_slots(
        rules=rules, diaries=diaries, tz=tz, now=now, first_day=day, last_day=day
    )


def test_a_day_of_hours_offers_every_start_that_fits():
    day = date(2026, 6, 10)
    rules = SessionRules(duration=timedelta(hours=1))
    times = local_times(slots_on(day, rules=rules), day)
    assert times[0] == "09:00"
    assert times[-1] == "16:00"
    assert len(times) == 15


@pytest.mark.parametrize("day", [date(2026, 3, 29), date(2026, 10, 25)])
def test_dst_sundays_in_london_offer_the_same_local_times_as_any_sunday(day):
    ordinary_sunday = date(2026, 6, 14)
    assert local_times(slots_on(day), day) == local_times(
        slots_on(ordinary_sunday), ordinary_sunday
    )
    assert local_times(slots_on(day), day)[-1] == "16:30"


@pytest.mark.parametrize(
    ("zone", "spring_day", "skipped", "autumn_day", "repeated"),
    [
        ("Europe/London", date(2026, 3, 29), {"01:00", "01:30"}, date(2026, 10, 25), "01:00"),
        ("America/New_York", date(2026, 3, 8), {"02:00", "02:30"}, date(2026, 11, 1), "01:00"),
        ("Australia/Sydney", date(2026, 10, 4), {"02:00", "02:30"}, date(2026, 4, 5), "02:00"),
    ],
)
def test_hours_across_a_clock_change_never_offer_a_missing_or_doubled_time(
    zone, spring_day, skipped, autumn_day, repeated
):
    tz = ZoneInfo(zone)
    night = [WeeklyHours(weekday, time(0), time(4)) for weekday in range(7)]
    every_half_hour = {f"{h:02d}:{m:02d}" for h in range(4) for m in (0, 30)}

    spring = slots_on(spring_day, diaries=[Diary(1, weekly=night)], tz=tz)[spring_day]
    spring_times = [s.starts_at.astimezone(tz).strftime("%H:%M") for s in spring]
    assert set(spring_times) == every_half_hour - skipped
    for slot in spring:  # each is a real local time that reads back the same
        local = slot.starts_at.astimezone(tz)
        assert local.replace(tzinfo=None).replace(tzinfo=tz).astimezone(UTC) == slot.starts_at

    autumn = slots_on(autumn_day, diaries=[Diary(1, weekly=night)], tz=tz)[autumn_day]
    autumn_times = [s.starts_at.astimezone(tz).strftime("%H:%M") for s in autumn]
    assert len(autumn_times) == len(set(autumn_times))  # the repeated hour only once
    assert repeated in autumn_times
    assert all(s.ends_at - s.starts_at == timedelta(minutes=30) for s in autumn)


def test_minimum_notice_and_booking_window_bound_the_offer():
    day = date(2026, 6, 10)
    now = datetime(2026, 6, 9, 11, 0, tzinfo=UTC)  # 12:00 in London the day before
    rules = SessionRules(
        duration=timedelta(minutes=30),
        minimum_notice=timedelta(hours=24),
        booking_window=timedelta(hours=28),
    )
    assert local_times(slots_on(day, rules=rules, now=now), day) == [
        "12:00", "12:30", "13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00",
    ]  # fmt: skip


def test_buffers_need_the_whole_span_free():
    day = date(2026, 6, 10)
    earlier = Interval(datetime(2026, 6, 10, 8, tzinfo=UTC), datetime(2026, 6, 10, 9, tzinfo=UTC))
    later = Interval(
        datetime(2026, 6, 10, 10, 30, tzinfo=UTC), datetime(2026, 6, 10, 12, tzinfo=UTC)
    )  # 10:00-11:00 and 11:30-13:00 in London (BST)
    rules = SessionRules(
        duration=timedelta(hours=1),
        buffer_before=timedelta(minutes=15),
        buffer_after=timedelta(minutes=15),
        step=timedelta(minutes=15),
    )
    diary = Diary(1, weekly=ALL_WEEK, busy=[earlier, later])
    times = local_times(slots_on(day, rules=rules, diaries=[diary]), day)
    # 60 minutes plus 15 either side needs 90 free minutes: only 10:15 fits in the gap.
    assert [t for t in times if t < "13:00"] == ["10:15"]
    assert "13:15" in times
    assert "13:00" not in times


def test_time_off_removes_its_hours():
    day = date(2026, 6, 10)
    off = Interval(datetime(2026, 6, 10, 11, tzinfo=UTC), datetime(2026, 6, 10, 16, tzinfo=UTC))
    diary = Diary(1, weekly=ALL_WEEK, busy=[off])
    # 11:00-16:00 UTC is 12:00-17:00 in London in June.
    assert local_times(slots_on(day, diaries=[diary]), day) == [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
    ]  # fmt: skip


def test_daily_limits_close_a_day():
    day = date(2026, 6, 10)
    full = Diary(1, weekly=ALL_WEEK, max_per_day=2, sessions_per_day={day: 2})
    assert slots_on(day, diaries=[full]) == {}
    type_full = Diary(1, weekly=ALL_WEEK, this_type_per_day={day: 1})
    rules = SessionRules(duration=timedelta(minutes=30), max_per_day=1)
    assert slots_on(day, rules=rules, diaries=[type_full]) == {}
    assert slots_on(day, diaries=[type_full])  # no limit on this type: still open


def test_dated_hours_add_replace_or_stand_alone():
    day = date(2026, 10, 12)
    weekly = [WeeklyHours(day.weekday(), time(9), time(12))]
    extra = DatedHours(day, time(18), time(19))
    replace = DatedHours(day, time(14), time(15), replaces_weekly=True)
    minis = DatedHours(day, time(10), time(11), for_this_session_type=True)

    assert local_windows(Diary(1, weekly=weekly, dated=[extra]), HALF_HOUR, day) == [
        (time(9), time(12)),
        (time(18), time(19)),
    ]
    assert local_windows(Diary(1, weekly=weekly, dated=[replace]), HALF_HOUR, day) == [
        (time(14), time(15))
    ]
    dated_only = SessionRules(duration=timedelta(minutes=20), dated_only=True)
    assert local_windows(Diary(1, weekly=weekly, dated=[minis]), dated_only, day) == [
        (time(10), time(11))
    ]
    assert local_windows(Diary(1, weekly=weekly), dated_only, day) == []


def test_touching_hours_join_so_a_session_may_span_them():
    day = date(2026, 6, 10)
    split = [
        WeeklyHours(day.weekday(), time(9), time(12)),
        WeeklyHours(day.weekday(), time(12), time(13)),
    ]
    rules = SessionRules(duration=timedelta(hours=1))
    assert "11:30" in local_times(slots_on(day, rules=rules, diaries=[Diary(1, weekly=split)]), day)


def test_any_photographer_merges_times_and_says_who_is_free():
    day = date(2026, 6, 10)
    morning = Diary(1, weekly=[WeeklyHours(day.weekday(), time(9), time(10))])
    late = Diary(2, weekly=[WeeklyHours(day.weekday(), time(9, 30), time(11))])
    days = slots_on(day, diaries=[morning, late])
    assert [
        (s.starts_at.astimezone(LONDON).strftime("%H:%M"), s.photographer_ids) for s in days[day]
    ] == [
        ("09:00", (1,)),
        ("09:30", (1, 2)),
        ("10:00", (2,)),
        ("10:30", (2,)),
    ]


def utc(day, clock, tz):
    """A local wall time as UTC; a time skipped by the clocks reads as its earlier instant."""
    local = datetime.combine(day, clock)
    return to_utc(local, tz) or local.replace(tzinfo=tz, fold=1).astimezone(UTC)


@st.composite
def diaries_and_rules(draw):
    tz = ZoneInfo(draw(st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney"])))
    first_day = draw(st.dates(date(2026, 1, 1), date(2026, 12, 20)))
    weekly = []
    for weekday in draw(st.sets(st.integers(0, 6), min_size=1)):
        start = draw(st.integers(0, 40)) * 30
        end = draw(st.integers(start // 30 + 1, 47)) * 30
        weekly.append(
            WeeklyHours(weekday, time(start // 60, start % 60), time(end // 60, end % 60))
        )
    base = datetime.combine(first_day, time(0), UTC)
    busy = []
    for _ in range(draw(st.integers(0, 12))):
        offset = timedelta(minutes=draw(st.integers(0, 7 * 24 * 4)) * 15)
        length = timedelta(minutes=draw(st.integers(1, 16)) * 15)
        busy.append(Interval(base + offset, base + offset + length))
    rules = SessionRules(
        duration=timedelta(minutes=draw(st.sampled_from([20, 30, 45, 60, 90]))),
        buffer_before=timedelta(minutes=draw(st.sampled_from([0, 5, 15]))),
        buffer_after=timedelta(minutes=draw(st.sampled_from([0, 10, 15]))),
        step=timedelta(minutes=draw(st.sampled_from([15, 20, 30]))),
    )
    return tz, first_day, Diary(1, weekly=weekly, busy=busy), rules


@settings(max_examples=200, deadline=None)
@given(diaries_and_rules())
def test_no_offered_slot_overlaps_a_busy_span_or_leaves_the_hours(case):
    tz, first_day, diary, rules = case
    last_day = first_day + timedelta(days=6)
    now = datetime.combine(first_day - timedelta(days=1), time(0), UTC)
    days = available_slots(
        rules=rules, diaries=[diary], tz=tz, now=now, first_day=first_day, last_day=last_day
    )
    for day, day_slots in days.items():
        for slot in day_slots:
            blocked = (slot.starts_at - rules.buffer_before, slot.ends_at + rules.buffer_after)
            assert all(b.end <= blocked[0] or b.start >= blocked[1] for b in diary.busy)
            assert slot.starts_at.astimezone(tz).date() == day
            inside = [
                (start, end)
                for start, end in local_windows(diary, rules, day)
                if utc(day, start, tz) <= slot.starts_at and slot.ends_at <= utc(day, end, tz)
            ]
            assert inside, f"{slot.starts_at.astimezone(tz)} is outside the hours"
