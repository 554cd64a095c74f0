"""Reminders about galleries, found by the same kind of scan as session reminders: the
favorites not yet sent a while after the gallery opened, and a gallery closing in a week.
Each goes once (keyed in the sent-email log), never at night, and only while it still
applies when the worker sends it."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from gallery.models import Gallery
from sessions.reminders import in_quiet_hours
from studio.background import task_enqueue_on_commit
from studio.email_kinds import kinds_disabled
from studio.models import SentEmail
from studio.selectors import studio_get

EXPIRY_WARNING = timedelta(days=7)
OPEN = (Gallery.Status.PUBLISHED, Gallery.Status.SELECTION_SUBMITTED, Gallery.Status.DELIVERED)


def _closes(gallery: Gallery, tz: ZoneInfo) -> datetime | None:
    """When the gallery closes: the end of its last day, local."""
    if gallery.expires_on is None:
        return None
    return datetime.combine(gallery.expires_on + timedelta(days=1), time.min, tz)


def gallery_reminders_due(
    *, gallery: Gallery, now: datetime, nudge_days: int, tz: ZoneInfo
) -> list[tuple[str, str]]:
    """(kind, key) of this gallery's reminders that apply now."""
    due = []
    if (
        nudge_days
        and gallery.status == Gallery.Status.PUBLISHED
        and gallery.selection_id is None
        and gallery.published_at
        and now >= gallery.published_at + timedelta(days=nudge_days)
    ):
        due.append(("nudge", f"gallery:{gallery.pk}:nudge:{int(gallery.published_at.timestamp())}"))
    closes = _closes(gallery, tz)
    if gallery.status in OPEN and closes and closes - EXPIRY_WARNING <= now < closes:
        due.append(("expiring", f"gallery:{gallery.pk}:expiring:{gallery.expires_on.isoformat()}"))
    return due


def gallery_reminders_scan(*, now: datetime | None = None) -> int:
    """Queue the gallery reminders that are due and not yet sent."""
    from gallery.tasks import gallery_email_send_task

    now = now or timezone.now()
    studio = studio_get()
    tz = ZoneInfo(studio.time_zone)
    if in_quiet_hours(now, tz=tz):
        return 0
    candidates = Gallery.objects.filter(status__in=OPEN).filter(
        Q(status=Gallery.Status.PUBLISHED, selection__isnull=True, published_at__isnull=False)
        | Q(expires_on__isnull=False, expires_on__gte=now.astimezone(tz).date())
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
            task_enqueue_on_commit(gallery_email_send_task, gallery_id=gallery_id, kind=kind)
            queued += 1
    return queued
