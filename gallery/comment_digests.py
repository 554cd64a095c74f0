"""The studio hears of new comments on photos in digests, not one email per comment: beat's
scan takes each gallery's comments (from the client or guests) that nobody has told the
studio about, once the latest is a few minutes old (a client writing several in one sitting
gets one email; one writing for an hour gets one an hour), marks them taken, and queues one
email listing them."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from gallery.models import Comment
from studio.background import task_enqueue_on_commit
from studio.email_kinds import email_enabled
from studio.selectors import studio_get

SETTLE = timedelta(minutes=5)  # quiet this long after a gallery's latest comment
LONGEST_WAIT = timedelta(hours=1)  # however chatty, a comment waits no longer than this


def comment_digests_queue(*, now: datetime | None = None) -> int:
    """Take the comments waiting for a digest, per gallery, and queue each gallery's email;
    how many were queued. A comment is taken once, by one conditional UPDATE, so two scans
    at once never list it twice. With the email turned off (or no studio address) the
    comments are taken all the same, so turning it on later doesn't send a backlog."""
    now = now or timezone.now()
    waiting = Comment.objects.filter(
        notified_at__isnull=True, from_studio=False, created_at__lte=now
    )
    ready = [
        row["photo__gallery_id"]
        for row in waiting.values("photo__gallery_id")
        .annotate(newest=Max("created_at"), oldest=Min("created_at"))
        .order_by("photo__gallery_id")
        if row["newest"] <= now - SETTLE or row["oldest"] <= now - LONGEST_WAIT
    ]
    sending = bool(studio_get().contact_email) and email_enabled("studio-comments")
    queued = 0
    for gallery_id in ready:
        ids = list(waiting.filter(photo__gallery_id=gallery_id).values_list("pk", flat=True))
        with transaction.atomic():
            # The condition is on the rows updated, so a scan that took a comment first wins.
            taken = Comment.objects.filter(pk__in=ids, notified_at__isnull=True).update_unseen(
                notified_at=now
            )
            if taken and sending:
                task_enqueue_on_commit(
                    "gallery.tasks.comment_digest_email_send_task",
                    gallery_id=gallery_id,
                    claimed_at=now.isoformat(),
                )
                queued += 1
    return queued
