"""Reminders about galleries, found by the same kind of scan as session reminders: the
favorites not yet sent a while after the gallery opened, the choose-by day coming up (three
days and one day before it), and a gallery closing in a week. Each goes once (keyed in the
sent-email log), never at night, and only while it still applies when the worker sends it."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from gallery.models import Gallery
from gallery.proofing import day_ends
from sessions.reminders import in_quiet_hours
from studio.background import task_enqueue_on_commit
from studio.email_kinds import kinds_disabled
from studio.models import SentEmail
from studio.selectors import studio_get

EXPIRY_WARNING = timedelta(days=7)
DEADLINE_REMINDERS = (3, 1)  # days before the choose-by day, from the start of that day
OPEN = (Gallery.Status.PUBLISHED, Gallery.Status.SELECTION_SUBMITTED, Gallery.Status.DELIVERED)


def _closes(gallery: Gallery, tz: ZoneInfo) -> datetime | None:
    """When the gallery closes: the end of its last day, local."""
    return day_ends(gallery.expires_on, tz) if gallery.expires_on else None


def gallery_reminders_due(
    *, gallery: Gallery, now: datetime, nudge_days: int, tz: ZoneInfo
) -> list[tuple[str, str]]:
    """(kind, key) of this gallery's reminders that apply now."""
    due = []
    choosing = gallery.status == Gallery.Status.PUBLISHED and gallery.selection_id is None
    deadline = _deadline_reminder(gallery, now, tz) if choosing else None
    if (
        nudge_days
        and choosing
        and not _deadline_near(gallery, now, tz)  # its reminders take over from the nudge
        and gallery.published_at
        and now >= gallery.published_at + timedelta(days=nudge_days)
    ):
        due.append(("nudge", f"gallery:{gallery.pk}:nudge:{int(gallery.published_at.timestamp())}"))
    if deadline is not None:
        key = f"gallery:{gallery.pk}:deadline-{deadline}d:{gallery.selection_deadline.isoformat()}"
        due.append(("deadline", key))
    closes = _closes(gallery, tz)
    if gallery.status in OPEN and closes and closes - EXPIRY_WARNING <= now < closes:
        due.append(("expiring", f"gallery:{gallery.pk}:expiring:{gallery.expires_on.isoformat()}"))
    return due


def _day_starts(day, days_before: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day - timedelta(days=days_before), time.min, tz)


def _deadline_near(gallery: Gallery, now: datetime, tz: ZoneInfo) -> bool:
    """From the first deadline reminder's day on (and after the day itself)."""
    if gallery.selection_deadline is None:
        return False
    return now >= _day_starts(gallery.selection_deadline, max(DEADLINE_REMINDERS), tz)


def _deadline_reminder(gallery: Gallery, now: datetime, tz: ZoneInfo) -> int | None:
    """Which choose-by reminder applies now (3 or 1 days before), if any. Each has its
    window, up to the next one's, so a scan that missed one sends only the later; a gallery
    opened within a window gets no reminder for it (its "ready" email says the day)."""
    if gallery.selection_deadline is None:
        return None
    closes = day_ends(gallery.selection_deadline, tz)
    if now >= closes:
        return None
    ends = closes
    for days in sorted(DEADLINE_REMINDERS):  # the nearest window first
        starts = _day_starts(gallery.selection_deadline, days, tz)
        if starts <= now < ends:
            opened = gallery.published_at
            return days if opened is None or opened < starts else None
        ends = starts
    return None


def gallery_reminders_scan(*, now: datetime | None = None) -> int:
    """Queue the gallery reminders that are due and not yet sent."""
    now = now or timezone.now()
    studio = studio_get()
    tz = ZoneInfo(studio.time_zone)
    if in_quiet_hours(now, tz=tz):
        return 0
    today = now.astimezone(tz).date()
    candidates = Gallery.objects.filter(status__in=OPEN).filter(
        Q(status=Gallery.Status.PUBLISHED, selection__isnull=True, published_at__isnull=False)
        | Q(status=Gallery.Status.PUBLISHED, selection__isnull=True, selection_deadline__gte=today)
        | Q(expires_on__isnull=False, expires_on__gte=today)
    )
    pending = [
        (gallery.pk, kind, key)
        for gallery in candidates
        for kind, key in gallery_reminders_due(
            gallery=gallery, now=now, nudge_days=studio.favorites_nudge_days, tz=tz
        )
    ]
    sent = set(
        SentEmail.objects.filter(key__in=[key for _pk, _kind, key in pending]).values_list(
            "key", flat=True
        )
    )
    off = kinds_disabled()
    queued = 0
    for gallery_id, kind, key in pending:
        if key not in sent and f"gallery-{kind}" not in off:
            task_enqueue_on_commit(
                "gallery.tasks.gallery_email_send_task", gallery_id=gallery_id, kind=kind
            )
            queued += 1
    return queued
