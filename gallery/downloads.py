"""Delivering finals: each one, at full size (gallery/delivery.py: nothing identifying) or web
size (the preview: no metadata at all), and all of them as one zip that a worker builds file
by file from storage, through a temporary file on disk, never whole in memory. A zip is kept
for a week, then its file is deleted."""

import logging
import re
import shutil
import tempfile
import zipfile
from datetime import datetime, timedelta

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gallery.exports import base_name
from gallery.models import Download, Gallery, Photo, derived_key
from studio import image_files
from studio.background import task_enqueue_on_commit
from studio.services import storage_files_delete

log = logging.getLogger(__name__)

ZIP_KEEP = timedelta(days=7)
BUILD_STUCK_AFTER = timedelta(minutes=30)
COPY_CHUNK = 1024 * 1024
UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def finals(gallery: Gallery) -> list[Photo]:
    return list(gallery.photos.filter(kind=Photo.Kind.FINAL, status=Photo.Status.READY))


def download_name(photo: Photo, size: str) -> str:
    """The name a final downloads under: its own, ending in its format's extension whatever
    it was uploaded as (`x.jpg.php` downloads as `x.jpg`), or its own as a web-size JPEG."""
    if size == Download.Size.WEB:
        return f"{base_name(photo.original_name)} (web).jpg"
    kind = photo_format(photo)
    return image_files.file_name_for(photo.original_name, kind) if kind else photo.original_name


def photo_format(photo: Photo) -> str | None:
    """The format of a photo's original, from the extension Sitting stored it under; for
    files stored before extensions came from the format, from their first bytes."""
    kind = image_files.format_for_name(photo.original.name)
    if kind is None:
        try:
            with photo.original.open("rb") as stream:
                kind = image_files.format_sniff(stream.read(16))
        except OSError:
            return None
    return kind


def download_file(photo: Photo, size: str):
    """The stored file a client downloads for this final and size."""
    return photo.preview if size == Download.Size.WEB else photo.download


def _zip_entry_names(names: list[str]) -> list[str]:
    """Names safe inside a zip on every system, each once (case-insensitively)."""
    used: set[str] = set()
    safe = []
    for name in names:
        clean = UNSAFE_IN_NAMES.sub("_", name).strip(" .") or "photo"
        stem, dot, suffix = clean.rpartition(".")
        stem, suffix = (stem, dot + suffix) if dot and stem else (clean, "")
        candidate, number = clean, 1
        while candidate.lower() in used:
            number += 1
            candidate = f"{stem} ({number}){suffix}"
        used.add(candidate.lower())
        safe.append(candidate)
    return safe


def _zip_time(photo: Photo) -> tuple:
    """When the photo was taken, as a zip records it (years 1980 to 2107 only): a camera
    clock stuck in 1970 or a scan of an old print gets the upload time instead."""
    taken = timezone.localtime(photo.captured_at or photo.created_at)
    if not 1980 <= taken.year <= 2107:
        taken = timezone.localtime(photo.created_at)
    return taken.timetuple()[:6]


def download_request(*, gallery: Gallery, size: str, now: datetime | None = None) -> Download:
    """The zip of the gallery's finals at this size: one being built or still fresh, else a
    new one, queued for a worker."""
    now = now or timezone.now()
    if size not in Download.Size.values:
        raise ValueError(f"unknown size {size!r}")
    with transaction.atomic():
        list(Gallery.objects.select_for_update().filter(pk=gallery.pk).values_list("pk"))
        current = (
            Download.objects.filter(gallery=gallery, size=size)
            .filter(
                Q(status__in=[Download.Status.QUEUED, Download.Status.BUILDING])
                | Q(status=Download.Status.READY, expires_at__gt=now + timedelta(days=1))
            )
            .first()
        )
        if current and (current.status != Download.Status.READY or _still_whole(current)):
            return current
        download = Download.objects.create(gallery=gallery, size=size, total=len(finals(gallery)))
        task_enqueue_on_commit("gallery.tasks.download_build_task", download_id=download.pk)
    return download


def _still_whole(download: Download) -> bool:
    """A ready zip made before a final was added or replaced is stale."""
    newest = (
        download.gallery.photos.filter(kind=Photo.Kind.FINAL, status=Photo.Status.READY)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    count = len(finals(download.gallery))
    return count == download.total and (newest is None or newest <= download.created_at)


def download_build(*, download_id: int, now: datetime | None = None) -> Download | None:
    """Build the zip. One worker claims it; others return None. Progress is saved after each
    file, for the page that shows it."""
    now = now or timezone.now()
    claimable = Q(status=Download.Status.QUEUED) | Q(
        status=Download.Status.BUILDING, created_at__lt=now - BUILD_STUCK_AFTER
    )
    if not Download.objects.filter(claimable, pk=download_id).update(
        status=Download.Status.BUILDING, done=0
    ):
        return None
    download = Download.objects.select_related("gallery").get(pk=download_id)
    photos = finals(download.gallery)
    Download.objects.filter(pk=download_id).update(total=len(photos))
    stored = ""
    try:
        names = _zip_entry_names([download_name(photo, download.size) for photo in photos])
        with tempfile.TemporaryFile() as spool:
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
                for number, (photo, name) in enumerate(zip(photos, names, strict=True), 1):
                    entry = zipfile.ZipInfo(name, date_time=_zip_time(photo))
                    source = download_file(photo, download.size)
                    with (
                        source.open("rb") as src,
                        archive.open(entry, "w", force_zip64=True) as dst,
                    ):
                        shutil.copyfileobj(src, dst, COPY_CHUNK)
                    Download.objects.filter(pk=download_id).update(done=number)
            size = spool.tell()
            spool.seek(0)
            title = UNSAFE_IN_NAMES.sub("_", download.gallery.title).strip(" .") or "photos"
            stored = default_storage.save(derived_key(download, f"{title}.zip"), File(spool))
    except Exception:
        log.exception("Zip %s could not be built", download_id)
        storage_files_delete([stored])
        Download.objects.filter(pk=download_id).update(
            status=Download.Status.FAILED,
            failure_reason=_("The zip could not be made. Please try again in a moment."),
        )
        return Download.objects.get(pk=download_id)
    Download.objects.filter(pk=download_id).update(
        status=Download.Status.READY,
        file=stored,
        byte_size=size,
        expires_at=timezone.now() + ZIP_KEEP,
    )
    return Download.objects.get(pk=download_id)


def downloads_expire(*, now: datetime | None = None) -> int:
    """Delete zips past their week (their files go with them), and failed ones after a day."""
    now = now or timezone.now()
    old = Download.objects.filter(
        Q(expires_at__lt=now)
        | Q(status=Download.Status.FAILED, created_at__lt=now - timedelta(days=1))
    )
    count = 0
    for download in old:
        download.delete()
        count += 1
    return count
