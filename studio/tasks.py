from celery import shared_task

from studio.actors import SYSTEM, Actor, ActorKind, acting_as
from studio.background import queued_tasks_send
from studio.emailing import MAIL_ERRORS, email_resend
from studio.services import broker_processed_prune, sessions_clear_expired


@shared_task
def sessions_clear_expired_task() -> int:
    return sessions_clear_expired()


@shared_task
def broker_processed_prune_task() -> int:
    return broker_processed_prune()


@shared_task
def queued_tasks_send_task() -> int:
    """Beat, every minute: send the tasks the broker missed (it was down)."""
    return queued_tasks_send()


@shared_task
def worker_ping_task() -> str:
    """Answers at once: proves a worker is consuming the default queue."""
    return "pong"


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def email_resend_task(*, email_id: int, attempt: int, by_user_id: int | None = None) -> bool:
    """Send again as the staff member who asked (recorded on the email)."""
    with acting_as(Actor(ActorKind.STAFF, by_user_id) if by_user_id else SYSTEM):
        return email_resend(email_id=email_id, attempt=attempt)
