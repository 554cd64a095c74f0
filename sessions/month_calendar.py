"""The month calendar a client picks a day and a time on, for booking or for moving a
booking: the month's free days as a grid, the chosen day's times (sessions.selectors)."""

import calendar
from datetime import date, timedelta

from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from sessions.selectors import session_type_calendar


def _month_start(value: str | None, today: date) -> date:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except (ValueError, OverflowError):  # "2026-13", "99999999999-01"
        return today.replace(day=1)


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def calendar_context(
    request,
    session_type,
    *,
    photographer,
    time_url,
    base_url,
    exclude_booking_id=None,
    duration=None,
    query=(),
    full_days=False,
) -> dict:
    """The month calendar and the chosen day's times, for booking or for moving a booking,
    for sessions of `duration` (the session type's own when None); with `full_days`, the
    month's full days too (`full_day_dates`, sessions.waitlist's), from the same reading.

    `time_url(slot)` is where a time links to; `base_url` is the calendar's own address,
    and `query` what its links carry besides the month, the day and the photographer."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    last_bookable = (
        (timezone.now() + timedelta(days=session_type.booking_window_days)).astimezone(tz).date()
    )
    month = _month_start(request.GET.get("month"), today)
    month = min(max(month, today.replace(day=1)), last_bookable.replace(day=1))

    chosen_day = _parse_day(request.GET.get("day"))

    def free_days(month):
        month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        return month_end, *session_type_calendar(
            session_type=session_type,
            first_day=max(month, today),
            last_day=min(month_end, last_bookable),
            tz=tz,
            day=chosen_day,
            full_days=full_days,
            photographer_ids=[photographer.pk] if photographer else None,
            exclude_booking_id=exclude_booking_id,
            duration=duration,
            cached=True,
        )

    month_end, days, times, full = free_days(month)
    if not days and "month" not in request.GET and month_end < last_bookable:
        # Nothing left this month: open on the next one rather than an empty calendar.
        month = month_end + timedelta(days=1)
        month_end, days, times, full = free_days(month)
    base = [*query, *([("photographer", photographer.pk)] if photographer else [])]

    def day_url(day):
        return f"{base_url}?{urlencode([*base, ('month', day.strftime('%Y-%m')), ('day', day)])}"

    previous_month = (month - timedelta(days=1)).replace(day=1)
    next_month = month_end + timedelta(days=1)
    return {
        "session_type": session_type,
        "photographer": photographer,
        "month": month,
        "weeks": _month_weeks(month, days, chosen_day, day_url),
        "weekdays": [(str(WEEKDAYS[n]), str(WEEKDAYS_ABBR[n])) for n in range(7)],
        "previous_month_url": (
            f"{base_url}?{urlencode([*base, ('month', previous_month.strftime('%Y-%m'))])}"
            if previous_month >= today.replace(day=1)
            else None
        ),
        "next_month_url": (
            f"{base_url}?{urlencode([*base, ('month', next_month.strftime('%Y-%m'))])}"
            if next_month <= last_bookable
            else None
        ),
        "chosen_day": chosen_day,
        "times": [{"slot": slot, "url": time_url(slot)} for slot in times],
        "time_zone": tz.key,
        "has_free_days": bool(days),
        "full_day_dates": full,
    }


def _month_weeks(month: date, free: set[date], chosen: date | None, day_url) -> list[list[dict]]:
    """The month grid's cells, their text made here: the template's date filters and
    blocktranslate cost more per cell than the rest of the page."""
    names = {
        "free": _("%(day)s, times available"),
        "full": _("%(day)s, no times available"),
    }
    weekdays = [str(WEEKDAYS[n]) for n in range(7)]
    month_name = str(MONTHS[month.month])
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        cells = []
        for day in week:
            cell = {"number": str(day.day), "in_month": day.month == month.month}
            if cell["in_month"]:
                cell["free"] = day in free
                text = f"{weekdays[day.weekday()]} {day.day} {month_name}"  # "l j F"
                cell["label"] = names["free" if cell["free"] else "full"] % {"day": text}
                cell |= {"iso": day.isoformat(), "chosen": day == chosen, "url": day_url(day)}
            cells.append(cell)
        weeks.append(cells)
    return weeks
