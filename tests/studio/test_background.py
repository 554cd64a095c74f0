"""Celery end to end: a real broker, a real worker, results read back."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from studio.background import task_enqueue_on_commit
from studio.celery import app as celery_app
from studio.services import broker_processed_prune
from studio.tasks import sessions_clear_expired_task

BASE_DIR = Path(settings.BASE_DIR)


def make_sessions(*, expired: int, live: int) -> None:
    now = timezone.now()
    for n in range(expired + live):
        store = SessionStore()
        store["n"] = n
        store.create()
        if n < expired:
            Session.objects.filter(pk=store.session_key).update(
                expire_date=now - timedelta(minutes=5)
            )


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_in_a_transaction_runs_only_after_commit(redis_url):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    celery_app.control.purge()
    with start_worker(celery_app, perform_ping_check=False, pool="solo", concurrency=1):
        with transaction.atomic():
            make_sessions(expired=2, live=1)
            task_id = task_enqueue_on_commit(sessions_clear_expired_task)
            time.sleep(1.5)  # long enough for a worker to run a task sent too early
            assert AsyncResult(task_id, app=celery_app).state == "PENDING"
        # After commit: the worker sees the rows the transaction wrote.
        assert AsyncResult(task_id, app=celery_app).get(timeout=30) == 2
    assert Session.objects.count() == 1


def queued(queue: str = "default") -> int:
    with celery_app.connection_for_write() as conn:
        return conn.default_channel.queue_declare(queue).message_count


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_transaction_rolls_back():
    celery_app.control.purge()
    with transaction.atomic():
        task_enqueue_on_commit(sessions_clear_expired_task)
        transaction.set_rollback(True)  # as when saving the booking fails
    assert queued() == 0
    with transaction.atomic():
        task_enqueue_on_commit(sessions_clear_expired_task)
        assert queued() == 0  # not before the commit...
    assert queued() == 1  # ...but at it
    celery_app.control.purge()


def procfile_command(name: str) -> str:
    for line in (BASE_DIR / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {name} process in the Procfile")


def database_url_for_subprocess() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_worker_started_as_make_run_starts_it_runs_an_enqueued_task():
    if not os.environ.get("REDIS_URL"):
        assert settings.CELERY_BROKER_URL == "filesystem://"  # the embedded default
    celery_app.control.purge()
    make_sessions(expired=3, live=2)
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "VAR_DIR": str(settings.VAR_DIR),
        "WORKER_CONCURRENCY": "1",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    worker = subprocess.Popen(
        ["bash", "-c", "exec " + procfile_command("worker")],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        task_id = task_enqueue_on_commit(sessions_clear_expired_task)
        assert AsyncResult(task_id, app=celery_app).get(timeout=90) == 3
    finally:
        # Warm shutdown through the main process, as a supervisor does.
        worker.send_signal(signal.SIGTERM)
        try:
            output, _ = worker.communicate(timeout=30)
        finally:
            with contextlib.suppress(ProcessLookupError):  # anything left of the pool
                os.killpg(worker.pid, signal.SIGKILL)
    assert Session.objects.count() == 2
    assert re.search(r"Task studio\.tasks\.sessions_clear_expired_task\[.+\] succeeded", output)


def test_beat_schedules_only_tasks_the_worker_knows():
    celery_app.loader.import_default_modules()  # what a worker does as it starts
    schedule = celery_app.conf.beat_schedule
    assert "clear-expired-sessions" in schedule
    for entry in schedule.values():
        assert entry["task"] in celery_app.tasks


def test_image_work_has_its_own_queue():
    queues = {queue.name: queue.routing_key for queue in celery_app.conf.task_queues}
    assert queues == {"default": "default", "images": "images"}


@pytest.mark.django_db(transaction=True)
def test_worker_check_says_plainly_when_no_worker_answers():
    celery_app.control.purge()
    with pytest.raises(CommandError, match=r"No background worker answered within 0\.5 s"):
        call_command("worker_check", timeout=0.5, stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_worker_check_reports_a_running_worker(redis_url):
    out = StringIO()
    with start_worker(celery_app, perform_ping_check=False, pool="solo", concurrency=1):
        call_command("worker_check", timeout=20, stdout=out)
    assert "A background worker answered in" in out.getvalue()


def test_the_embedded_broker_prunes_what_it_handed_out(settings, tmp_path):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"processed_folder": str(tmp_path)}
    old, fresh = tmp_path / "old.default.msg", tmp_path / "fresh.default.msg"
    old.write_text("{}")
    fresh.write_text("{}")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    assert broker_processed_prune() == 1
    assert not old.exists()
    assert fresh.exists()


def test_pruning_is_a_no_op_on_redis(settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    assert broker_processed_prune() == 0
