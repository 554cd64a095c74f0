"""The slot engine's interval arithmetic against the rules read plainly: every local time on
the step grid of the hours, tested one by one."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sessions.slots import (
    DatedHours,
    Diary,
    Interval,
    SessionRules,
    WeeklyHours,
    available_slots,
    free_days,
    local_windows,
    to_utc,
)

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]


def starts_read_plainly(rules, diary, tz, now, day):
    """Each start of one photographer on one day, as the rules say it: a local time on the
    grid that exists, fits the hours, meets the notice and the window and touches nothing."""
    if diary.max_per_day is not None and diary.sessions_per_day.get(day, 0) >= diary.max_per_day:
        return []
    if rules.max_per_day is not None and diary.this_type_per_day.get(day, 0) >= rules.max_per_day:
        return []
    found = []
    for start, end in local_windows(diary, rules, day):
        local, local_end = datetime.combine(day, start), datetime.combine(day, end)
        closes_at = to_utc(local_end, tz) or local_end.replace(tzinfo=tz, fold=1).astimezone(UTC)
        while local < local_end:
            starts_at = to_utc(local, tz)
            local += rules.step
            if starts_at is None:
                continue
            ends_at = starts_at + rules.duration
            blocked = (starts_at - rules.buffer_before, ends_at + rules.buffer_after)
            if (
                now + rules.minimum_notice <= starts_at <= now + rules.booking_window
                and ends_at <= closes_at
                and all(b.end <= blocked[0] or b.start >= blocked[1] for b in diary.busy)
            ):
                found.append(starts_at)
    return found


def clock(minutes):
    return time(minutes // 60, minutes % 60)


@st.composite
def hours(draw, weekday=None, day=None):
    start = draw(st.integers(0, 23 * 4)) * 15
    end = draw(st.integers(start // 15 + 1, 24 * 4 - 1)) * 15
    if day is not None:
        return DatedHours(
            day,
            clock(start),
            clock(end),
            replaces_weekly=draw(st.booleans()),
            for_this_session_type=draw(st.booleans()),
        )
    return WeeklyHours(weekday, clock(start), clock(end))


@st.composite
def cases(draw):
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    # Around each zone's clock changes as often as not.
    first_day = draw(
        st.sampled_from(
            [date(2026, 3, 6), date(2026, 3, 27), date(2026, 10, 2), date(2026, 10, 23)]
        )
        | st.dates(date(2026, 1, 1), date(2026, 12, 20))
    )
    days = [first_day + timedelta(days=n) for n in range(10)]
    diaries = []
    for pk in range(1, draw(st.integers(1, 3)) + 1):
        weekly = [draw(hours(weekday=w)) for w in draw(st.lists(st.integers(0, 6), max_size=9))]
        dated = [draw(hours(day=d)) for d in draw(st.lists(st.sampled_from(days), max_size=4))]
        base = datetime.combine(first_day, time(0), UTC)
        busy = []
        for _ in range(draw(st.integers(0, 15))):
            at = base + timedelta(minutes=draw(st.integers(-24 * 12, 11 * 24 * 12)) * 5)
            busy.append(Interval(at, at + timedelta(minutes=draw(st.integers(1, 48)) * 5)))
        counts = {d: draw(st.integers(0, 3)) for d in draw(st.sets(st.sampled_from(days)))}
        diaries.append(
            Diary(
                pk,
                weekly=weekly,
                dated=dated,
                busy=busy,
                max_per_day=draw(st.none() | st.integers(1, 3)),
                sessions_per_day=counts,
                this_type_per_day=counts,
            )
        )
    rules = SessionRules(
        duration=timedelta(minutes=draw(st.sampled_from([15, 20, 30, 45, 60, 90, 150]))),
        buffer_before=timedelta(minutes=draw(st.sampled_from([0, 5, 15, 30]))),
        buffer_after=timedelta(minutes=draw(st.sampled_from([0, 10, 15, 45]))),
        step=timedelta(minutes=draw(st.sampled_from([5, 15, 20, 30, 45, 60]))),
        minimum_notice=timedelta(minutes=draw(st.integers(0, 72 * 4)) * 15),
        booking_window=timedelta(hours=draw(st.integers(24, 24 * 12))),
        max_per_day=draw(st.none() | st.integers(1, 3)),
        dated_only=draw(st.booleans()),
    )
    now = base + timedelta(minutes=draw(st.integers(-48 * 60, 5 * 24 * 60)))
    return tz, days, diaries, rules, now


@settings(max_examples=400, deadline=None)
@given(cases())
def test_the_engine_offers_exactly_the_starts_the_rules_allow(case):
    tz, days, diaries, rules, now = case
    offered = available_slots(
        rules=rules, diaries=diaries, tz=tz, now=now, first_day=days[0], last_day=days[-1]
    )
    for day in days:
        expected = {}
        for diary in diaries:
            for starts_at in starts_read_plainly(rules, diary, tz, now, day):
                expected.setdefault(starts_at, []).append(diary.photographer_id)
        got = {slot.starts_at: list(slot.photographer_ids) for slot in offered.get(day, [])}
        assert got == expected
    assert free_days(
        rules=rules, diaries=diaries, tz=tz, now=now, first_day=days[0], last_day=days[-1]
    ) == set(offered)


def test_free_days_are_the_days_with_times_across_a_clock_change():
    london = ZoneInfo("Europe/London")
    night = [WeeklyHours(weekday, time(0), time(3)) for weekday in range(7)]
    first, last = date(2026, 3, 27), date(2026, 3, 31)
    busy = [Interval(datetime(2026, 3, 29, 23, tzinfo=UTC), datetime(2026, 3, 30, 2, tzinfo=UTC))]
    rules = SessionRules(duration=timedelta(hours=1))
    now = datetime(2026, 3, 1, tzinfo=UTC)
    diaries = [Diary(1, weekly=night, busy=busy)]
    common = {"rules": rules, "diaries": diaries, "tz": london, "now": now}
    days = available_slots(**common, first_day=first, last_day=last)
    assert free_days(**common, first_day=first, last_day=last) == set(days)
    assert date(2026, 3, 30) not in days  # its hours, 00:00-03:00 BST, are busy
    spring = [s.starts_at.astimezone(london).strftime("%H:%M") for s in days[date(2026, 3, 29)]]
    # 01:00 and 01:30 don't exist that night; 02:30 BST is 01:30 UTC, too late for an hour.
    assert spring == ["00:00", "00:30", "02:00"]
