from celery import shared_task

from studio.emailing import MAIL_ERRORS, email_resend
from studio.services import broker_processed_prune, sessions_clear_expired


@shared_task
def sessions_clear_expired_task() -> int:
    return sessions_clear_expired()


@shared_task
def broker_processed_prune_task() -> int:
    return broker_processed_prune()


@shared_task
def worker_ping_task() -> str:
    """Answers at once: proves a worker is consuming the default queue."""
    return "pong"


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def email_resend_task(*, email_id: int, attempt: int) -> bool:
    return email_resend(email_id=email_id, attempt=attempt)
