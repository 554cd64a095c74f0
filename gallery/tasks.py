from celery import shared_task

from gallery.comment_digests import comment_digests_queue
from gallery.culling import (
    analyses_requeue_stuck,
    culls_requeue_stuck,
    gallery_cull_if_asked,
    photo_analyse,
)
from gallery.downloads import download_build, downloads_expire
from gallery.emails import (
    comment_digest_email_send,
    gallery_email_send,
    gallery_reopened_email_send,
    pin_guessing_email_send,
    selection_client_email_send,
    selection_email_send,
)
from gallery.photos import photo_process, photos_requeue_stuck
from gallery.pins import pin_attempts_forget
from gallery.public_images import portfolio_photo_render, session_type_cover_render
from gallery.reminders import gallery_reminders_scan
from studio.emailing import MAIL_ERRORS
from studio.selectors import studio_read_once


# Routed to the images queue (studio/celery.py), so a 300-photo upload never delays an email.
# A worker that dies on a photo (killed, out of memory) hands it back to be retried, at most
# services.MAX_ATTEMPTS times, whatever the global setting; the retry takes the photo over
# at once, since the process that held it is gone. Its outcome is the photo's row (and its
# analysis'): no result stored for nobody to read, one write to the backend fewer a photo.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def photo_process_task(*, photo_id: int) -> str | None:
    with studio_read_once():  # the mark's and the analysis' settings, one read of the row
        photo = photo_process(photo_id=photo_id)
    return photo.status if photo else None


@shared_task(ignore_result=True)  # every 20 seconds: no result file each time
def photos_requeue_stuck_task() -> int:
    return photos_requeue_stuck() + analyses_requeue_stuck() + culls_requeue_stuck()


# The culling assistant, on the images queue: a photo's analysis runs in its photo's task;
# this task is the sweep's, for an analysis whose task died (handed back if its worker dies,
# given up after culling.MAX_ATTEMPTS). Then the gallery's groups and people once its last
# photo is analysed. Both are safe to repeat.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=150,
    ignore_result=True,
)
def photo_analyse_task(*, photo_id: int) -> str | None:
    record = photo_analyse(photo_id=photo_id)
    return record.status if record else None


# Not handed back if its worker dies (a gallery that kills it would loop): the sweep sends
# it again a few times (culling.culls_requeue_stuck), and the next photo analysed in the
# gallery runs it again.
@shared_task(acks_late=True, soft_time_limit=1500, time_limit=1600)
def gallery_cull_task(*, gallery_id: int) -> int:
    return gallery_cull_if_asked(gallery_id=gallery_id)


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def selection_email_send_task(*, selection_id: int) -> bool:
    return selection_email_send(selection_id=selection_id)


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def gallery_email_send_task(*, gallery_id: int, kind: str) -> bool:
    return gallery_email_send(gallery_id=gallery_id, kind=kind)


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def pin_guessing_email_send_task(*, share_link_id: int, day: str) -> bool:
    return pin_guessing_email_send(share_link_id=share_link_id, day=day)


@shared_task
def pin_attempts_forget_task() -> int:
    from django.utils import timezone

    return pin_attempts_forget(now=timezone.now())


# A zip of a big gallery can take a while: its own time limit, and retried if the worker dies.
@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=1800, time_limit=1900)
def download_build_task(*, download_id: int) -> str | None:
    download = download_build(download_id=download_id)
    return download.status if download else None


@shared_task
def downloads_expire_task() -> int:
    return downloads_expire()


@shared_task
def gallery_reminders_scan_task() -> int:
    return gallery_reminders_scan()


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def selection_client_email_send_task(*, selection_id: int) -> bool:
    return selection_client_email_send(selection_id=selection_id)


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def gallery_reopened_email_send_task(*, gallery_id: int, selection_id: int | None = None) -> bool:
    return gallery_reopened_email_send(gallery_id=gallery_id, selection_id=selection_id)


@shared_task
def comment_digests_queue_task() -> int:
    return comment_digests_queue()


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def comment_digest_email_send_task(*, gallery_id: int, claimed_at: str) -> bool:
    return comment_digest_email_send(gallery_id=gallery_id, claimed_at=claimed_at)


@shared_task(soft_time_limit=240, time_limit=300)
def portfolio_photo_render_task(*, photo_id: int) -> str | None:
    photo = portfolio_photo_render(photo_id=photo_id)
    return photo.status if photo else None


@shared_task(soft_time_limit=240, time_limit=300)
def session_type_cover_render_task(*, session_type_id: int) -> bool:
    return session_type_cover_render(session_type_id=session_type_id) is not None
