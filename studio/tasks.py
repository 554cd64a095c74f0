from celery import shared_task

from studio.services import sessions_clear_expired


@shared_task
def sessions_clear_expired_task() -> int:
    return sessions_clear_expired()
