"""The studio's calendar in the admin: month, week and day views of bookings and time off,
server-rendered. Times are wall-clock times in the studio's zone, so a week with a clock change
shows every booking where the clock on the wall said it was. A fixed number of queries
whatever the number of bookings."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sessions.calendar_free import SLOT_MINUTES, day_loads, free_time, free_words, span_classes
from sessions.models import Booking, SessionType, TimeOff
from sessions.slot_cache import cached_rows
from studio.http import url_for_each
from studio.models import Photographer

VIEWS = ("month", "week", "day")
MAX_LANES = 8  # side by side at most (static/css/admin-calendar.css has .lane-1 to .lane-8)
DAY_STARTS, DAY_ENDS = 7, 21  # the hours a week or day shows, widened to fit its bookings
HIDDEN_UNLESS_ASKED = Booking.ENDED_STATUSES


@dataclass
class Block:
    """One booking or time off, on one day, as the calendar draws it. The `*_text` and
    `css` fields are what the template prints as they are (no filters per block)."""

    kind: str  # "booking" or "time-off"
    title: str
    detail: str
    starts: datetime  # local
    ends: datetime  # local
    url: str = ""
    photographer_id: int | None = None
    status: str = ""
    row: int = 0  # in the week and day grid: the first 15-minute row, and how many
    span: int = 1
    lane: int = 1  # side by side when blocks overlap: which column, of the day's `lanes`
    status_text: str = ""  # the status's name, unless confirmed
    css: str = ""  # kind, status and photographer classes
    grid: str = ""  # row, span and lane classes (week and day views)
    time_text: str = ""  # "10:00" (month) or "10:00–11:00" (week and day)
    # A booking the calendar can move (active): its move-to page, the version it shows and
    # its length, for static/js/admin-calendar.js.
    move_url: str = ""
    sequence: int = 0
    minutes: int = 0
    step: int = 15  # its session type's start times, for the keyboard's moves


@dataclass
class Day:
    date: date
    in_month: bool = True
    is_today: bool = False
    blocks: list[Block] = field(default_factory=list)
    book_url: str = ""
    lanes: int = 1
    slots: list[tuple[int, str]] = field(default_factory=list)  # (row, booking link) per half hour
    iso: str = ""  # 2026-06-10
    label: str = ""  # Wednesday 10 June
    # Week and day views: free time and bookings' buffers as grid classes ("r-10 s-8"),
    # free time in words, mini-session days, and the row of now (0: not this day).
    free: list[tuple[datetime, datetime]] = field(default_factory=list)  # local
    buffers: list[tuple[datetime, datetime]] = field(default_factory=list)  # local
    free_rows: list[str] = field(default_factory=list)
    buffer_rows: list[str] = field(default_factory=list)
    free_text: str = ""
    minis: list[str] = field(default_factory=list)
    now_row: int = 0
    # A day view for everyone has a column per photographer: this one's, and its heading.
    photographer_id: int | None = None
    heading: str = ""
    # Month view: how full each photographer's day is.
    loads: list[dict] = field(default_factory=list)


@dataclass
class CalendarPage:
    view: str
    anchor: date
    days: list[Day]
    title: str
    previous: date
    next: date
    hours: list[tuple[str, int]]  # each hour shown ("09:00"), and its first grid row
    photographers: list[Photographer]  # the active ones, for the filter and the legend
    session_types: list[SessionType]
    first_minute: int = 0  # of the day, where the week and day grids' row 2 starts
    photographer_id: int | None = None  # the one chosen, if any


def date_asked(text: str | None, *, today: date) -> date:
    """The day an address asks for (?date=2026-06-10): today when it asks for none, for
    something that is not a date, or for a year nobody means (a typo of one)."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return today
    return day if 1900 <= day.year <= 2200 else today


def calendar_range(view: str, anchor: date) -> tuple[date, date]:
    """The first day shown and the day after the last: six whole weeks from the Monday on or
    before the 1st for a month, Monday to Sunday for a week."""
    if view == "month":
        first = anchor.replace(day=1)
        start = first - timedelta(days=first.weekday())
        return start, start + timedelta(days=42)
    if view == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=7)
    return anchor, anchor + timedelta(days=1)


def _step(view: str, anchor: date, direction: int) -> date:
    if view == "month":
        month = anchor.month - 1 + direction
        year = anchor.year + month // 12
        return date(year, month % 12 + 1, 1)
    return anchor + timedelta(days=direction * (7 if view == "week" else 1))


def _title(view: str, start: date, end: date, anchor: date) -> str:
    if view == "month":
        return date_format(anchor, "F Y")
    if view == "week":
        return f"{date_format(start, 'j M')} – {date_format(end - timedelta(days=1), 'j M Y')}"
    return date_format(anchor, "l j F Y")


def calendar_page_drawn(
    *, draw: Callable[[CalendarPage], str], drawn_for: str, **page: object
) -> tuple[CalendarPage, SafeString]:
    """`calendar_page(**page)` and `draw(page)` (its grid's HTML), kept under the slot
    version, which moves on with every booking, time off, photographer, session type and
    client change. The key holds every argument, the language and `drawn_for`: whatever
    else `draw` reads (the user's permission to book, the filters as typed)."""
    args = ":".join(f"{name}={page[name]}" for name in sorted(page))
    said = f"{args}:{get_language()}:{drawn_for}"  # filters as typed: hashed, any length
    key = f"admin-calendar:{hashlib.sha256(said.encode()).hexdigest()[:32]}"

    def read() -> tuple[CalendarPage, str]:
        fresh = calendar_page(**page)
        return fresh, str(draw(fresh))

    kept, html = cached_rows(key, read, in_process=True)  # the page only reads them
    return kept, mark_safe(html)  # noqa: S308 (drawn by our own template, escaped there)


def calendar_page(
    *,
    view: str,
    anchor: date,
    tz: ZoneInfo,
    today: date,
    photographer_id: int | None = None,
    session_type_id: int | None = None,
    show_cancelled: bool = False,
    now: datetime | None = None,
) -> CalendarPage:
    """Everything the calendar page draws, in eight queries (four of them calendar_free's:
    the free time, and in a month each day's load), reading only the columns shown and only
    the bookings and time off that touch the days shown. `now` (the studio's clock) draws
    the line of now."""
    start, end = calendar_range(view, anchor)
    clock = now or datetime.now(tz)
    since = datetime.combine(start, time.min, tz)
    until = datetime.combine(end, time.min, tz)
    bookings = Booking.objects.filter(starts_at__lt=until, ends_at__gt=since)
    off = TimeOff.objects.filter(starts_at__lt=until, ends_at__gt=since)
    if not show_cancelled:
        bookings = bookings.exclude(status__in=HIDDEN_UNLESS_ASKED)
    if photographer_id:
        bookings = bookings.filter(photographer_id=photographer_id)
        off = off.filter(Q(photographer_id=photographer_id) | Q(photographer__isnull=True))
    if session_type_id:
        bookings = bookings.filter(session_type_id=session_type_id)
    photographers = list(Photographer.objects.order_by("display_name"))
    session_types = list(SessionType.objects.order_by("display_order", "name"))
    names = {p.pk: p.display_name for p in photographers}
    blocks = _booking_blocks(bookings, tz, names, {t.pk: t for t in session_types}, clock)
    blocks += _time_off_blocks(off, tz, names)
    days = {
        start + timedelta(days=n): Day(
            date=start + timedelta(days=n),
            in_month=view != "month" or (start + timedelta(days=n)).month == anchor.month,
            is_today=start + timedelta(days=n) == today,
        )
        for n in range((end - start).days)
    }
    first_hour, last_hour = _place(blocks, days, start, end, tz)
    chosen = [p for p in photographers if p.is_active and photographer_id in (None, p.pk)]
    found = free_time(
        photographers=[(p.pk, p.max_sessions_per_day) for p in chosen],
        first_day=start,
        last_day=end - timedelta(days=1),
        tz=tz,
        now=clock,
    )
    columns = list(days.values())
    if view == "month":
        for day in columns:
            day.loads = day_loads(found, day.date, chosen)
    else:
        # A day for everyone: a column each for those taking sessions, and anyone else with a
        # session that day.
        booked = {block.photographer_id for block in columns[0].blocks}
        people = [p for p in photographers if p in chosen or p.pk in booked]
        if view == "day" and photographer_id is None and len(people) > 1:
            columns = _photographer_columns(columns[0], people)
        first_hour, last_hour = _free_place(
            columns, found, [p.pk for p in chosen], tz, (first_hour, last_hour)
        )
    _finish_days(columns, view, first_hour, last_hour, photographer_id)
    if now is not None and view != "month":
        local = now.astimezone(tz)
        minute = local.hour * 60 + local.minute
        for day in columns:
            if day.date == local.date() and first_hour * 60 <= minute < last_hour * 60:
                day.now_row = 2 + (minute - first_hour * 60) // SLOT_MINUTES
    return CalendarPage(
        view=view,
        anchor=anchor,
        days=columns,
        title=_title(view, start, end, anchor),
        previous=_step(view, anchor, -1),
        next=_step(view, anchor, 1),
        hours=[
            (f"{hour:02d}:00", 2 + (hour - first_hour) * 60 // SLOT_MINUTES)
            for hour in range(first_hour, last_hour)
        ],
        photographers=[p for p in photographers if p.is_active],
        session_types=session_types,
        first_minute=first_hour * 60,
        photographer_id=photographer_id,
    )


def _photographer_columns(day: Day, chosen: list[Photographer]) -> list[Day]:
    """A day for everyone, as a column per photographer (resources side by side): each
    with their bookings and time off, and the studio's closures in every column."""
    return [
        Day(
            date=day.date,
            is_today=day.is_today,
            blocks=[b for b in day.blocks if b.photographer_id in (None, photographer.pk)],
            photographer_id=photographer.pk,
            heading=photographer.display_name,
        )
        for photographer in chosen
    ]


def _free_place(columns: list[Day], found, ids: list[int], tz: ZoneInfo, hours) -> tuple:
    """Each column's free time, buffers and mini-session hours (calendar_free): its
    photographer's, or those of all `ids` (when any of them is free); the hours shown
    widened to the hours worked."""
    first_hour, last_hour = hours
    for day in columns:
        whose = [day.photographer_id] if day.photographer_id else ids
        day.minis = found.minis(day.date, whose)
        for span in found.free(day.date, whose):
            starts, ends = span.start.astimezone(tz), span.end.astimezone(tz)
            day.free.append((starts, ends))
            first_hour = min(first_hour, starts.hour if starts.date() == day.date else 0)
            last_hour = max(last_hour, _hour_after(ends, day.date))
        day.buffers = [
            (span.start.astimezone(tz), span.end.astimezone(tz))
            for span in found.buffers(day.date, whose)
        ]
    return first_hour, last_hour


def _booking_blocks(
    bookings, tz: ZoneInfo, names: dict, types: dict[int, SessionType], now: datetime
) -> list[Block]:
    """One block per booking, from plain values: the formats translated and the link
    reversed once, not per booking. A hold that has run out is shown but not movable."""
    link = url_for_each("admin:shoots_booking_change")
    move = url_for_each("admin:shoots_booking_move_to")
    for_someone = _("%(name)s for %(photographed)s")
    detail = _("%(type)s with %(photographer)s · %(ref)s")
    statuses = {value: str(label) for value, label in Booking.Status.choices}
    blocks = []
    for row in bookings.values(
        "pk",
        "starts_at",
        "ends_at",
        "status",
        "photographer_id",
        "session_type_id",
        "booked_as",
        "client__name",
        "photographed_name",
        "reference",
        "calendar_sequence",
        "hold_expires_at",
    ).order_by("starts_at", "pk"):
        name = row["booked_as"] or row["client__name"]
        status = row["status"]
        session_type = types.get(row["session_type_id"])
        movable = status in Booking.ACTIVE_STATUSES and (
            status != Booking.Status.HELD or (row["hold_expires_at"] or now) > now
        )
        blocks.append(
            Block(
                kind="booking",
                title=for_someone % {"name": name, "photographed": row["photographed_name"]}
                if row["photographed_name"]
                else name,
                detail=detail
                % {
                    "type": session_type.name if session_type else "",
                    "photographer": names.get(row["photographer_id"], ""),
                    "ref": row["reference"],
                },
                starts=row["starts_at"].astimezone(tz),
                ends=row["ends_at"].astimezone(tz),
                url=link(row["pk"]),
                photographer_id=row["photographer_id"],
                status=status,
                status_text="" if status == Booking.Status.CONFIRMED else statuses[status],
                css=f"booking status-{status} ph-{row['photographer_id']}",
                move_url=move(row["pk"]) if movable else "",
                sequence=row["calendar_sequence"],
                minutes=(row["ends_at"] - row["starts_at"]) // timedelta(minutes=1),
                step=session_type.slot_step_minutes if session_type else 15,
            )
        )
    return blocks


def _time_off_blocks(off, tz: ZoneInfo, names: dict) -> list[Block]:
    link = url_for_each("admin:shoots_timeoff_change")
    whose = _("Time off: %(name)s")
    closed = _("Studio closed")
    return [
        Block(
            kind="time-off",
            title=whose % {"name": names.get(row["photographer_id"], "")}
            if row["photographer_id"]
            else closed,
            detail=row["reason"],
            starts=row["starts_at"].astimezone(tz),
            ends=row["ends_at"].astimezone(tz),
            url=link(row["pk"]),
            photographer_id=row["photographer_id"],
            css=f"time-off status- ph-{row['photographer_id']}"
            if row["photographer_id"]
            else "time-off status-",
        )
        for row in off.values("pk", "photographer_id", "starts_at", "ends_at", "reason").order_by(
            "starts_at"
        )
    ]


def _place(blocks: list[Block], days: dict, start: date, end: date, tz: ZoneInfo):
    """Put each block on the days it touches, cut at midnight (a day's time off, a session
    past midnight); returns the first and last hours the grid shows, widened to fit them."""
    first_hour, last_hour = DAY_STARTS, DAY_ENDS
    for block in blocks:
        if block.starts.date() == block.ends.date() and start <= block.starts.date() < end:
            days[block.starts.date()].blocks.append(block)  # most: one piece, as it is
            if block.ends - block.starts < timedelta(hours=12):
                first_hour = min(first_hour, block.starts.hour)
                last_hour = max(last_hour, _hour_after(block.ends, block.starts.date()))
            continue
        day = block.starts.date()
        while day <= block.ends.date() and day < end:
            if day >= start and (day < block.ends.date() or block.ends.time() != time.min):
                piece_start = max(block.starts, datetime.combine(day, time.min, tz))
                piece_end = min(block.ends, datetime.combine(day + timedelta(days=1), time.min, tz))
                # A later day's piece of a session is drawn, not dragged: it starts elsewhere.
                moves = block.move_url if piece_start == block.starts else ""
                days[day].blocks.append(
                    replace(block, starts=piece_start, ends=piece_end, move_url=moves)
                )
                # A whole-day absence stays within the hours shown.
                if piece_end - piece_start < timedelta(hours=12):
                    first_hour = min(first_hour, piece_start.hour)
                    last_hour = max(last_hour, _hour_after(piece_end, day))
            day += timedelta(days=1)
    return first_hour, last_hour


def _finish_days(days, view: str, first_hour: int, last_hour: int, photographer_id) -> None:
    """Sort each day's blocks, give them their grid rows, lanes and texts, and the day its
    links; the empty half hours' booking links only where a grid is drawn."""
    book = reverse("admin:shoots_booking_book_for_client")
    for day in days:
        whose = day.photographer_id or photographer_id
        who = f"&photographer={whose}" if whose else ""
        day.iso = day.date.isoformat()
        day.label = date_format(day.date, "l j F")
        if day.heading:  # a photographer's column
            day.label = f"{day.heading}, {day.label}"
        else:
            day.heading = date_format(day.date, "D j M")
        day.book_url = f"{book}?date={day.iso}{who}"
        day.blocks.sort(key=lambda b: (b.starts, b.kind != "time-off"))
        if view == "month":  # a list per day: no grid rows, lanes or empty half hours
            for block in day.blocks:
                block.time_text = f"{block.starts:%H:%M}" if block.kind == "booking" else ""
            continue
        for block in day.blocks:
            block.row, block.span = _rows(block, day.date, first_hour, last_hour)
            block.time_text = f"{block.starts:%H:%M}–{block.ends:%H:%M}"
        day.lanes = _lanes(day.blocks)
        for block in day.blocks:
            block.grid = f"r-{block.row} s-{block.span} lane-{block.lane}"
        day.free_text = free_words(day.free)
        day.free_rows = span_classes(day.free, day.date, first_hour, last_hour, inward=True)
        day.buffer_rows = span_classes(day.buffers, day.date, first_hour, last_hour, inward=False)
        day.slots = [
            (
                2 + (minute - first_hour * 60) // SLOT_MINUTES,
                f"{book}?date={day.iso}&time={minute // 60:02d}:{minute % 60:02d}{who}",
            )
            for minute in range(first_hour * 60, last_hour * 60, 30)
        ]


def _lanes(blocks: list[Block]) -> int:
    """Put overlapping blocks side by side: each takes the first lane free at its start, up
    to MAX_LANES (then they share the last). Returns how many lanes the day needs. `blocks`
    are sorted by start."""
    ends: list[int] = []  # the last row each lane is busy until
    for block in blocks:
        for lane, busy_until in enumerate(ends):
            if busy_until <= block.row:
                block.lane, ends[lane] = lane + 1, block.row + block.span
                break
        else:
            if len(ends) < MAX_LANES:
                ends.append(block.row + block.span)
                block.lane = len(ends)
            else:
                block.lane = MAX_LANES
                ends[-1] = max(ends[-1], block.row + block.span)
    return max(1, len(ends))


def _hour_after(moment: datetime, day: date) -> int:
    if moment.date() > day:
        return 24
    return moment.hour + (1 if moment.minute or moment.second else 0)


def _rows(block: Block, day: date, first_hour: int, last_hour: int) -> tuple[int, int]:
    """Grid rows for a block drawn from `first_hour`: row 1 is the day's heading. Wall-clock
    minutes, so 10:00 is the 10:00 row on either side of a clock change."""
    start = block.starts.hour * 60 + block.starts.minute if block.starts.date() == day else 0
    end = block.ends.hour * 60 + block.ends.minute if block.ends.date() == day else 24 * 60
    start = max(start, first_hour * 60)
    end = min(max(end, start + SLOT_MINUTES), last_hour * 60)
    row = 2 + (start - first_hour * 60) // SLOT_MINUTES
    span = max(1, -(-(end - start) // SLOT_MINUTES))
    return row, span
