"""A real Celery worker, in this process, for the tests about tasks (they need Redis)."""

import gc
import time
from collections.abc import Callable

from celery.contrib.testing.worker import start_worker

from studio.celery import app as celery_app


def worker_run_until(done: Callable[[], bool], *, timeout: float) -> None:
    """Run a worker on both queues, as the Procfile's does, until `done()` or `timeout`
    seconds. Both queues: a worker started on "images" alone would leave it selected on the
    app for the rest of the run."""
    with start_worker(
        celery_app,
        perform_ping_check=False,
        pool="solo",
        concurrency=1,
        queues=["default", "images"],
    ):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not done():
            time.sleep(0.2)
    # The worker's thread has ended; its database connection (a worker keeps one between
    # tasks, studio.celery) goes with it now rather than whenever Python gets round to it,
    # so PostgreSQL can drop the test database at the end.
    gc.collect()
