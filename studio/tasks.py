import os
import re
import time

from celery import shared_task
from django.conf import settings

from studio.actors import SYSTEM, Actor, ActorKind, acting_as
from studio.background import queued_tasks_send
from studio.emailing import MAIL_ERRORS, email_resend, email_send_once
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


@shared_task
def broker_soak_task(*, run: str, n: int, email: bool = False, hold: float = 0.0) -> bool:
    """For bench/broker.py and its test: appends "<n> start" to var/soak/<run>.log as it
    starts and "<n> done <sent>" as it ends. With `email`, sends an email keyed by run and
    n (at most once, however often this runs); `hold` then keeps the worker busy that long
    after a send, so that it can be killed with the email sent and the task not done."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", run):
        raise ValueError("a soak run's name is letters, digits, - and _")
    folder = settings.VAR_DIR / "soak"
    folder.mkdir(parents=True, exist_ok=True)

    def record(line: str) -> None:  # one write per line: lines from many processes never mix
        fd = os.open(folder / f"{run}.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{n} {line}\n".encode())
        finally:
            os.close(fd)

    record("start")
    sent = email and email_send_once(
        key=f"soak:{run}:{n}",
        to="soak@example.invalid",
        subject=f"Soak {run} {n}",
        text="Sent by the broker soak test; each is sent once.",
    )
    if sent and hold:
        time.sleep(hold)
    record(f"done {int(sent)}")
    return sent


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def email_resend_task(*, email_id: int, attempt: int, by_user_id: int | None = None) -> bool:
    """Send again as the staff member who asked (recorded on the email)."""
    with acting_as(Actor(ActorKind.STAFF, by_user_id) if by_user_id else SYSTEM):
        return email_resend(email_id=email_id, attempt=attempt)
