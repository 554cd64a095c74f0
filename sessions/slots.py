"""The slot engine: which start times can a client book?

A pure function of plain values (no models, no requests, no clock): the caller passes the
session type's rules, each photographer's diary, the studio's time zone, `now` and a range
of local dates. Hours are local wall-clock times, so a 09:00 start stays 09:00 across DST;
durations and buffers are real elapsed time.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class WeeklyHours:
    weekday: int  # Monday is 0
    start: time
    end: time
    valid_from: date | None = None
    valid_until: date | None = None

    def applies_on(self, day: date) -> bool:
        return (
            day.weekday() == self.weekday
            and (self.valid_from is None or day >= self.valid_from)
            and (self.valid_until is None or day <= self.valid_until)
        )


@dataclass(frozen=True)
class DatedHours:
    day: date
    start: time
    end: time
    replaces_weekly: bool = False
    for_this_session_type: bool = False  # a mini-session day of the type being booked


@dataclass(frozen=True)
class Interval:
    """A span of real time, aware datetimes, end exclusive."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class SessionRules:
    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    step: timedelta = timedelta(minutes=30)
    minimum_notice: timedelta = timedelta(0)
    booking_window: timedelta = timedelta(days=90)
    max_per_day: int | None = None  # of this session type, per photographer
    dated_only: bool = False


@dataclass(frozen=True)
class Diary:
    """What the engine needs to know about one photographer."""

    photographer_id: int
    weekly: Sequence[WeeklyHours] = ()
    dated: Sequence[DatedHours] = ()
    busy: Sequence[Interval] = ()  # blocked spans of active bookings, and time off
    max_per_day: int | None = None  # sessions of any type
    sessions_per_day: Mapping[date, int] = field(default_factory=dict)
    this_type_per_day: Mapping[date, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime
    photographer_ids: tuple[int, ...]


def local_windows(diary: Diary, rules: SessionRules, day: date) -> list[tuple[time, time]]:
    """The hours a photographer offers this session type on a local date, overlapping and
    touching hours joined (09:00–12:00 and 12:00–17:00 is one stretch), in order."""
    joined: list[tuple[time, time]] = []
    for start, end in sorted(_hours_on(diary, rules, day)):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
        else:
            joined.append((start, end))
    return joined


def _hours_on(diary: Diary, rules: SessionRules, day: date) -> list[tuple[time, time]]:
    dated_today = [d for d in diary.dated if d.day == day]
    for_type = [(d.start, d.end) for d in dated_today if d.for_this_session_type]
    if rules.dated_only:
        return for_type
    general = [d for d in dated_today if not d.for_this_session_type]
    if any(d.replaces_weekly for d in general):
        hours = [(d.start, d.end) for d in general if d.replaces_weekly]
    else:
        hours = [(w.start, w.end) for w in diary.weekly if w.applies_on(day)]
        hours += [(d.start, d.end) for d in general]
    return hours + for_type


def to_utc(local: datetime, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a naive local wall-clock time, or None when that time does not
    exist (skipped by a spring-forward change). A repeated time means its first instance."""
    aware = local.replace(tzinfo=tz, fold=0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local:
        return None
    return instant


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for interval in sorted(intervals, key=lambda i: i.start):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def photographer_slots(
    *,
    rules: SessionRules,
    diary: Diary,
    tz: ZoneInfo,
    now: datetime,
    first_day: date,
    last_day: date,
) -> list[Interval]:
    """Bookable sessions of one photographer, in time order."""
    plan = _Plan(rules, diary, tz, now)
    found: list[Interval] = []
    day = first_day
    while day <= last_day:
        found.extend(plan.day_starts(day))
        day += timedelta(days=1)
    return found


def available_slots(
    *,
    rules: SessionRules,
    diaries: Sequence[Diary],
    tz: ZoneInfo,
    now: datetime,
    first_day: date,
    last_day: date,
) -> dict[date, list[Slot]]:
    """Bookable start times by local date, each with the photographers free then."""
    by_start: dict[datetime, tuple[datetime, list[int]]] = {}
    for diary in diaries:
        for interval in photographer_slots(
            rules=rules, diary=diary, tz=tz, now=now, first_day=first_day, last_day=last_day
        ):
            entry = by_start.setdefault(interval.start, (interval.end, []))
            entry[1].append(diary.photographer_id)
    days: dict[date, list[Slot]] = {}
    for starts_at in sorted(by_start):
        ends_at, photographer_ids = by_start[starts_at]
        local_day = starts_at.astimezone(tz).date()
        days.setdefault(local_day, []).append(Slot(starts_at, ends_at, tuple(photographer_ids)))
    return days


def free_days(
    *,
    rules: SessionRules,
    diaries: Sequence[Diary],
    tz: ZoneInfo,
    now: datetime,
    first_day: date,
    last_day: date,
) -> set[date]:
    """The local dates that `available_slots` would list, found without listing their times:
    each day stops at its first bookable start."""
    plans = [_Plan(rules, diary, tz, now) for diary in diaries]
    found: set[date] = set()
    day = first_day
    while day <= last_day:
        if any(next(plan.day_starts(day), None) is not None for plan in plans):
            found.add(day)
        day += timedelta(days=1)
    return found


def free_spans(*, diary: Diary, tz: ZoneInfo, day: date) -> list[Interval]:
    """A photographer's free time on a local date, for the studio's calendar: the hours they
    work that day (local_windows: weekly hours, or hours on the date, and a mini-session
    day's as `dated` hours for_this_session_type) less what is busy (bookings with their
    buffers, time off, outside calendars), in order. A day at its daily limit has none.
    Every session photographer_slots finds in that diary lies inside one."""
    if _day_is_full(diary, SessionRules(duration=timedelta(0)), day):
        return []
    busy = merge(diary.busy)
    free: list[Interval] = []
    for window_start, window_end in local_windows(diary, SessionRules(timedelta(0)), day):
        local = datetime.combine(day, window_start)
        opens_at = to_utc(local, tz)
        while opens_at is None:  # opening inside a skipped hour: from when the clocks jump
            local += timedelta(minutes=1)
            opens_at = to_utc(local, tz)
        start, end = opens_at, _window_end(day, window_end, tz)
        for span in busy:
            if span.end <= start or span.start >= end:
                continue
            if span.start > start:
                free.append(Interval(start, span.start))
            start = max(start, span.end)
        if start < end:
            free.append(Interval(start, end))
    return free


class _Plan:
    """One photographer's bookable starts, a local date at a time.

    Inside hours that keep one offset from UTC (nearly all), starts are found by interval
    arithmetic: the first start on the step grid at or after the notice, then past each
    busy span at once. Hours crossing a clock change test each local time on its own."""

    def __init__(self, rules: SessionRules, diary: Diary, tz: ZoneInfo, now: datetime) -> None:
        if rules.step <= timedelta(0):
            raise ValueError("start times need a positive step")
        self.rules, self.diary, self.tz = rules, diary, tz
        self.earliest = now + rules.minimum_notice
        self.latest = now + rules.booking_window
        busy = merge(diary.busy)
        self.busy_starts = [interval.start for interval in busy]
        self.busy_ends = [interval.end for interval in busy]

    def day_starts(self, day: date) -> Iterator[Interval]:
        if _day_is_full(self.diary, self.rules, day):
            return
        for window_start, window_end in local_windows(self.diary, self.rules, day):
            local = datetime.combine(day, window_start)
            local_end = datetime.combine(day, window_end)
            opens_at, closes_at = to_utc(local, self.tz), to_utc(local_end, self.tz)
            if (
                opens_at is not None
                and closes_at is not None
                and local - opens_at.replace(tzinfo=None)
                == local_end - closes_at.replace(tzinfo=None)
            ):
                # One offset at both ends; two clock changes within one day's hours don't occur.
                yield from self._steady(opens_at, closes_at)
            else:
                yield from self._stepped(local, local_end, _window_end(day, window_end, self.tz))

    def _steady(self, opens_at: datetime, closes_at: datetime) -> Iterator[Interval]:
        rules, step = self.rules, self.rules.step
        last_start = min(closes_at - rules.duration, self.latest)
        starts_at = opens_at
        if starts_at < self.earliest:
            starts_at += -((opens_at - self.earliest) // step) * step
        while starts_at <= last_start and starts_at < closes_at:
            clash = self._clash(starts_at)
            if clash is None:
                yield Interval(starts_at, starts_at + rules.duration)
                starts_at += step
            else:  # the first start whose buffer before clears the busy span
                free_from = clash + rules.buffer_before
                starts_at += -((starts_at - free_from) // step) * step

    def _stepped(
        self, local: datetime, local_end: datetime, window_end_at: datetime
    ) -> Iterator[Interval]:
        rules = self.rules
        while local < local_end:
            starts_at = to_utc(local, self.tz)
            local += rules.step
            if starts_at is None or starts_at < self.earliest:
                continue
            ends_at = starts_at + rules.duration
            if ends_at > window_end_at or starts_at > self.latest:
                return
            if self._clash(starts_at) is None:
                yield Interval(starts_at, ends_at)

    def _clash(self, starts_at: datetime) -> datetime | None:
        """The end of the busy span a session starting then would touch, buffers included."""
        blocked_from = starts_at - self.rules.buffer_before
        blocked_until = starts_at + self.rules.duration + self.rules.buffer_after
        index = bisect_right(self.busy_ends, blocked_from)
        if index < len(self.busy_ends) and self.busy_starts[index] < blocked_until:
            return self.busy_ends[index]
        return None


def _window_end(day: date, end: time, tz: ZoneInfo) -> datetime:
    local = datetime.combine(day, end)
    instant = to_utc(local, tz)
    # An end inside a skipped hour: take the earlier reading, so no session runs past it.
    return instant if instant is not None else local.replace(tzinfo=tz, fold=1).astimezone(UTC)


def _day_is_full(diary: Diary, rules: SessionRules, day: date) -> bool:
    if diary.max_per_day is not None and diary.sessions_per_day.get(day, 0) >= diary.max_per_day:
        return True
    return (
        rules.max_per_day is not None and diary.this_type_per_day.get(day, 0) >= rules.max_per_day
    )
