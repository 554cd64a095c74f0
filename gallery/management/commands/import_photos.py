"""Add photos to a gallery from files or folders (a Lightroom export, a card reader)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gallery.models import Gallery, Photo
from gallery.services import UploadRefused, photo_add, photo_process


class Command(BaseCommand):
    help = (
        "Add photos to a gallery from files or folders, process them here and now, and say "
        "what happened to each. Exits with 1 if any photo was refused or failed."
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
            help="Leave the processing to the workers instead of doing it here.",
        )

    def handle(self, *args, gallery, paths, set_name, queue, finals, **options):
        found = _gallery(gallery)
        files = _files(paths)
        if not files:
            raise CommandError("No files found in: " + ", ".join(paths))
        added = duplicates = 0
        problems: list[tuple[str, str]] = []
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
            if not queue:
                photo = photo_process(photo_id=result.photo.pk)
                if photo is not None and photo.status == Photo.Status.FAILED:
                    problems.append((str(path), photo.failure_reason))
                    continue
            added += 1
        self.stdout.write("")
        done = "queued for the workers" if queue else "added"
        self.stdout.write(
            f"{added} {done}, {duplicates} already in the gallery, {len(problems)} not usable."
        )
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
