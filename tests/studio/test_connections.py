"""A process keeps its database connection from one request to the next (CONN_MAX_AGE), on
SQLite as on PostgreSQL, and SQLite's PRAGMAs hold on the connection it keeps."""

import io
import sys

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.db.backends.signals import connection_created


def _get(handler: WSGIHandler, path: str) -> str:
    """A GET as a WSGI server such as gunicorn makes it: request_started and
    request_finished fire, and with them Django's closing of old connections."""
    statuses = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "443",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "REMOTE_ADDR": "127.0.0.1",
    }
    body = handler(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        b"".join(body)
    finally:
        body.close()
    return statuses[0]


@pytest.mark.django_db(transaction=True)
def test_requests_reuse_one_connection():
    handler = WSGIHandler()
    connection.close()
    opened = []

    def count(sender, connection, **kwargs):
        opened.append(connection.alias)

    connection_created.connect(count)
    try:
        statuses = [_get(handler, "/") for _ in range(3)]
    finally:
        connection_created.disconnect(count)

    assert statuses == ["200 OK"] * 3
    assert opened == ["default"]
    assert connection.connection is not None  # still open for the next request


@pytest.mark.django_db(transaction=True)
def test_the_kept_sqlite_connection_has_its_pragmas():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's PRAGMAs; PostgreSQL has none")
    handler = WSGIHandler()
    connection.close()
    _get(handler, "/")
    _get(handler, "/")
    with connection.cursor() as cursor:
        journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        synchronous = cursor.execute("PRAGMA synchronous").fetchone()[0]
    assert journal_mode == "wal"
    assert synchronous == 1  # NORMAL: set by init_command, on this connection only


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_one_connection_for_its_tasks_and_hangs_up_when_it_stops(redis_url):
    """Celery's Django fixup closed the connection before and after every task, so a worker
    opened one per task; studio.celery keeps it as a web process does."""
    from celery.result import AsyncResult

    from studio.celery import app as celery_app
    from tests.workers import worker_run_until

    celery_app.control.purge()
    ids = [celery_app.send_task("gallery.tasks.pin_attempts_forget_task").id for _ in range(3)]
    opened = []

    def count(sender, connection, **kwargs):
        opened.append(connection.alias)

    connection_created.connect(count)
    try:
        worker_run_until(
            lambda: all(AsyncResult(i, app=celery_app).ready() for i in ids), timeout=60
        )
    finally:
        connection_created.disconnect(count)

    assert [AsyncResult(i, app=celery_app).result for i in ids] == [0, 0, 0]
    assert opened == ["default"]  # one connection for the three tasks
    if connection.vendor == "postgresql":  # and the stopped worker's is closed
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            )
            assert cursor.fetchone()[0] == 1  # this test's own (tests/workers.py)
