"""Free and busy for the admin calendar's week and day views: each photographer's free time
day by day, found by the slot engine's own rules (slots.free_spans: the hours they work, on
weekly hours or hours on the date, less bookings with their buffers, time off and outside
calendars' busy times, none on a day at its limit), the buffers around bookings, and the
mini-session days; and how full each photographer's day is (minutes booked of minutes
worked) for the month view. Four queries whatever the range or the number of bookings."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.translation import gettext as _

from sessions import slots
from sessions.models import Booking, DateHours
from sessions.selectors import time_off_intervals, weekly_hours
from studio.models import Photographer

SLOT_MINUTES = 15  # a row of the week and day grids


@dataclass
class PhotographerDay:
    """One photographer's local date: free spans, the buffers around their bookings,
    their mini-session hours' names, and minutes worked and booked (for how full it is)."""

    free: list[slots.Interval] = field(default_factory=list)
    buffers: list[slots.Interval] = field(default_factory=list)
    minis: list[str] = field(default_factory=list)
    worked: int = 0
    booked: int = 0


@dataclass
class FreeTime:
    """By photographer and local date; `free`, `buffers` and `minis` join them for some."""

    days: dict[tuple[int, date], PhotographerDay] = field(default_factory=dict)

    def of(self, pk: int, day: date) -> PhotographerDay:
        return self.days.get((pk, day)) or PhotographerDay()

    def free(self, day: date, ids: list[int]) -> list[slots.Interval]:
        """When any of them is free."""
        return slots.merge(span for pk in ids for span in self.of(pk, day).free)

    def buffers(self, day: date, ids: list[int]) -> list[slots.Interval]:
        return [span for pk in ids for span in self.of(pk, day).buffers]

    def minis(self, day: date, ids: list[int]) -> list[str]:
        return [name for pk in ids for name in self.of(pk, day).minis]


# What takes a photographer's time on the calendar: the slot engine's (requested, confirmed,
# held until the hold runs out), and sessions that took place (only ever in the past).
TAKES_TIME = Q(
    status__in=[
        Booking.Status.REQUESTED,
        Booking.Status.CONFIRMED,
        Booking.Status.COMPLETED,
        Booking.Status.NO_SHOW,
    ]
)


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
    minis: dict[tuple[int, date], list[str]] = {}
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
            minis.setdefault((pk, day), []).append(
                f"{label or type_name} {start:%H:%M}–{end:%H:%M}"
            )
    busy = time_off_intervals(ids, since=since, until=until)
    per_day: dict[int, Counter] = {pk: Counter() for pk in ids}
    booked: Counter = Counter()
    buffers: dict[tuple[int, date], list[slots.Interval]] = {}
    for pk, status, starts_at, ends_at, blocked_from, blocked_until in Booking.objects.filter(
        TAKES_TIME | Q(status=Booking.Status.HELD, hold_expires_at__gt=now),
        photographer_id__in=ids,
        blocked_from__lt=until,
        blocked_until__gt=since,
    ).values_list(
        "photographer_id", "status", "starts_at", "ends_at", "blocked_from", "blocked_until"
    ):
        busy[pk].append(slots.Interval(blocked_from, blocked_until))
        local_day = starts_at.astimezone(tz).date()
        if status in Booking.ACTIVE_STATUSES:  # the daily limit counts as the engine does
            per_day[pk][local_day] += 1
        booked[pk, local_day] += (ends_at - starts_at) // timedelta(minutes=1)
        for buffer in (
            slots.Interval(blocked_from, starts_at),
            slots.Interval(ends_at, blocked_until),
        ):
            if buffer.start < buffer.end:
                buffers.setdefault((pk, buffer.start.astimezone(tz).date()), []).append(buffer)
    neutral = slots.SessionRules(duration=timedelta(0))
    for pk, limit in photographers:
        diary = slots.Diary(
            photographer_id=pk,
            weekly=weekly[pk],
            dated=dated[pk],
            busy=busy[pk],
            max_per_day=limit,
            sessions_per_day=per_day[pk],
        )
        day = first_day
        while day <= last_day:
            worked = sum(
                _minutes(day, start, end, tz)
                for start, end in slots.local_windows(diary, neutral, day)
            )
            found.days[pk, day] = PhotographerDay(
                free=slots.free_spans(diary=diary, tz=tz, day=day),
                buffers=buffers.get((pk, day), []),
                minis=minis.get((pk, day), []),
                worked=worked,
                booked=booked[pk, day],
            )
            day += timedelta(days=1)
    return found


def _minutes(day: date, start: time, end: time, tz: ZoneInfo) -> int:
    """Real minutes between two wall-clock times of a day (a clock change counts)."""
    opens = datetime.combine(day, start, tz).astimezone(UTC)
    closes = datetime.combine(day, end, tz).astimezone(UTC)
    return max(0, (closes - opens) // timedelta(minutes=1))


def free_words(free: list[tuple[datetime, datetime]]) -> str:
    if not free:
        return _("No free time")
    spans = ", ".join(f"{starts:%H:%M}–{ends:%H:%M}" for starts, ends in free)
    return _("Free %(spans)s") % {"spans": spans}


def span_classes(spans, day: date, first_hour: int, last_hour: int, *, inward: bool) -> list[str]:
    """Grid classes for spans of local time on `day`, on whole 15-minute rows: inside the
    span (free time: never a row that is not free) or around it (a buffer: every row it
    touches)."""
    drawn = []
    for starts, ends in spans:
        start = starts.hour * 60 + starts.minute if starts.date() == day else 0
        end = ends.hour * 60 + ends.minute if ends.date() == day else 24 * 60
        if inward:
            start, end = (
                -(-start // SLOT_MINUTES) * SLOT_MINUTES,
                end // SLOT_MINUTES * SLOT_MINUTES,
            )
        else:
            start, end = (
                start // SLOT_MINUTES * SLOT_MINUTES,
                -(-end // SLOT_MINUTES) * SLOT_MINUTES,
            )
        start, end = max(start, first_hour * 60), min(end, last_hour * 60)
        if start < end:
            row = 2 + (start - first_hour * 60) // SLOT_MINUTES
            drawn.append(f"r-{row} s-{(end - start) // SLOT_MINUTES}")
    return drawn


def day_loads(found, day: date, chosen: list[Photographer]) -> list[dict]:
    """How full each photographer's day is, for the month view: minutes booked of minutes
    worked, in tenths for the bar, in words for the title and screen readers."""
    loads = []
    for photographer in chosen:
        of = found.of(photographer.pk, day)
        if not of.worked and not of.booked:
            continue
        share = min(10, round(10 * of.booked / of.worked)) if of.worked else 10
        words = _("%(name)s: %(booked)s booked of %(worked)s") % {
            "name": photographer.display_name,
            "booked": hours_text(of.booked),
            "worked": hours_text(of.worked),
        }
        loads.append({"pk": photographer.pk, "tenths": share, "text": words})
    return loads


def hours_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours}:{rest:02d} h" if rest else f"{hours} h"
