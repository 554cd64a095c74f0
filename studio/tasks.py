from celery import shared_task

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
