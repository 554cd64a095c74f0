from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Required, TypedDict, Unpack
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from sessions import slots
from sessions.models import (
    AddOn,
    AvailabilityRule,
    Booking,
    DateHours,
    Installment,
    Invoice,
    Payment,
    Questionnaire,
    QuestionnaireResponse,
    SessionType,
    TimeOff,
)
from sessions.slot_cache import cached_rows
from studio.models import Photographer, Studio
from studio.selectors import studio_get
from studio.tax import BASIS_POINTS


def session_type_list_public(studio: Studio | None = None) -> QuerySet[SessionType]:
    """Bookable session types in display order, with their active photographers and, from
    their offered packages, the lowest and highest price (what a client pays: with prices
    entered before tax, the tax added as studio.pricing does) and length and the lowest
    deposit (`price_low`, `price_high`, `minutes_low`, `minutes_high`, `deposit_low`) and
    whether add-ons are offered (`has_add_ons`); 2 queries, 3 without `studio`."""
    studio = studio or studio_get()
    offered = Q(packages__is_active=True)
    minutes = Coalesce("packages__duration_minutes", "duration_minutes")
    price = F("packages__price")
    if studio.tax_name and not studio.prices_include_tax:
        # Half up: (net × rate + 5000) ÷ 10000 in whole numbers; prices are never negative.
        rate = Coalesce("packages__tax_rate", Value(studio.tax_rate))
        price = ExpressionWrapper(
            price + (price * rate + Value(BASIS_POINTS // 2)) / Value(BASIS_POINTS),
            output_field=IntegerField(),
        )
    return (
        SessionType.objects.filter(is_active=True)
        .annotate(
            price_low=Min(price, filter=offered),
            price_high=Max(price, filter=offered),
            deposit_low=Min("packages__deposit", filter=offered),
            minutes_low=Min(minutes, filter=offered),
            minutes_high=Max(minutes, filter=offered),
            has_add_ons=Exists(AddOn.objects.filter(session_type=OuterRef("pk"), is_active=True)),
        )
        .prefetch_related(
            Prefetch(
                "photographers",
                queryset=Photographer.objects.filter(is_active=True),
                to_attr="active_photographers",
            )
        )
    )


def booking_active_q(*, now: datetime) -> Q:
    """Bookings that take their time now: held ones only until their hold runs out."""
    return Q(status__in=[Booking.Status.REQUESTED, Booking.Status.CONFIRMED]) | Q(
        status=Booking.Status.HELD, hold_expires_at__gt=now
    )


def session_rules(
    session_type: SessionType, duration: timedelta | None = None
) -> slots.SessionRules:
    """The slot engine's rules for a session type; `duration` when a package or add-ons
    make the session longer or shorter than the type's own."""
    return slots.SessionRules(
        duration=duration or session_type.duration,
        buffer_before=session_type.buffer_before,
        buffer_after=session_type.buffer_after,
        step=timedelta(minutes=session_type.slot_step_minutes),
        minimum_notice=timedelta(hours=session_type.minimum_notice_hours),
        booking_window=timedelta(days=session_type.booking_window_days),
        max_per_day=session_type.max_per_day,
        dated_only=session_type.dated_only,
    )


@dataclass(frozen=True)
class DiaryRows:
    """What diary_rows reads, by photographer: (pk, daily limit) pairs, then weekly and
    dated hours, time off and the bookings taking time (photographer, session type, start,
    blocked from, blocked until, and until when a held one is held: None for the others).
    Nothing in it depends on the clock, so it can be kept (sessions.slot_cache)."""

    photographers: list[tuple[int, int | None]]
    weekly: dict[int, list[slots.WeeklyHours]]
    dated: dict[int, list[slots.DatedHours]]
    time_off: dict[int, list[slots.Interval]]
    taken: list[tuple[int, int, datetime, datetime, datetime, datetime | None]]


def diary_rows(
    *,
    session_type: SessionType,
    photographer_ids: list[int] | None,
    first_day: date,
    last_day: date,
    tz: ZoneInfo,
    exclude_booking_id: int | None = None,
) -> DiaryRows:
    """Everything the slot engine needs about the photographers offering `session_type`,
    in five queries whatever the range or the number of bookings, read as tuples (model
    instances would cost more than the engine does). A booking being moved
    (`exclude_booking_id`) does not stand in its own way."""
    photographers = session_type.photographers.filter(is_active=True)
    if photographer_ids is not None:
        photographers = photographers.filter(pk__in=photographer_ids)
    photographers = list(photographers.values_list("pk", "max_sessions_per_day"))
    ids = [pk for pk, _limit in photographers]
    # Wide enough for any offset from UTC and any buffer.
    range_from = datetime.combine(first_day - timedelta(days=2), datetime.min.time(), tz)
    range_until = datetime.combine(last_day + timedelta(days=2), datetime.min.time(), tz)

    weekly = weekly_hours(ids)
    dated = {pk: [] for pk in ids}
    for pk, day, start, end, replaces_weekly, type_id in DateHours.objects.filter(
        Q(session_type__isnull=True) | Q(session_type=session_type),
        photographer_id__in=ids,
        date__range=(first_day, last_day),
    ).values_list(
        "photographer_id", "date", "start_time", "end_time", "replaces_weekly", "session_type_id"
    ):
        dated[pk].append(
            slots.DatedHours(
                day, start, end, replaces_weekly, for_this_session_type=type_id is not None
            )
        )
    time_off = time_off_intervals(ids, since=range_from, until=range_until)
    taken = (
        Booking.objects.filter(
            # Every hold whatever the clock says: diaries_from_rows drops those run out.
            Q(status__in=[Booking.Status.REQUESTED, Booking.Status.CONFIRMED])
            | Q(status=Booking.Status.HELD, hold_expires_at__isnull=False),
            photographer_id__in=ids,
            blocked_from__lt=range_until,
            blocked_until__gt=range_from,
        )
        .exclude(pk=exclude_booking_id)
        .annotate(
            holds_until=Case(
                When(status=Booking.Status.HELD, then=F("hold_expires_at")), default=None
            )
        )
        .values_list(
            "photographer_id",
            "session_type_id",
            "starts_at",
            "blocked_from",
            "blocked_until",
            "holds_until",
        )
    )
    return DiaryRows(photographers, weekly, dated, time_off, list(taken))


def weekly_hours(ids: list[int]) -> dict[int, list[slots.WeeklyHours]]:
    """Each photographer's weekly hours, as the slot engine takes them. One query."""
    weekly: dict[int, list[slots.WeeklyHours]] = {pk: [] for pk in ids}
    for pk, *hours in AvailabilityRule.objects.filter(photographer_id__in=ids).values_list(
        "photographer_id", "weekday", "start_time", "end_time", "valid_from", "valid_until"
    ):
        weekly[pk].append(slots.WeeklyHours(*hours))
    return weekly


def time_off_intervals(
    ids: list[int], *, since: datetime, until: datetime
) -> dict[int, list[slots.Interval]]:
    """Each photographer's time off touching the span (the studio's closures under each of
    them; outside calendars' busy times are time off too). One query."""
    time_off: dict[int, list[slots.Interval]] = {pk: [] for pk in ids}
    for pk, starts_at, ends_at in TimeOff.objects.filter(
        Q(photographer_id__in=ids) | Q(photographer__isnull=True),
        starts_at__lt=until,
        ends_at__gt=since,
    ).values_list("photographer_id", "starts_at", "ends_at"):
        for photographer_id in [pk] if pk else ids:
            time_off[photographer_id].append(slots.Interval(starts_at, ends_at))
    return time_off


def diaries_from_rows(
    rows: DiaryRows,
    *,
    session_type: SessionType,
    tz: ZoneInfo,
    now: datetime,
    bookings: bool = True,
) -> list[slots.Diary]:
    """The engine's diaries from what diary_rows read, holds counting only until they run
    out (booking_active_q's rule); without `bookings`, as if nobody had booked (the times
    a day would have then: sessions.waitlist's full days)."""
    busy = {pk: list(intervals) for pk, intervals in rows.time_off.items()}
    all_types = {pk: Counter() for pk in busy}
    this_type = {pk: Counter() for pk in busy}
    for pk, type_id, starts_at, blocked_from, blocked_until, holds_until in (
        rows.taken if bookings else ()
    ):
        if holds_until is not None and holds_until <= now:
            continue
        busy[pk].append(slots.Interval(blocked_from, blocked_until))
        local_day = starts_at.astimezone(tz).date()
        all_types[pk][local_day] += 1
        if type_id == session_type.pk:
            this_type[pk][local_day] += 1
    return [
        slots.Diary(
            photographer_id=pk,
            weekly=rows.weekly[pk],
            dated=rows.dated[pk],
            busy=busy[pk],
            max_per_day=limit,
            sessions_per_day=all_types[pk],
            this_type_per_day=this_type[pk],
        )
        for pk, limit in rows.photographers
    ]


class SlotQuery(TypedDict, total=False):
    """What the slot selectors take: a session type, local dates and the studio's zone, and
    optionally some photographers, `now`, a booking being moved, a length other than the
    type's own, whether bookings count (diaries_from_rows), and whether the diaries may come
    from the cache (pages only, never booking's own check)."""

    session_type: Required[SessionType]
    first_day: Required[date]
    last_day: Required[date]
    tz: Required[ZoneInfo]
    photographer_ids: list[int] | None
    now: datetime | None
    exclude_booking_id: int | None
    duration: timedelta | None
    bookings: bool
    cached: bool


def _engine_inputs(
    *,
    session_type: SessionType,
    first_day: date,
    last_day: date,
    tz: ZoneInfo,
    photographer_ids: list[int] | None = None,
    now: datetime | None = None,
    exclude_booking_id: int | None = None,
    duration: timedelta | None = None,
    bookings: bool = True,
    cached: bool = False,
) -> tuple[dict, DiaryRows]:
    """The slot engine's keyword arguments, and the rows their diaries were made from;
    `cached`: the rows from sessions.slot_cache (for pages; never for booking)."""
    now = now or timezone.now()

    def read() -> DiaryRows:
        return diary_rows(
            session_type=session_type,
            photographer_ids=photographer_ids,
            first_day=first_day,
            last_day=last_day,
            tz=tz,
            exclude_booking_id=exclude_booking_id,
        )

    if cached:
        key = f"{session_type.pk}:{photographer_ids}:{first_day}:{last_day}:{tz.key}"
        rows = cached_rows(f"{key}:{exclude_booking_id}", read)
    else:
        rows = read()
    diaries = diaries_from_rows(rows, session_type=session_type, tz=tz, now=now, bookings=bookings)
    engine = {
        "rules": session_rules(session_type, duration),
        "diaries": diaries,
        "tz": tz,
        "now": now,
        "first_day": first_day,
        "last_day": last_day,
    }
    return engine, rows


def session_type_slots(**query: Unpack[SlotQuery]) -> dict[date, list[slots.Slot]]:
    """Free start times of a session type by local date (5 queries), for sessions of
    `duration` when it is not the type's own; without `bookings`, as if none were made."""
    return slots.available_slots(**_engine_inputs(**query)[0])


def session_type_free_days(**query: Unpack[SlotQuery]) -> set[date]:
    """The dates `session_type_slots` would list, without listing their times (same
    keywords, same queries)."""
    return slots.free_days(**_engine_inputs(**query)[0])


# The calendar's answer is kept per minute of the clock, worked out for the end of that
# minute: a time goes off the page up to a minute before its notice runs out, never after
# (a lapsed hold may hide one for that minute). booking_create reads the database at the
# real time all the same, and refuses a time taken meanwhile with the usual message.
CLOCK_BUCKET_SECONDS = 60


def session_type_calendar(
    *, day: date | None, full_days: bool = False, **query: Unpack[SlotQuery]
) -> tuple[set[date], list[slots.Slot], list[date]]:
    """The month calendar from one reading of the diaries (5 queries, or with `cached` one
    and a cache read while nothing changed: sessions.slot_cache): the days from
    first_day to last_day with free times, `day`'s free times (none when `day` is outside
    them) and, with `full_days`, the days that would have times if nobody had booked but
    have none left (sessions.waitlist's full days), in order.

    With `cached` the answer itself is kept under the slot version and the minute, worked
    out for the end of that minute (CLOCK_BUCKET_SECONDS): it offers no time that stops
    being bookable while it is kept."""
    if not query.get("cached"):
        return _calendar(day=day, full_days=full_days, **query)
    now = query.get("now") or timezone.now()
    minute = int(now.timestamp()) // CLOCK_BUCKET_SECONDS
    query["now"] = datetime.fromtimestamp((minute + 1) * CLOCK_BUCKET_SECONDS, UTC)
    key = ":".join(
        str(part)
        for part in (
            "calendar",
            minute,
            query["session_type"].pk,
            query.get("photographer_ids"),
            query["first_day"],
            query["last_day"],
            query["tz"].key,
            query.get("exclude_booking_id"),
            query.get("duration"),
            query.get("bookings", True),
            day,
            full_days,
        )
    )
    return cached_rows(key, lambda: _calendar(day=day, full_days=full_days, **query))


def _calendar(
    *, day: date | None, full_days: bool, **query: Unpack[SlotQuery]
) -> tuple[set[date], list[slots.Slot], list[date]]:
    engine, rows = _engine_inputs(**query)
    session_type, tz = query["session_type"], query["tz"]
    days = slots.free_days(**engine)
    full = []
    if full_days:
        if_empty = diaries_from_rows(
            rows, session_type=session_type, tz=tz, now=engine["now"], bookings=False
        )
        full = sorted(slots.free_days(**engine | {"diaries": if_empty}) - days)
    if day not in days:
        return days, [], full
    times = slots.available_slots(**engine | {"first_day": day, "last_day": day})[day]
    return days, times, full


def booking_list_for_client(*, client_id: int) -> list[Booking]:
    """A client's bookings, newest first, with what their pages show: the payments still
    waiting to be made (`open_payments`), the parts of a payment plan still to pay
    (`open_installments`), the session type's questionnaires
    (`session_type.active_questionnaires`) and the submitted answers (`submitted_responses`).
    Five queries. A time held for them from a waitlist is not a session yet: its own page
    (the offer's email) has it."""
    return list(
        Booking.objects.filter(client_id=client_id, waitlist_offer__isnull=True)
        .exclude(status=Booking.Status.EXPIRED)
        .select_related("session_type", "photographer")
        .prefetch_related(
            Prefetch(
                "payments",
                queryset=Payment.objects.filter(status=Payment.Status.PENDING),
                to_attr="open_payments",
            ),
            Prefetch(
                "installments",
                queryset=Installment.objects.filter(status__in=Installment.OPEN_STATUSES),
                to_attr="open_installments",
            ),
            Prefetch(
                "session_type__questionnaires",
                queryset=Questionnaire.objects.filter(is_active=True),
                to_attr="active_questionnaires",
            ),
            Prefetch(
                "responses",
                queryset=QuestionnaireResponse.objects.filter(
                    status=QuestionnaireResponse.Status.SUBMITTED
                ),
                to_attr="submitted_responses",
            ),
        )
        .order_by("-starts_at")
    )


def invoices_for_client(*, client_id: int) -> list[Invoice]:
    """A client's invoices and credit notes, newest first, with their bookings. One query."""
    return list(
        Invoice.objects.filter(booking__client_id=client_id)
        .select_related("booking")
        .order_by("-issued_at", "-pk")
    )


def payments_received_for_client(*, client_id: int) -> list[Payment]:
    """The money a client paid (refunded since or not), newest first, with the bookings and
    their session types. One query."""
    return list(
        Payment.objects.filter(booking__client_id=client_id, status__in=Payment.RECEIVED_STATUSES)
        .select_related("booking__session_type")
        .order_by("-paid_at", "-pk")
    )


def with_questionnaire_progress(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Each booking with how many active questionnaires its session type asks for
    (`questionnaires_expected`), how many the client submitted, and whether they started."""
    expected = (
        Questionnaire.objects.filter(session_types=OuterRef("session_type"), is_active=True)
        .order_by()
        .values("session_types")
        .annotate(total=Count("pk"))
        .values("total")
    )
    submitted = (
        QuestionnaireResponse.objects.filter(
            booking=OuterRef("pk"),
            status=QuestionnaireResponse.Status.SUBMITTED,
            questionnaire__is_active=True,
            questionnaire__session_types=OuterRef("session_type"),
        )
        .order_by()
        .values("booking")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return bookings.annotate(
        questionnaires_expected=Coalesce(Subquery(expected), 0),
        questionnaires_submitted=Coalesce(Subquery(submitted), 0),
        answers_started=Exists(QuestionnaireResponse.objects.filter(booking=OuterRef("pk"))),
    )


def questionnaire_progress_text(booking: Booking) -> str:
    """ "Submitted", "1 of 2 submitted", "Draft", "Not started" or "—" (none asked for), from
    the annotations of `with_questionnaire_progress`."""
    expected, done = booking.questionnaires_expected, booking.questionnaires_submitted
    if not expected:
        return "—"
    if done >= expected:
        return gettext("Submitted")
    if done:
        return gettext("%(done)s of %(expected)s submitted") % {"done": done, "expected": expected}
    return gettext("Draft") if booking.answers_started else gettext("Not started")


def booking_change_deadline(booking: Booking) -> datetime:
    """Until when the client may reschedule or cancel online."""
    hours = booking.session_type.cancellation_cutoff_hours
    if hours is None:
        hours = studio_get().cancellation_cutoff_hours
    return booking.starts_at - timedelta(hours=hours)
