"""Reminders before a session: "your session is in a week / tomorrow" and "your questionnaire
is waiting". Beat runs `reminders_scan` every few minutes. It works out from the database what
is due, so there are no long countdown tasks that a broker could lose or deliver twice. Each
email has a key in the sent-email log, so it goes at most once, whoever scans.

The times are wall-clock times in the studio's zone: "1 day before" a 10:00 session is 10:00
the day before, on either side of a clock change. Nothing goes out between 21:00 and 08:00;
it waits for the morning. A late reminder still goes if it is still useful; it is dropped
when it is moot (the session has started, the booking was cancelled, the questionnaire has
been sent, or a later reminder of the same kind is due as well)."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from email.utils import formataddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sessions.access import booking_url
from sessions.emails import _questionnaire_links, booking_facts, reminder_stamp
from sessions.models import Booking, Installment, Payment
from sessions.payments.ledger import booking_balance_due
from sessions.questionnaires import questionnaire_deadline
from sessions.selectors import with_questionnaire_progress
from studio.background import task_enqueue_on_commit
from studio.email_kinds import kinds_disabled, wording
from studio.emailing import email_kind_send
from studio.models import SentEmail
from studio.selectors import studio_get

log = logging.getLogger(__name__)

QUIET_FROM, QUIET_UNTIL = time(21), time(8)


@dataclass(frozen=True)
class Reminder:
    booking_id: int
    kind: str  # "session" or "questionnaire"
    days: int  # before the session (session), or 0 for the day before the cut-off
    due_at: datetime  # UTC, already moved out of the quiet hours
    key: str


def parse_days(text: str) -> list[int]:
    """ "7, 1" -> [7, 1]: distinct, largest first; anything not a number is ignored."""
    days = {int(part) for part in text.replace(" ", "").split(",") if part.isdigit()}
    return sorted((day for day in days if day > 0), reverse=True)


def wall_clock_before(moment: datetime, *, days: int, tz: ZoneInfo) -> datetime:
    """The same local time `days` days earlier, in UTC (a time the clocks skip is read as
    the instant before the change)."""
    local = moment.astimezone(tz)
    earlier = (local.replace(tzinfo=None) - timedelta(days=days)).replace(tzinfo=tz)
    return earlier.astimezone(UTC)


def out_of_quiet_hours(moment: datetime, *, tz: ZoneInfo) -> datetime:
    """`moment`, or 08:00 local when it falls between 21:00 and 08:00."""
    local = moment.astimezone(tz)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return moment
    day = local.date() + timedelta(days=1) if local.time() >= QUIET_FROM else local.date()
    return datetime.combine(day, QUIET_UNTIL, tz).astimezone(UTC)


def in_quiet_hours(moment: datetime, *, tz: ZoneInfo) -> bool:
    return out_of_quiet_hours(moment, tz=tz) != moment


def booking_reminders(
    *,
    booking: Booking,
    session_days: list[int],
    nudge_days: int,
    questionnaire_closes: datetime | None,
    tz: ZoneInfo,
) -> list[Reminder]:
    """Every reminder the booking gets, with when it is due. `questionnaire_closes` is None
    when there is no questionnaire left to send."""
    stamp = reminder_stamp(booking)  # a moved session gets its reminders again
    reminders = [
        Reminder(
            booking_id=booking.pk,
            kind="session",
            days=days,
            due_at=out_of_quiet_hours(
                wall_clock_before(booking.starts_at, days=days, tz=tz), tz=tz
            ),
            key=f"booking:{booking.pk}:reminder-{days}d:{stamp}",
        )
        for days in session_days
    ]
    if questionnaire_closes is not None and nudge_days:
        nudges = [(nudge_days, wall_clock_before(booking.starts_at, days=nudge_days, tz=tz))]
        nudges.append((0, wall_clock_before(questionnaire_closes, days=1, tz=tz)))
        reminders += [
            Reminder(
                booking_id=booking.pk,
                kind="questionnaire",
                days=days,
                due_at=out_of_quiet_hours(due, tz=tz),
                key=f"booking:{booking.pk}:questionnaire-{days or 'last'}:{stamp}",
            )
            for days, due in nudges
        ]
    return reminders


def due_now(
    reminders: list[Reminder], *, now: datetime, until: datetime, tz: ZoneInfo
) -> list[Reminder]:
    """Those to send now: due, before `until` (the session, or the questionnaire's cut-off),
    outside the quiet hours, and not overtaken by a later one of the same kind that is due
    too (after three days without a worker, only the one-day reminder goes)."""
    if in_quiet_hours(now, tz=tz):
        return []
    due = [r for r in reminders if r.due_at <= now < until]
    latest = {}
    for reminder in due:
        if reminder.kind not in latest or reminder.due_at > latest[reminder.kind].due_at:
            latest[reminder.kind] = reminder
    return list(latest.values())


def _session_days(booking: Booking, studio) -> list[int]:
    own = booking.session_type.reminder_days
    return parse_days(own if own.strip() else studio.reminder_days)


def _reminders_of(booking: Booking, studio, *, now: datetime, tz: ZoneInfo):
    """All the booking's reminders, and when its questionnaire closes. Needs
    `with_questionnaire_progress`."""

    closes = questionnaire_deadline(booking)
    open_questionnaire = (
        booking.questionnaires_expected > booking.questionnaires_submitted and now < closes
    )
    reminders = booking_reminders(
        booking=booking,
        session_days=_session_days(booking, studio),
        nudge_days=studio.questionnaire_nudge_days,
        questionnaire_closes=closes if open_questionnaire else None,
        tz=tz,
    )
    return reminders, closes


def _pending(booking: Booking, studio, *, now: datetime, tz: ZoneInfo) -> list[Reminder]:
    """The booking's reminders to send now. Needs `with_questionnaire_progress`."""
    reminders, closes = _reminders_of(booking, studio, now=now, tz=tz)
    sessions = due_now(
        [r for r in reminders if r.kind == "session"], now=now, until=booking.starts_at, tz=tz
    )
    nudges = due_now(
        [r for r in reminders if r.kind == "questionnaire"], now=now, until=closes, tz=tz
    )
    return sessions + nudges


def reminders_scan(*, now: datetime | None = None) -> int:
    """Queue every reminder that is due and not yet sent. Safe to run as often as wanted,
    and from several places at once: the send claims the email's key."""
    now = now or timezone.now()
    studio = studio_get()
    tz = ZoneInfo(studio.time_zone)
    horizon = 100  # days: as far ahead as any reminder can be (two digits, or 60 for a nudge)
    bookings = with_questionnaire_progress(
        Booking.objects.select_related("session_type").filter(
            status=Booking.Status.CONFIRMED,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(days=horizon),
        )
    )
    off = kinds_disabled()
    pending = [
        reminder
        for booking in bookings
        for reminder in _pending(booking, studio, now=now, tz=tz)
        if f"reminder-{reminder.kind}" not in off
    ]
    sent = set(
        SentEmail.objects.filter(key__in=[r.key for r in pending]).values_list("key", flat=True)
    )
    queued = 0
    for reminder in pending:
        if reminder.key in sent:
            continue
        task_enqueue_on_commit(
            "sessions.tasks.reminder_send_task", booking_id=reminder.booking_id, key=reminder.key
        )
        queued += 1
    return queued


# After its session a booking with money left to pay is sent a balance request, the next
# morning (10:00 studio time), when payments are on. Only sessions of the last fortnight: a
# studio turning payments on is not made to chase its whole history.
BALANCE_AT, BALANCE_WITHIN = time(10), timedelta(days=14)


def balance_due_at(booking: Booking, *, tz: ZoneInfo) -> datetime:
    day = booking.ends_at.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(day, BALANCE_AT, tz).astimezone(UTC)


def balance_requests_scan(*, now: datetime | None = None) -> int:
    """Queue a balance request for each session that ended, has money left to pay and has
    not had a balance email (automatic or asked for by hand). The request reuses any open
    balance payment, and its email is keyed by day, so two scans ask once."""
    now = now or timezone.now()
    if not settings.PAYMENTS_ENABLED or "balance-due" in kinds_disabled():
        return 0
    tz = ZoneInfo(studio_get().time_zone)
    asked = SentEmail.objects.filter(kind="balance-due", booking=OuterRef("pk"))
    bookings = (
        Booking.objects.filter(
            status__in=(Booking.Status.CONFIRMED, Booking.Status.COMPLETED),
            ends_at__lte=now,
            ends_at__gt=now - BALANCE_WITHIN,
        )
        .exclude(Exists(asked))
        # A payment plan asks for its own parts (sessions.payments.autopay).
        .exclude(
            Exists(
                Installment.objects.filter(
                    booking=OuterRef("pk"), status__in=Installment.OPEN_STATUSES
                )
            )
        )
        .prefetch_related(Prefetch("payments", queryset=Payment.objects.order_by("pk")))
    )
    queued = 0
    for booking in bookings:
        if booking_balance_due(booking) > 0 and balance_due_at(booking, tz=tz) <= now:
            task_enqueue_on_commit("sessions.tasks.balance_request_task", booking_id=booking.pk)
            queued += 1
    return queued


def reminder_send(*, booking_id: int, key: str, now: datetime | None = None) -> bool:
    """Send one reminder if it is still due and useful as the worker picks it up (the booking
    may have been cancelled or moved, or the questionnaire sent, since it was queued)."""

    now = now or timezone.now()
    studio = studio_get()
    tz = ZoneInfo(studio.time_zone)
    booking = (
        with_questionnaire_progress(
            Booking.objects.select_related("client", "session_type", "photographer")
        )
        .filter(pk=booking_id, status=Booking.Status.CONFIRMED)
        .first()
    )
    if booking is None:
        return False
    reminder = next((r for r in _pending(booking, studio, now=now, tz=tz) if r.key == key), None)
    if reminder is None:
        return False
    return email_kind_send(
        kind=f"reminder-{reminder.kind}",
        key=key,
        to=formataddr((booking.booked_as_name, booking.client.email)),
        context=lambda: reminder_message(reminder.kind, booking, studio, now=now),
        reply_to=studio.contact_email or None,
        booking=booking,
    )


def reminder_message(kind: str, booking: Booking, studio, *, now: datetime, template=None) -> dict:
    """The context of emails/reminder-<kind>/ for a session ("session") or questionnaire
    ("questionnaire") reminder, in the studio's words if it wrote some. Needs
    `with_questionnaire_progress`, and the studio's zone current."""

    facts = booking_facts(booking, studio)
    local = timezone.localtime(booking.starts_at)
    questionnaires = _questionnaire_links(booking)
    if kind == "session":
        days_away = (local.date() - timezone.localtime(now).date()).days
        facts["day"] = (
            _("today")
            if days_away == 0
            else _("tomorrow")
            if days_away == 1
            else _("on %(date)s") % {"date": facts["date"]}
        )
        words = wording("reminder-session", facts, template=template)
        if booking.session_type.guides.exists():
            words["paragraphs"].append(
                _("Everything you need to know, what to wear and bring, is on your booking page.")
            )
        open_questionnaire = booking.questionnaires_expected > booking.questionnaires_submitted
        links = questionnaires if open_questionnaire else []
        if links:
            words["paragraphs"].append(
                ngettext(
                    "If you haven't yet, please fill in your questionnaire:",
                    "If you haven't yet, please fill in your questionnaires:",
                    len(links),
                )
            )
        button = (_("See my booking"), booking_url(booking, absolute=True))
    else:
        facts["deadline"] = date_format(
            timezone.localtime(questionnaire_deadline(booking)), "l j F, H:i"
        )
        words = wording("reminder-questionnaire", facts, template=template)
        # One questionnaire: the button opens it; several: each is listed.
        links = questionnaires if len(questionnaires) > 1 else []
        button = (
            (_("Answer the questions"), questionnaires[0][1])
            if len(questionnaires) == 1
            else (_("See my booking"), booking_url(booking, absolute=True))
        )
    return {**words, "studio": studio, "links": links, "button": button}


def upcoming_reminders(
    *, booking: Booking, now: datetime | None = None
) -> list[tuple[str, datetime]]:
    """(what, when in the studio's zone) of each reminder still to go to this booking's
    client, for its admin page. Needs `with_questionnaire_progress`."""
    now = now or timezone.now()
    if booking.status != Booking.Status.CONFIRMED or booking.starts_at <= now:
        return []
    studio = studio_get()
    tz = ZoneInfo(studio.time_zone)
    reminders, closes = _reminders_of(booking, studio, now=now, tz=tz)
    labels = {
        "session": lambda r: (
            ngettext(
                "Session reminder, %(days)d day before",
                "Session reminder, %(days)d days before",
                r.days,
            )
            % {"days": r.days}
        ),
        "questionnaire": lambda r: (
            _("Questionnaire reminder") if r.days else _("Last questionnaire reminder")
        ),
    }
    return sorted(
        (
            (labels[r.kind](r), r.due_at.astimezone(tz))
            for r in reminders
            if r.due_at > now and r.due_at < (booking.starts_at if r.kind == "session" else closes)
        ),
        key=lambda reminder: reminder[1],  # in the order they go
    )
