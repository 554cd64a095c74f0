"""The slot engine: which start times can a client book?

A pure function of plain values (no models, no requests, no clock): the caller passes the
session type's rules, each photographer's diary, the studio's time zone, `now` and a range
of local dates. Hours are local wall-clock times, so a 09:00 start stays 09:00 across DST;
durations and buffers are real elapsed time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
    if rules.step <= timedelta(0):
        raise ValueError("start times need a positive step")
    earliest = now + rules.minimum_notice
    latest = now + rules.booking_window
    busy = merge(diary.busy)
    cursor = 0  # busy spans before it end before any later candidate's blocked span
    found: list[Interval] = []
    day = first_day
    while day <= last_day:
        if not _day_is_full(diary, rules, day):
            for window_start, window_end in local_windows(diary, rules, day):
                window_end_at = _window_end(day, window_end, tz)
                local = datetime.combine(day, window_start)
                local_end = datetime.combine(day, window_end)
                while local < local_end:
                    starts_at = to_utc(local, tz)
                    local += rules.step
                    if starts_at is None or starts_at < earliest:
                        continue
                    ends_at = starts_at + rules.duration
                    if ends_at > window_end_at or starts_at > latest:
                        break
                    blocked_from = starts_at - rules.buffer_before
                    blocked_until = ends_at + rules.buffer_after
                    while cursor < len(busy) and busy[cursor].end <= blocked_from:
                        cursor += 1
                    if cursor < len(busy) and busy[cursor].start < blocked_until:
                        continue
                    found.append(Interval(starts_at, ends_at))
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
