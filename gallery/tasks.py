from celery import shared_task

from gallery.services import photo_process, photos_requeue_stuck


# Routed to the images queue (studio/celery.py), so a 300-photo upload never delays an email.
# A worker that dies on a photo (killed, out of memory) hands it back to be retried, at most
# services.MAX_ATTEMPTS times, whatever the global setting.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def photo_process_task(*, photo_id: int) -> str | None:
    photo = photo_process(photo_id=photo_id)
    return photo.status if photo else None


@shared_task
def photos_requeue_stuck_task() -> int:
    return photos_requeue_stuck()
