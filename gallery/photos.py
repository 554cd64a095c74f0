"""Galleries and their photos: creating, adding originals, and processing them.

Adding a photo reads its header only (what it is, how many pixels), stores its original
(byte for byte, named by the server, with the extension of the format found) and queues it;
a worker on the `images` queue makes the preview and thumbnail (gallery/imaging.py). Both
steps are safe to repeat: the same bytes are recognised, and processing again replaces the
derived files rather than adding more.
"""

import hashlib
import io
import logging
import os
import socket
import threading
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from gallery import culling, delivery, imaging
from gallery.models import Gallery, Photo, derived_key
from studio import image_files
from studio.background import task_enqueue_on_commit, task_send_now
from studio.models import Studio
from studio.selectors import studio_get
from studio.services import storage_files_delete

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 80 * 1024 * 1024


# After this many starts without finishing (a worker killed each time), a photo fails
# instead of being retried forever.
MAX_ATTEMPTS = 3


# A worker processing a photo says so this often (a thread beside the work)...
CLAIM_HEARTBEAT = timedelta(seconds=10)


# ...so a claim silent for this long lost its worker: the next task for the photo takes it
# over, and the sweep (beat, every 20 s) sends one. A claim held by a process that is gone
# from this machine is taken over at once. Recovery within a minute, whatever the broker.
CLAIM_LOST_AFTER = timedelta(seconds=30)


# Queued this long, its message was probably lost (a broker flushed): send it again.
QUEUED_TOO_LONG = timedelta(hours=2)


class UploadRefused(image_files.ImageRefused):
    """Why a file was not added."""


@dataclass(frozen=True)
class Added:
    photo: Photo
    created: bool  # False: the same bytes were already in the gallery


def photo_add(
    *,
    gallery: Gallery,
    stream,
    name: str,
    size: int,
    set_name: str = "",
    kind: str = Photo.Kind.PROOF,
) -> Added:
    """Store an original (a proof, or a finished final) and queue it for processing, or
    recognise it as already there. Raises UploadRefused for a file over MAX_UPLOAD_BYTES,
    before anything reads it, and for anything its header does not show to be a photo
    (nothing is stored or queued then)."""
    if size > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            image_files.ImageReason(
                "too_big", {"size": size, "limit": MAX_UPLOAD_BYTES // 1024 // 1024}
            )
        )
    if size == 0:
        raise UploadRefused(image_files.ImageReason("empty"))
    try:
        header = image_files.image_identify(
            stream, formats=imaging.ALLOWED_FORMATS, pixel_limit=imaging.PIXEL_LIMIT
        )
    except image_files.NotAPhoto as refused:
        raise UploadRefused(refused.why) from None
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    sha256 = digest.hexdigest()
    stream.seek(0)
    existing = Photo.objects.filter(gallery=gallery, kind=kind, sha256=sha256).first()
    if existing:
        return Added(existing, False)
    name = image_files.file_name_clean(name)
    photo = Photo(
        gallery=gallery,
        kind=kind,
        original_name=name,
        sha256=sha256,
        size=size,
        set_name=set_name[:80],
    )
    photo.original.save(f"original{header.suffix}", stream, save=False)
    try:
        with transaction.atomic():
            photo.save()
            _queue(photo)
    except IntegrityError:
        # The same bytes arrived in another request at the same moment.
        storage_files_delete([photo.original.name])
        return Added(Photo.objects.get(gallery=gallery, kind=kind, sha256=sha256), False)
    except Exception:
        storage_files_delete([photo.original.name])
        raise
    return Added(photo, True)


def _queue(photo: Photo) -> None:
    task_enqueue_on_commit("gallery.tasks.photo_process_task", photo_id=photo.pk)


def photo_process(
    *, photo_id: int, now: datetime | None = None, analyse: bool = True
) -> Photo | None:
    """Make the photo's preview and thumbnail, then (a proof, unless `analyse` is False:
    left pending, as when the task dies between the two) its analysis for culling. Safe
    to run again: one worker claims the photo at a time, and new derived files replace the
    old ones. A file that cannot be a photo fails alone, with the reason; so does anything
    unexpected, never leaving the photo stuck. Returns None when another worker has it."""
    now = now or timezone.now()
    if not _photo_claim(photo_id=photo_id, now=now):
        if analyse:
            # Delivered again after its worker died in the analysis: the photo is ready and
            # its analysis goes on now, from the kept copy, not after the sweep's wait.
            # Nothing to do when another worker has the photo, or it is analysed.
            _analyse(photo_id)
        return None
    with _claim_heartbeat(photo_id=photo_id, claimed_at=now):
        photo, kept = _photo_process_claimed(photo_id=photo_id, now=now)
    if kept is not None and analyse:
        # The proof is ready and shown; its analysis for culling follows in this task,
        # from the analysis copy still in memory (one task and one storage read fewer per
        # photo).
        _analyse(photo.pk, picture=kept.picture, source=kept.source)
    return photo


@dataclass(frozen=True)
class _Kept:
    """A ready proof's analysis copy: its bytes, and where it is kept."""

    picture: bytes
    source: str


def _analyse(photo_id: int, *, picture: bytes | None = None, source: str = "") -> None:
    # Never the photo's failure: if this breaks (or its worker dies), the analysis stays
    # pending and the sweep sends it as a task of its own.
    try:
        culling.photo_analyse(photo_id=photo_id, picture=picture, source=source)
    except Exception:
        log.exception("Photo %s: its analysis is left to the sweep", photo_id)


def _process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_is_gone(name: str) -> bool:
    """True when `name` ("host:pid") is a process of this machine that no longer runs;
    False when it runs, or is another machine's (only its heartbeat can tell)."""
    host, _, pid = name.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process: it runs
        return False
    try:  # killed, not yet reaped by its parent (Linux)
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] in ("Z", "X")
    except OSError:
        return False


def _photo_claim(*, photo_id: int, now: datetime) -> bool:
    """Claim the photo for this process: a queued one, or one whose claim is lost (silent
    for CLAIM_LOST_AFTER, or its process gone from this machine)."""
    lost = now - CLAIM_LOST_AFTER
    claim = {
        "status": Photo.Status.PROCESSING,
        "processing_started_at": now,
        "processing_seen_at": now,
        "processing_by": _process_name(),
        "attempts": F("attempts") + 1,  # every start counts, finished or not
    }
    claimable = (
        Q(status=Photo.Status.QUEUED)
        | Q(status=Photo.Status.PROCESSING, processing_seen_at__lt=lost)
        | Q(status=Photo.Status.PROCESSING, processing_seen_at=None, processing_started_at__lt=lost)
    )
    # A claim changes nothing a client's page shows: the photo is not ready either way.
    if Photo.objects.filter(claimable, pk=photo_id).update_unseen(**claim):
        return True
    holder = (
        Photo.objects.filter(pk=photo_id, status=Photo.Status.PROCESSING)
        .values("processing_by", "processing_started_at")
        .first()
    )
    if not holder or not _process_is_gone(holder["processing_by"]):
        return False
    # Its process was killed moments ago (the message came straight back): take it over,
    # unless another worker just did.
    return bool(
        Photo.objects.filter(pk=photo_id, status=Photo.Status.PROCESSING, **holder).update_unseen(
            **claim
        )
    )


@contextmanager
def _claim_heartbeat(*, photo_id: int, claimed_at: datetime) -> Iterator[None]:
    """Keep the claim alive while the block runs: a thread on its own database connection
    marks it seen every CLAIM_HEARTBEAT. Not inside a transaction (tests): that connection
    could not see the claim."""
    if connection.in_atomic_block:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(CLAIM_HEARTBEAT.total_seconds()):
                Photo.objects.filter(
                    pk=photo_id, status=Photo.Status.PROCESSING, processing_started_at=claimed_at
                ).update_unseen(processing_seen_at=timezone.now())
        except Exception:  # the work goes on; without beats the claim may be taken over
            log.exception("Photo %s: its claim could not be kept alive", photo_id)
        finally:
            connection.close()  # this thread's own

    thread = threading.Thread(target=beat, name=f"photo-{photo_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _photo_process_claimed(*, photo_id: int, now: datetime) -> tuple[Photo, _Kept | None]:
    """The photo, and its analysis copy when it is a proof now ready to analyse. Returns the
    photo as written, without reading it back (edits made meanwhile in the admin, and the
    heartbeat's last beat, are not in it)."""
    photo = Photo.objects.select_related("gallery").get(pk=photo_id)
    if photo.attempts > MAX_ATTEMPTS:  # the claim counted this start
        return _fail(photo, image_files.ImageReason("worker_stopped")), None
    studio = studio_get()
    try:
        # Proofs in a gallery that asks for it: the studio's mark, never quietly none.
        marked = photo.kind == Photo.Kind.PROOF and photo.gallery.watermark
        watermark = studio_watermark(studio) if marked else None
    except Exception:
        log.exception("The studio's watermark could not be read")
        return _fail(photo, image_files.ImageReason("watermark")), None
    written: list[str] = []
    download = stale = ""
    try:
        with photo.original.open("rb") as stream:
            if photo.kind == Photo.Kind.FINAL:  # read once: rendered, then made deliverable
                data = stream.read()
                rendition = imaging.photo_render(io.BytesIO(data), watermark=None)
                _type, suffix, _known = image_files.FORMATS[
                    image_files.format_normal(rendition.format)
                ]
                download = default_storage.save(
                    derived_key(photo, f"download{suffix}"),
                    ContentFile(delivery.without_identifying(data)),
                )
                written.append(download)
            else:
                rendition = imaging.photo_render(stream, watermark=watermark, analysis=True)
        preview = default_storage.save(
            derived_key(photo, "preview.jpg"), ContentFile(rendition.preview)
        )
        written.append(preview)
        thumbnail = default_storage.save(
            derived_key(photo, "thumbnail.jpg"), ContentFile(rendition.thumbnail)
        )
        written.append(thumbnail)
        if rendition.analysis:
            analysis_source = default_storage.save(
                derived_key(photo, "analysis.jpg"), ContentFile(rendition.analysis)
            )
            written.append(analysis_source)
        # Only if this worker still holds the photo; derived fields only, so that edits
        # made meanwhile in the admin (set, order) are kept.
        ready = {
            "preview": preview,
            "thumbnail": thumbnail,
            "download": download,
            "width": rendition.width,
            "height": rendition.height,
            "camera": rendition.camera,
            "colour": rendition.colour,
            "captured_at": _aware(rendition.captured_at, zone=studio.time_zone),
            "status": Photo.Status.READY,
            "failure_code": "",
            "failure_params": {},
            "attempts": 0,
        }
        with transaction.atomic():  # ready and waiting for its analysis, or neither
            updated = Photo.objects.filter(
                pk=photo.pk, status=Photo.Status.PROCESSING, processing_started_at=now
            ).update(**ready)
            if updated and rendition.analysis:
                stale = culling.analysis_start(photo_id=photo.pk, source=analysis_source)
    except imaging.PhotoRejected as rejected:
        why = rejected.why
    except delivery.DeliveryError as damaged:
        why = image_files.ImageReason("not_deliverable", {"why": str(damaged)[:200]})
    except FileNotFoundError:
        why = image_files.ImageReason("original_missing")
    except Exception:
        log.exception("Photo %s could not be processed", photo.pk)
        why = image_files.ImageReason("processing_failed")
    else:
        why = None
    if why is not None:
        storage_files_delete(written)
        return _fail(photo, why), None
    if not updated:  # taken over meanwhile (it looked stuck): the other worker's files win
        storage_files_delete(written)
        return Photo.objects.get(pk=photo.pk), None
    storage_files_delete([photo.preview.name, photo.thumbnail.name, photo.download.name, stale])
    for field, value in ready.items():
        setattr(photo, field, value)
    if rendition.analysis:
        return photo, _Kept(rendition.analysis, analysis_source)
    return photo, None


def _fail(photo: Photo, why: image_files.ImageReason) -> Photo:
    Photo.objects.filter(pk=photo.pk).update(
        status=Photo.Status.FAILED, failure_code=why.code, failure_params=why.params, attempts=0
    )
    photo.refresh_from_db()
    if photo.kind == Photo.Kind.PROOF:  # it may be the last the gallery's culling waited for
        culling.gallery_cull_when_analysed(gallery_id=photo.gallery_id)
    log.info("Photo %s (%s) failed: %s", photo.pk, photo.original_name, why)
    return photo


def _aware(value: datetime | None, *, zone: str) -> datetime | None:
    # Most cameras record local time without a zone: take it as the studio's, unless the
    # camera gave its offset too. A clock never set (year 1, say) says nothing. In UTC, as
    # the database gives it back.
    if value is None or not 1900 <= value.year <= 2200:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    return value.astimezone(UTC)


def studio_watermark(studio: Studio | None = None) -> imaging.Watermark:
    """The studio's mark as it set it (`studio`, else read): its uploaded image, else its
    name as text. Made once per process for each setting: an uploaded mark gets a new file
    name, so a changed mark is never taken for the old one."""
    studio = studio or studio_get()
    return _watermark_made(
        file=studio.watermark.name or "",
        text=studio.name,
        position=studio.watermark_position,
        scale=studio.watermark_scale,
        opacity=studio.watermark_opacity,
    )


@lru_cache(maxsize=4)
def _watermark_made(
    *, file: str, text: str, position: str, scale: int, opacity: int
) -> imaging.Watermark:
    if file:
        from PIL import Image

        with default_storage.open(file, "rb") as stream:
            mark = Image.open(stream)
            mark.load()
    else:
        mark = imaging.watermark_text_image(text)
    return imaging.Watermark(
        image=mark, position=position, scale=scale / 100, opacity=opacity / 100
    )


def photos_reprocess(*, photo_ids: list[int]) -> int:
    """Queue photos to be processed again (after a failure, or a new watermark); one a
    worker is on is left to it."""
    with transaction.atomic():
        photos = list(
            Photo.objects.select_for_update()
            .filter(pk__in=photo_ids)
            .exclude(status=Photo.Status.PROCESSING)
        )
        Photo.objects.filter(pk__in=[p.pk for p in photos]).update(
            status=Photo.Status.QUEUED,
            failure_code="",
            failure_params={},
            attempts=0,
            queued_at=timezone.now(),
        )
        for photo in photos:
            _queue(photo)
    return len(photos)


def photos_requeue_stuck(*, now: datetime | None = None) -> int:
    """Queue again the photos whose worker died while processing them, and those queued so
    long that their message was probably lost (beat runs this every 20 seconds)."""
    now = now or timezone.now()
    lost = now - CLAIM_LOST_AFTER
    stuck = list(
        Photo.objects.filter(
            Q(status=Photo.Status.PROCESSING, processing_seen_at__lt=lost)
            | Q(
                status=Photo.Status.PROCESSING,
                processing_seen_at=None,
                processing_started_at__lt=lost,
            )
            | Q(status=Photo.Status.QUEUED, queued_at__lt=now - QUEUED_TOO_LONG)
        ).values_list("pk", flat=True)[:500]
    )
    processing = Photo.objects.filter(status=Photo.Status.PROCESSING).exclude(pk__in=stuck)
    stuck += [
        pk
        for pk, holder in processing.values_list("pk", "processing_by")[:500]
        if _process_is_gone(holder)
    ]
    for photo_id in stuck:
        task_send_now("gallery.tasks.photo_process_task", photo_id=photo_id)
    return len(stuck)
