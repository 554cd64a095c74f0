"""Free and busy for the admin calendar's week and day views: each photographer's free time
day by day, found by the slot engine's own rules (slots.free_spans: the hours they work, on
weekly hours or hours on the date, less bookings with their buffers, time off and outside
calendars' busy times, none on a day at its limit), the buffers around bookings, and the
mini-session days. Four queries whatever the range or the number of bookings."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from sessions import slots
from sessions.models import Booking, DateHours
from sessions.selectors import time_off_intervals, weekly_hours


@dataclass
class FreeTime:
    """By local date: the free spans of the photographers asked about (joined: when any of
    them is free), the buffers of their bookings, and their mini-session days' names."""

    free: dict[date, list[slots.Interval]] = field(default_factory=dict)
    buffers: dict[date, list[slots.Interval]] = field(default_factory=dict)
    minis: dict[date, list[str]] = field(default_factory=dict)


def free_time(
    *,
    photographers: list[tuple[int, int | None]],
    first_day: date,
    last_day: date,
    tz: ZoneInfo,
    now: datetime,
) -> FreeTime:
    """`photographers`: (pk, daily limit) pairs. Holds count until they run out, as for
    the slot engine (sessions.selectors.diaries_from_rows)."""
    ids = [pk for pk, _limit in photographers]
    found = FreeTime()
    if not ids:
        return found
    since = datetime.combine(first_day - timedelta(days=2), time.min, tz)
    until = datetime.combine(last_day + timedelta(days=2), time.min, tz)
    weekly = weekly_hours(ids)
    dated: dict[int, list[slots.DatedHours]] = {pk: [] for pk in ids}
    for pk, day, start, end, replaces, type_name, label in DateHours.objects.filter(
        photographer_id__in=ids, date__range=(first_day, last_day)
    ).values_list(
        "photographer_id",
        "date",
        "start_time",
        "end_time",
        "replaces_weekly",
        "session_type__name",
        "label",
    ):
        mini = type_name is not None
        dated[pk].append(slots.DatedHours(day, start, end, replaces, for_this_session_type=mini))
        if mini:
            name = f"{label or type_name} {start:%H:%M}–{end:%H:%M}"
            found.minis.setdefault(day, []).append(name)
    busy = time_off_intervals(ids, since=since, until=until)
    per_day: dict[int, Counter] = {pk: Counter() for pk in ids}
    for pk, starts_at, ends_at, blocked_from, blocked_until in Booking.objects.filter(
        Q(status__in=[Booking.Status.REQUESTED, Booking.Status.CONFIRMED])
        | Q(status=Booking.Status.HELD, hold_expires_at__gt=now),
        photographer_id__in=ids,
        blocked_from__lt=until,
        blocked_until__gt=since,
    ).values_list("photographer_id", "starts_at", "ends_at", "blocked_from", "blocked_until"):
        busy[pk].append(slots.Interval(blocked_from, blocked_until))
        per_day[pk][starts_at.astimezone(tz).date()] += 1
        for buffer in (
            slots.Interval(blocked_from, starts_at),
            slots.Interval(ends_at, blocked_until),
        ):
            if buffer.start < buffer.end:
                found.buffers.setdefault(buffer.start.astimezone(tz).date(), []).append(buffer)
    diaries = [
        slots.Diary(
            photographer_id=pk,
            weekly=weekly[pk],
            dated=dated[pk],
            busy=busy[pk],
            max_per_day=limit,
            sessions_per_day=per_day[pk],
        )
        for pk, limit in photographers
    ]
    day = first_day
    while day <= last_day:
        spans = [
            span for diary in diaries for span in slots.free_spans(diary=diary, tz=tz, day=day)
        ]
        found.free[day] = slots.merge(spans)
        day += timedelta(days=1)
    return found
