import time

from celery.exceptions import TimeoutError as CeleryTimeout
from django.core.management.base import BaseCommand, CommandError

from studio.tasks import worker_ping_task


class Command(BaseCommand):
    help = "Send a task to the background worker and report whether one answered."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait")

    def handle(self, *args, timeout, **options):
        started = time.perf_counter()
        result = worker_ping_task.delay()
        try:
            result.get(timeout=timeout, interval=0.05)
        except CeleryTimeout:
            raise CommandError(
                f"No background worker answered within {timeout:g} s. "
                "Is `celery -A studio worker` running (make run starts one)?"
            ) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.stdout.write(
            self.style.SUCCESS(f"A background worker answered in {elapsed_ms:.0f} ms.")
        )
