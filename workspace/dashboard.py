"""The admin's front page: the studio's day and week, what needs doing, money this month
against last, and sessions per week. One query per part, whatever the size of the studio,
each bounded by dates, so the cost follows what is shown, not the years of history.
Reads bookings, payments, galleries and the email log: the top floor, so none of them
import it."""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.utils.formats import date_format

from gallery.models import Gallery
from gallery.pins import guessing_runs
from sessions.documents.selectors import bookings_waiting_for_signatures
from sessions.models import Booking, Installment
from sessions.models.booking import booking_name_for_studio
from sessions.payments.ledger import booking_balance_due, money_ledger
from sessions.payments.models import PAYMENT_RECEIVED_DIFFERS, Payment
from sessions.selectors import questionnaire_progress_text, with_questionnaire_progress
from studio.http import url_for_each
from studio.models import SentEmail
from studio.selectors import studio_get

HOLD_SOON = timedelta(hours=2)
QUESTIONNAIRE_DAYS = 3
BALANCE_LOOKBACK = timedelta(days=120)
FLAG_LOOKBACK = timedelta(days=120)  # disputes, and payments Stripe took differently
WEEKS = 12
NOT_HELD = Booking.ENDED_STATUSES
# What the day's and week's lists show of a booking (name_for_studio, status, hold, who).
SHOWN = (
    "pk",
    "starts_at",
    "status",
    "hold_expires_at",
    "booked_as",
    "photographed_name",
    "photographed_note",
    "client__name",
    "session_type__name",
    "photographer__display_name",
    "questionnaires_expected",
    "questionnaires_submitted",
    "answers_started",
)


@dataclass
class Bar:
    week: date
    count: int
    x: int
    y: int
    height: int
    label_x: int
    week_text: str = ""  # "8 Jun"
    short_text: str = ""  # "8/6"


class _Days:
    """Dates as people read them ("Wed 10 Jun"), localised once per day, not per row."""

    def __init__(self, tz: ZoneInfo):
        self.tz, self.texts = tz, {}

    def text(self, moment: datetime) -> str:
        day = moment.astimezone(self.tz).date()
        if day not in self.texts:
            self.texts[day] = date_format(day, "D j M")
        return self.texts[day]

    def with_time(self, moment: datetime) -> str:
        return f"{self.text(moment)}, {moment.astimezone(self.tz):%H:%M}"


def _month_start(day: date) -> date:
    return day.replace(day=1)


@dataclass(slots=True)
class Session:
    """A booking as the day's and week's lists and "Needs you" show it, made from the
    values of the columns shown rather than four model instances."""

    pk: int
    status: str
    starts_at: datetime
    hold_expires_at: datetime | None
    name: str  # Booking.name_for_studio
    client_name: str
    what: str  # the session type's name
    photographer: str
    local_start: datetime
    day_text: str  # "Wed 10 Jun"
    time_text: str  # "14:00"
    admin_url: str
    status_text: str  # the status's name in lower case; empty when confirmed
    questionnaires_expected: int
    questionnaires_submitted: int
    answers_started: bool
    questionnaire_text: str = ""


def _upcoming(*, midnight: datetime, tz: ZoneInfo, days: _Days) -> tuple[list, list]:
    """The next seven days' active sessions (with questionnaire progress) and the requests
    after them, in one query of the columns shown."""
    week_end = midnight + timedelta(days=7)
    rows = with_questionnaire_progress(
        Booking.objects.filter(
            Q(status__in=Booking.ACTIVE_STATUSES, starts_at__gte=midnight, starts_at__lt=week_end)
            | Q(status=Booking.Status.REQUESTED, starts_at__gte=week_end)
        )
    ).order_by("starts_at", "pk")
    link = url_for_each("admin:shoots_booking_change")
    statuses = {value: str(label).lower() for value, label in Booking.Status.choices}
    statuses[Booking.Status.CONFIRMED] = ""  # the usual: not said
    week, later = [], []
    for row in rows.values(*SHOWN):
        local = row["starts_at"].astimezone(tz)
        session = Session(
            pk=row["pk"],
            status=row["status"],
            starts_at=row["starts_at"],
            hold_expires_at=row["hold_expires_at"],
            name=booking_name_for_studio(
                client_name=row["client__name"],
                booked_as=row["booked_as"],
                photographed_name=row["photographed_name"],
                photographed_note=row["photographed_note"],
            ),
            client_name=row["client__name"],
            what=row["session_type__name"],
            photographer=row["photographer__display_name"],
            local_start=local,
            day_text=days.text(local),
            time_text=f"{local:%H:%M}",
            admin_url=link(row["pk"]),
            status_text=statuses[row["status"]],
            questionnaires_expected=row["questionnaires_expected"],
            questionnaires_submitted=row["questionnaires_submitted"],
            answers_started=row["answers_started"],
        )
        if session.starts_at < week_end:
            session.questionnaire_text = questionnaire_progress_text(session)
            week.append(session)
        else:
            later.append(session)
    return week, later


def _needs_action(week, later_requests, *, now: datetime, midnight: datetime, days: _Days):
    action: list[dict] = []
    for booking in week:
        if booking.status == Booking.Status.HELD and booking.hold_expires_at <= now + HOLD_SOON:
            action.append({"booking": booking, "why": "hold", "when": booking.hold_expires_at})
        if booking.status == Booking.Status.REQUESTED:
            action.append({"booking": booking, "why": "request", "when": booking.starts_at})
        if (
            booking.status == Booking.Status.CONFIRMED
            and booking.starts_at < midnight + timedelta(days=QUESTIONNAIRE_DAYS + 1)
            and booking.questionnaires_expected > booking.questionnaires_submitted
        ):
            action.append({"booking": booking, "why": "questionnaire", "when": booking.starts_at})
    for booking in later_requests:
        action.append({"booking": booking, "why": "request", "when": booking.starts_at})
    for item in action:
        local = item["when"].astimezone(days.tz)
        item["when_text"] = f"{local:%H:%M}" if item["why"] == "hold" else days.with_time(local)
    return sorted(action, key=lambda item: item["when"])


def _galleries() -> tuple[list, list]:
    """Galleries waiting for the client's selection, and selections sent to the studio."""
    link = url_for_each("admin:gallery_gallery_change")
    galleries = list(
        Gallery.objects.select_related("selection")
        .only("title", "status", "selection_deadline", "selection__photo_count")
        .filter(status__in=[Gallery.Status.PUBLISHED, Gallery.Status.SELECTION_SUBMITTED])
        .order_by("created_at")
    )
    for gallery in galleries:
        gallery.admin_url = link(gallery.pk)
    awaiting = [g for g in galleries if g.status == Gallery.Status.PUBLISHED]
    submitted = [g for g in galleries if g.status == Gallery.Status.SELECTION_SUBMITTED]
    return awaiting, submitted


def _money_flags(*, now: datetime) -> dict:
    balances = []
    if settings.PAYMENTS_ENABLED:
        recent = Booking.objects.select_related("client", "session_type").filter(
            status__in=[Booking.Status.CONFIRMED, Booking.Status.COMPLETED],
            ends_at__lt=now,
            ends_at__gte=now - BALANCE_LOOKBACK,
        )
        for booking in recent.prefetch_related(Prefetch("payments")).order_by("starts_at"):
            due = booking_balance_due(booking)
            if due:
                balances.append({"booking": booking, "due": due})
    # Disputed, or Stripe took another amount than expected: one query for both.
    flagged = list(
        Payment.objects.select_related("booking__client", "booking__session_type")
        .filter(
            Q(disputed_at__gte=now - FLAG_LOOKBACK)
            | (PAYMENT_RECEIVED_DIFFERS & Q(paid_at__gte=now - FLAG_LOOKBACK))
        )
        .order_by("-paid_at")
    )
    disputes = sorted(
        (p for p in flagged if p.disputed_at and p.disputed_at >= now - FLAG_LOOKBACK),
        key=lambda p: p.disputed_at,
        reverse=True,
    )
    return {
        "balances_unpaid": balances,
        "disputes": disputes,
        "received_differs": [p for p in flagged if p.received_differs],
    }


def _figures(*, today: date, tz: ZoneInfo) -> dict:
    """Money and new bookings this month against last, and sessions per week for the last
    WEEKS weeks (their start times counted into weeks here: truncating each row's time
    to its week in the studio's zone costs SQLite a Python call per row)."""
    this_month = _month_start(today)
    last_month = _month_start(this_month - timedelta(days=1))
    next_month = _month_start(this_month + timedelta(days=32))
    bounds = [datetime.combine(day, time.min, tz) for day in (last_month, this_month, next_month)]
    money: dict[str, dict[str, int]] = {"this": {}, "last": {}}
    for row in money_ledger(since=bounds[0], until=bounds[2], zone=tz):
        money["this" if row.month == this_month else "last"][row.currency] = row.net

    monday = today - timedelta(days=today.weekday())
    weeks = [monday - timedelta(weeks=WEEKS - 1 - n) for n in range(WEEKS)]
    edges = [datetime.combine(day, time.min, tz) for day in weeks]
    edges.append(datetime.combine(monday + timedelta(weeks=1), time.min, tz))
    made = (
        Booking.objects.filter(created_at__gte=bounds[0], created_at__lt=bounds[2])
        .exclude(status=Booking.Status.EXPIRED)
        .aggregate(
            last=Count("pk", filter=Q(created_at__lt=bounds[1])),
            this=Count("pk", filter=Q(created_at__gte=bounds[1])),
        )
    )
    per_week = [0] * WEEKS
    for starts_at in (
        Booking.objects.filter(starts_at__gte=edges[0], starts_at__lt=edges[-1])
        .exclude(status__in=NOT_HELD)
        .values_list("starts_at", flat=True)
        .order_by()
    ):
        per_week[bisect_right(edges, starts_at) - 1] += 1
    tallest = max([*per_week, 1])
    chart_height, bar_width, gap = 120, 28, 8
    bars = []
    for n, week_start in enumerate(weeks):
        height = round(chart_height * per_week[n] / tallest)
        x = n * (bar_width + gap)
        bars.append(
            Bar(
                week=week_start,
                count=per_week[n],
                x=x,
                y=chart_height - height,
                height=height,
                label_x=x + bar_width // 2,
                week_text=date_format(week_start, "j M"),
                short_text=f"{week_start.day}/{week_start.month}",
            )
        )
    return {
        "money": money,
        "counts": made,
        "this_month": this_month,
        "last_month": last_month,
        "bars": bars,
        "chart": {"width": WEEKS * (bar_width + gap), "height": chart_height, "bar": bar_width},
    }


def studio_dashboard(*, now: datetime, tz: ZoneInfo) -> dict:
    today = now.astimezone(tz).date()
    midnight = datetime.combine(today, time.min, tz)
    days = _Days(tz)
    week, later_requests = _upcoming(midnight=midnight, tz=tz, days=days)
    awaiting, submitted = _galleries()
    # Emails that did not go (failed, or left unconfirmed) in the last fortnight.
    emails_failed = (
        SentEmail.objects.filter(created_at__gte=now - timedelta(days=14))
        .filter(
            Q(status=SentEmail.Status.FAILED)
            | Q(status=SentEmail.Status.SENDING, updated_at__lt=now - timedelta(minutes=15))
        )
        .count()
    )
    return {
        "waiting_for_signatures": bookings_waiting_for_signatures(
            now=now, due_hours=studio_get().documents_due_hours
        ),
        "emails_failed": emails_failed,
        # Payment plan parts the card did not pay (the bank asked, it was declined) or that
        # wait for a client with no card saved, oldest first.
        "installments_waiting": list(
            Installment.objects.filter(
                status=Installment.Status.ACTION_NEEDED,
                booking__status__in=(Booking.Status.CONFIRMED, Booking.Status.COMPLETED),
            )
            .select_related("booking__client", "booking__session_type")
            .order_by("due_on", "pk")[:20]
        ),
        "pin_guessing": list(guessing_runs(now=now)),
        "today": today,
        "todays_sessions": [b for b in week if b.local_start.date() == today],
        "week_sessions": [b for b in week if b.local_start.date() != today],
        "needs_action": _needs_action(week, later_requests, now=now, midnight=midnight, days=days),
        "galleries_awaiting": awaiting,
        "selections_submitted": submitted,
        **_money_flags(now=now),
        **_figures(today=today, tz=tz),
    }
