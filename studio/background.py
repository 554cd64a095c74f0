"""Enqueueing Celery tasks safely: after commit, and never lost to a broker outage.

Each task is written to the database (`QueuedTask`) in the transaction that asks for it,
sent to the broker once that transaction commits, and its row deleted when the broker has
it. A send that fails is logged, never raised: the request already committed, and an
exception from an on-commit callback would turn it into a 500. The row stays, and beat's
sweep (`queued_tasks_send`, every minute) sends it once the broker is back.

Tasks are named, never imported, by the code that sends them: a tasks module imports its
app's services at the top, so a service importing its tasks would be a cycle. The name is
what Celery registered (`"sessions.tasks.booking_email_send_task"`), the same as the row keeps.
"""

import logging
from datetime import datetime, timedelta
from functools import partial
from uuid import uuid4

from celery import Task
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from studio.celery import app
from studio.models import QueuedTask

log = logging.getLogger(__name__)

# One quick retry (a pooled connection the broker dropped when it restarted), no more:
# a request must not wait for a broker that is down; its tasks wait for the sweep instead.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# The committing process's own send normally takes milliseconds; the sweep leaves a row
# alone this long, so that it sends only what that process never did (it stopped).
SEND_GRACE = timedelta(minutes=2)
# How long a sweep's claim on a row lasts: another sweep leaves it alone meanwhile.
SWEEP_CLAIM = timedelta(minutes=5)


def task_get(name: str) -> Task:
    """The task Celery registered as `name`; KeyError for a name no tasks module defines."""
    if name not in app.tasks:
        # A process that never imported the apps' tasks modules (a web process): Celery's
        # autodiscovery imports them all.
        app.loader.import_default_modules()
    return app.tasks[name]


def task_send_now(name: str, /, **kwargs) -> None:
    """Send the task called `name` at once, without the outbox: for beat's sweeps, which
    send again from their own rows' state (photos, thumbnails, refunds) and write nothing."""
    task_get(name).delay(**kwargs)


def task_enqueue_on_commit(task: str | Task, /, **kwargs) -> str:
    """Send the task called `task` with keyword arguments once the current transaction
    commits, and record it in that transaction, so that neither a broker outage nor a
    process stopping between commit and sending loses it. Outside a transaction: recorded
    and sent at once.

    A task sent earlier could run before its rows are visible, or for rows that a rollback
    then removes. The arguments are stored, so they must be JSON values (ids, text). A task
    may arrive twice (see `queued_tasks_send`): every task must be idempotent. Returns the
    task id, known in advance, for looking up the result. Sitting's code names its tasks; a
    `Task` object is taken too, for tests.
    """
    task = task_get(task if isinstance(task, str) else task.name)  # a typo fails here
    row = QueuedTask.objects.create(
        task_id=str(uuid4()),
        name=task.name,
        kwargs=kwargs,
        send_after=timezone.now() + SEND_GRACE,
    )
    transaction.on_commit(
        partial(_send_after_commit, task, kwargs=kwargs, task_id=row.task_id, row_id=row.pk)
    )
    return row.task_id


def _send_after_commit(task: Task, *, kwargs: dict, task_id: str, row_id: int) -> None:
    if task.app.conf.task_always_eager:
        # Tests: the task runs here, not through a broker, so its errors are its own.
        QueuedTask.objects.filter(pk=row_id).delete()
        task.apply_async(kwargs=kwargs, task_id=task_id)
        return
    try:
        task.apply_async(kwargs=kwargs, task_id=task_id, retry_policy=PUBLISH_RETRY)
    except Exception as exc:  # whatever the broker or the result store raised
        log.warning("Could not queue %s[%s]; the sweep will send it: %r", task.name, task_id, exc)
        _failed(row_id, exc, now=timezone.now())
        return
    _sent(row_id)


def queued_tasks_send(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Send the recorded tasks that their own process did not (the broker was down, or the
    process stopped), oldest first; beat runs this every minute. Returns how many went.

    Stops at the first failure: the broker is down again, and the next run tries again. A
    row is deleted only after the broker took it, so a sweep stopped in between sends it
    twice; tasks tolerate that (they are idempotent: `email_send_once` and the like).
    """
    now = now or timezone.now()
    sent = 0
    for row in QueuedTask.objects.filter(send_after__lte=now).order_by("send_after", "pk")[:limit]:
        claimed = QueuedTask.objects.filter(pk=row.pk, send_after=row.send_after).update(
            send_after=now + SWEEP_CLAIM
        )
        if not claimed:  # another sweep has it, or it was sent meanwhile
            continue
        try:
            # By name: routes and options come from the app's configuration, as for apply_async.
            app.send_task(
                row.name, kwargs=row.kwargs, task_id=row.task_id, retry_policy=PUBLISH_RETRY
            )
        except Exception as exc:
            log.warning(
                "Could not queue %s[%s]; the broker is down: %r", row.name, row.task_id, exc
            )
            _failed(row.pk, exc, now=now)
            break
        _sent(row.pk)
        sent += 1
    if sent:
        log.info("Sent %d task(s) left waiting for the broker", sent)
    return sent


def _sent(row_id: int) -> None:
    try:
        QueuedTask.objects.filter(pk=row_id).delete()
    except Exception:  # the database is away: the sweep sends it again, which tasks tolerate
        log.exception("Could not clear queued task %s after sending it", row_id)


def _failed(row_id: int, exc: Exception, *, now: datetime) -> None:
    """Recorded, and due at once: the sweep runs only when the broker answers again."""
    try:
        QueuedTask.objects.filter(pk=row_id).update(
            attempts=F("attempts") + 1, last_error=repr(exc)[:2000], send_after=now
        )
    except Exception:  # the row keeps its time; the sweep still finds it
        log.exception("Could not record why queued task %s was not sent", row_id)
