"""The admin's front page: the studio's day and week, what needs doing, money this month
against last, and sessions per week. One query per part, whatever the size of the studio.
Reads bookings, payments, galleries and the email log: the top floor, so none of them
import it."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import TruncWeek

from gallery.models import Gallery
from gallery.pins import guessing_runs
from sessions.documents.selectors import bookings_waiting_for_signatures
from sessions.models import Booking, Installment
from sessions.payments.ledger import booking_balance_due, money_ledger
from sessions.payments.models import PAYMENT_RECEIVED_DIFFERS, Payment
from sessions.selectors import questionnaire_progress_text, with_questionnaire_progress
from studio.models import SentEmail
from studio.selectors import studio_get

HOLD_SOON = timedelta(hours=2)
QUESTIONNAIRE_DAYS = 3
BALANCE_LOOKBACK = timedelta(days=120)
FLAG_LOOKBACK = timedelta(days=120)  # disputes, and payments Stripe took differently
WEEKS = 12


@dataclass
class Bar:
    week: date
    count: int
    x: int
    y: int
    height: int
    label_x: int


def _month_start(day: date) -> date:
    return day.replace(day=1)


def studio_dashboard(*, now: datetime, tz: ZoneInfo) -> dict:
    today = now.astimezone(tz).date()
    midnight = datetime.combine(today, time.min, tz)
    active = [Booking.Status.HELD, Booking.Status.REQUESTED, Booking.Status.CONFIRMED]

    week = list(
        with_questionnaire_progress(
            Booking.objects.select_related("client", "session_type", "photographer").filter(
                status__in=active,
                starts_at__gte=midnight,
                starts_at__lt=midnight + timedelta(days=7),
            )
        ).order_by("starts_at")
    )
    for booking in week:
        booking.local_start = booking.starts_at.astimezone(tz)
        booking.questionnaire_text = questionnaire_progress_text(booking)
    todays = [b for b in week if b.local_start.date() == today]

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
    later_requests = Booking.objects.select_related("client", "session_type").filter(
        status=Booking.Status.REQUESTED, starts_at__gte=midnight + timedelta(days=7)
    )
    for booking in later_requests:
        action.append({"booking": booking, "why": "request", "when": booking.starts_at})

    galleries = list(
        Gallery.objects.select_related("booking__client", "selection")
        .filter(status__in=[Gallery.Status.PUBLISHED, Gallery.Status.SELECTION_SUBMITTED])
        .order_by("created_at")
    )
    awaiting = [g for g in galleries if g.status == Gallery.Status.PUBLISHED]
    submitted = [g for g in galleries if g.status == Gallery.Status.SELECTION_SUBMITTED]

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
    received_differs = [p for p in flagged if p.received_differs]

    this_month = _month_start(today)
    last_month = _month_start(this_month - timedelta(days=1))
    next_month = _month_start(this_month + timedelta(days=32))
    bounds = [datetime.combine(day, time.min, tz) for day in (last_month, this_month, next_month)]
    money: dict[str, dict[str, int]] = {"this": {}, "last": {}}
    for row in money_ledger(since=bounds[0], until=bounds[2], zone=tz):
        money["this" if row.month == this_month else "last"][row.currency] = row.net
    made = Booking.objects.filter(created_at__gte=bounds[0], created_at__lt=bounds[2]).exclude(
        status__in=[Booking.Status.EXPIRED]
    )
    counts = {"this": 0, "last": 0}
    for created_at in made.values_list("created_at", flat=True):
        counts["this" if created_at >= bounds[1] else "last"] += 1

    monday = today - timedelta(days=today.weekday())
    first_week = monday - timedelta(weeks=WEEKS - 1)
    per_week: dict[date, int] = defaultdict(int)
    for row in (
        Booking.objects.filter(
            starts_at__gte=datetime.combine(first_week, time.min, tz),
            starts_at__lt=datetime.combine(monday + timedelta(weeks=1), time.min, tz),
        )
        .exclude(
            status__in=[Booking.Status.CANCELLED, Booking.Status.DECLINED, Booking.Status.EXPIRED]
        )
        .annotate(week=TruncWeek("starts_at", tzinfo=tz))
        .values("week")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        per_week[row["week"].date() if isinstance(row["week"], datetime) else row["week"]] += row[
            "count"
        ]
    weeks = [first_week + timedelta(weeks=n) for n in range(WEEKS)]
    tallest = max([per_week[w] for w in weeks] + [1])
    chart_height, bar_width, gap = 120, 28, 8
    bars = []
    for n, week_start in enumerate(weeks):
        height = round(chart_height * per_week[week_start] / tallest)
        x = n * (bar_width + gap)
        bars.append(
            Bar(
                week=week_start,
                count=per_week[week_start],
                x=x,
                y=chart_height - height,
                height=height,
                label_x=x + bar_width // 2,
            )
        )

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
        "todays_sessions": todays,
        "week_sessions": [b for b in week if b.local_start.date() != today],
        "needs_action": sorted(action, key=lambda item: item["when"]),
        "galleries_awaiting": awaiting,
        "selections_submitted": submitted,
        "balances_unpaid": balances,
        "disputes": disputes,
        "received_differs": received_differs,
        "money": money,
        "counts": counts,
        "this_month": this_month,
        "last_month": last_month,
        "bars": bars,
        "chart": {"width": WEEKS * (bar_width + gap), "height": chart_height, "bar": bar_width},
    }
