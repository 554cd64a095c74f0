"""Add photos to a gallery from files or folders (a Lightroom export, a card reader).

Who processes them: when a worker is listening on the images queue, the workers do (each
photo is queued as it is added, as from the upload page) and this command waits for them;
with no worker, this command does, one photo after another. Either way each photo is
claimed once (gallery.photos.photo_process), so a worker starting meanwhile takes only
photos not yet begun here, and the summary is what the database says happened to each
photo, whoever processed it.
"""

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gallery.models import Gallery, Photo, failure_text
from gallery.photos import UploadRefused, photo_add, photo_process
from studio.celery import app

# How long the workers have to say they are there. A worker on a pool of processes answers
# at once, however busy; one running a single photo at a time answers between photos.
WORKER_ASK_SECONDS = 1.0
SETTLED = (Photo.Status.READY, Photo.Status.FAILED)


class Command(BaseCommand):
    help = (
        "Add photos to a gallery from files or folders and say what happened to each: "
        "processed by the workers if any is running (this waits for them), else here. "
        "Exits with 1 if any photo was refused, failed, or was not finished in time."
    )

    def add_arguments(self, parser):
        parser.add_argument("gallery", help="The gallery's number or web address (slug).")
        parser.add_argument("paths", nargs="+", help="Photo files, or folders to take them from.")
        parser.add_argument("--set", dest="set_name", default="", help="Put them in this set.")
        parser.add_argument(
            "--finals",
            action="store_true",
            help="They are finished photos for the client to download (no watermark).",
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue them for the workers and finish at once, without waiting.",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=1800.0,
            help="Seconds to wait for the workers to finish the photos (default 1800).",
        )

    def handle(self, *args, gallery, paths, set_name, queue, finals, wait, **options):
        found = _gallery(gallery)
        files = _files(paths)
        if not files:
            raise CommandError("No files found in: " + ", ".join(paths))
        workers = [] if queue else image_workers()
        if workers:
            self.stdout.write(
                f"{len(workers)} worker(s) will process the photos ({', '.join(workers)}); "
                "waiting for them."
            )
        duplicates = 0
        problems: list[tuple[str, str]] = []
        added: dict[int, str] = {}  # photo id → path, for those this run added
        for number, path in enumerate(files, start=1):
            self._progress(number, len(files), path.name)
            try:
                with path.open("rb") as stream:
                    result = photo_add(
                        gallery=found,
                        stream=stream,
                        name=path.name,
                        size=path.stat().st_size,
                        set_name=set_name,
                        kind=Photo.Kind.FINAL if finals else Photo.Kind.PROOF,
                    )
            except UploadRefused as refused:
                problems.append((str(path), refused.reason))
                continue
            except OSError as error:
                problems.append((str(path), f"it could not be read ({error.strerror})"))
                continue
            if not result.created:
                duplicates += 1
                continue
            added[result.photo.pk] = str(path)
            if not queue and not workers:
                photo_process(photo_id=result.photo.pk)  # None: a worker took it meanwhile
        self.stdout.write("")
        if queue:
            self.stdout.write(
                f"{len(added)} queued for the workers, {duplicates} already in the gallery, "
                f"{len(problems)} not usable."
            )
            self._problems(problems)
            return
        outcome = self._outcome(added, wait)
        ready = [pk for pk, (status, _reason) in outcome.items() if status == Photo.Status.READY]
        problems += [
            (added[pk], reason)
            for pk, (status, reason) in outcome.items()
            if status == Photo.Status.FAILED
        ]
        unfinished = [pk for pk, (status, _reason) in outcome.items() if status not in SETTLED]
        self.stdout.write(
            f"{len(ready)} added, {duplicates} already in the gallery, {len(problems)} not usable."
        )
        if unfinished:
            self.stdout.write(
                f"{len(unfinished)} still being processed after {wait:g} s; the gallery's "
                "page shows when they are done:"
            )
            for pk in unfinished:
                self.stdout.write(f"  {added[pk]}")
        self._problems(problems)
        if unfinished:
            sys.exit(1)

    def _outcome(self, added: dict[int, str], wait: float) -> dict[int, tuple[str, str]]:
        """Each photo's status and reason as the database has it, once all are ready or
        failed, or `wait` seconds have passed."""
        deadline = time.monotonic() + wait
        counting = False  # a "Processed n of m" line is on the screen
        while True:
            outcome = {
                pk: (status, failure_text(code, params))
                for pk, status, code, params in Photo.objects.filter(pk__in=added).values_list(
                    "pk", "status", "failure_code", "failure_params"
                )
            }
            done = sum(1 for status, _reason in outcome.values() if status in SETTLED)
            counted = f"\rProcessed {done} of {len(outcome)} photos"
            if done == len(outcome) or time.monotonic() >= deadline:
                if counting:  # the count as it ended, and the summary on a line of its own
                    self.stdout.write(counted)
                return outcome
            self.stdout.write(counted, ending="")
            self.stdout.flush()
            counting = True
            time.sleep(0.5)

    def _problems(self, problems: list[tuple[str, str]]) -> None:
        for path, reason in problems:
            self.stdout.write(f"  {path}: {reason}")
        if problems:
            sys.exit(1)

    def _progress(self, number: int, total: int, name: str) -> None:
        width = 30
        done = round(width * number / total)
        shown = "".join(ch for ch in name if ch.isprintable())[:40]
        self.stdout.write(
            f"\r[{'#' * done}{'.' * (width - done)}] {number}/{total} {shown:<40}", ending=""
        )
        self.stdout.flush()


def image_workers() -> list[str]:
    """The names of the workers consuming the images queue (empty when none answers)."""
    try:
        answers = app.control.inspect(timeout=WORKER_ASK_SECONDS).active_queues() or {}
    except Exception:  # the broker is away: nobody else will process them
        return []
    return sorted(
        name
        for name, queues in answers.items()
        if any(queue.get("name") == "images" for queue in queues or [])
    )


def _gallery(value: str) -> Gallery:
    query = (
        Gallery.objects.filter(pk=int(value))
        if value.isdigit()
        else Gallery.objects.filter(slug=value)
    )
    found = query.first()
    if found is None:
        raise CommandError(f"No gallery {value!r}.")
    return found


def _files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            )
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"{raw} is neither a file nor a folder.")
    return files
