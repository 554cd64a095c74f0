"""The culling assistant's services: each proof analysed once it is ready, then the gallery
as a whole: bursts grouped, focus judged against the rest of the gallery, the best of each
group suggested, the people found.

The analysis runs in the photo's own task on the images worker, once the photo's preview is
saved and shown, from the analysis copy still in memory; a failing analysis never fails the
photo: it keeps its preview and shows "not analysed" with the reason. An analysis whose task
died is sent again on its own (`photo_analyse_task`) by the sweep. Every step is safe to run
again.
"""

import io
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from gallery import analysis as measures
from gallery.culling_eyes import eyes_judge_by_person
from gallery.culling_models import CullRequest, Face, PhotoAnalysis, PhotoGroup
from gallery.models import Gallery, Photo
from gallery.people import face_data_delete, gallery_people_find
from studio import image_files
from studio.background import task_enqueue_on_commit, task_send_now
from studio.models import Studio
from studio.selectors import studio_get

log = logging.getLogger(__name__)

# Bursts: consecutive frames at most BURST_SECONDS apart whose hashes differ in at most
# BURST_BITS bits; frames further apart (the same pose taken again) need to look closer.
BURST_SECONDS = 3
BURST_BITS = 14
SIMILAR_SECONDS = 60
SIMILAR_BITS = 8
# Soft focus: a photo whose subject is less sharp than this share of its reference (the
# sharpest of its group, or the gallery's typical photo of the same kind of subject).
SOFT_IN_GROUP = 0.3
SOFT_IN_GALLERY = 0.25
# A pending analysis untouched this long is sent again (its message or worker was lost),
# at most MAX_ATTEMPTS times in all.
ANALYSIS_LOST_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3


def analysis_start(*, photo_id: int, source: str) -> str:
    """A proof is ready: keep the picture to analyse, its analysis pending (the photo's task
    analyses it at once; if that dies first, the sweep sends it). Returns the copy kept
    before, if another, for the caller to delete once this is committed."""
    pending = {
        "status": PhotoAnalysis.Status.PENDING,
        "source": source,
        "failure_code": "",
        "failure_params": {},
        "analysed_at": None,
        "queued_at": timezone.now(),
        "attempts": 0,
    }
    with transaction.atomic():
        # The photo's claim keeps other workers away; the lock, an analysis being saved.
        old = (
            PhotoAnalysis.objects.select_for_update()
            .filter(photo_id=photo_id)
            .values_list("source", flat=True)
            .first()
        )
        if old is None:
            PhotoAnalysis.objects.create(photo_id=photo_id, **pending)
        else:
            PhotoAnalysis.objects.filter(photo_id=photo_id).update(**pending)
    return old if old and old != source else ""


def photo_analyse(
    *, photo_id: int, picture: bytes | None = None, source: str = ""
) -> PhotoAnalysis | None:
    """Analyse one proof from its kept picture (or `picture`, the bytes of the copy kept at
    `source`, when the photo's task has them in hand). None when there is nothing to do,
    or when `source` is no longer the copy kept (processed again meanwhile: that task
    analyses its own)."""
    record = PhotoAnalysis.objects.select_related("photo").filter(photo_id=photo_id).first()
    if record is None or record.photo.status != Photo.Status.READY:
        return None
    if picture is not None and record.source.name != source:
        return None
    if record.status == PhotoAnalysis.Status.DONE:
        return record
    if not record.source:
        return _analysis_fail(record, image_files.ImageReason("analysis_source_missing"))
    PhotoAnalysis.objects.filter(pk=record.pk).update(attempts=F("attempts") + 1)
    if record.attempts + 1 > MAX_ATTEMPTS:  # its worker died on it each time before
        return _analysis_fail(record, image_files.ImageReason("analysis_stopped"))
    started = time.process_time()
    try:
        if picture is not None:
            result = measures.analyse_jpeg(io.BytesIO(picture), faces=studio_get().face_features)
        else:
            with record.source.open("rb") as stream:
                result = measures.analyse_jpeg(stream, faces=studio_get().face_features)
    except FileNotFoundError:
        return _analysis_fail(record, image_files.ImageReason("analysis_source_missing"))
    except Exception as error:
        log.exception("Photo %s could not be analysed", photo_id)
        why = image_files.ImageReason("analysis_failed", {"why": type(error).__name__})
        return _analysis_fail(record, why)
    milliseconds = round((time.process_time() - started) * 1000)
    gallery_id = record.photo.gallery_id
    _analysis_save(record, result, milliseconds)
    gallery_cull_when_analysed(gallery_id=gallery_id)
    return record


def _analysis_save(record: PhotoAnalysis, result: measures.Analysis, milliseconds: int) -> None:
    with transaction.atomic():
        # The gallery's lock: the gallery step and the people step never see half of it. The
        # studio's: a studio turning face features off meanwhile (its save holds the row)
        # is seen here, so no face outlives the switch.
        Gallery.objects.select_for_update().filter(pk=record.photo.gallery_id).first()
        faces_on = Studio.objects.select_for_update().filter(pk=1, face_features=True).exists()
        # One analysis of a photo at a time: a second delivery of the task waits, then
        # finds it done; a photo deleted or processed again meanwhile is left alone.
        current = PhotoAnalysis.objects.select_for_update().filter(pk=record.pk).first()
        if current is None or current.status == PhotoAnalysis.Status.DONE:
            return
        if current.source != record.source:
            return
        Face.objects.filter(photo_id=record.photo_id).delete()
        Face.objects.bulk_create(
            Face(
                photo_id=record.photo_id,
                left=face.left,
                top=face.top,
                width=face.width,
                height=face.height,
                left_eye=face.left_eye,
                right_eye=face.right_eye,
                eyes_closed=face.eyes_closed,
                white=face.white,
                sharpness=face.sharpness,
            )
            for face in (result.faces if faces_on else [])
        )
        done = {
            "status": PhotoAnalysis.Status.DONE,
            "failure_code": "",
            "failure_params": {},
            "analysed_at": timezone.now(),
            "milliseconds": milliseconds,
            "sharpness": result.sharpness,
            "subject": result.subject,
            "highlights": result.highlights,
            "shadows": result.shadows,
            "dhash": result.dhash,
            "eyes_closed": faces_on and result.eyes_closed,
            "highlights_clipped": result.highlights_clipped,
            "shadows_clipped": result.shadows_clipped,
        }
        PhotoAnalysis.objects.filter(pk=record.pk).update(**done)
    # The record as written, without reading it back: the locked row, then what changed.
    for field in PhotoAnalysis._meta.concrete_fields:
        setattr(record, field.attname, getattr(current, field.attname))
    for field, value in done.items():
        setattr(record, field, value)


def _analysis_fail(record: PhotoAnalysis, why: image_files.ImageReason) -> PhotoAnalysis:
    # Only for the picture this task read, and never over an analysis that is done: the
    # photo may have been processed again meanwhile.
    PhotoAnalysis.objects.filter(pk=record.pk, source=record.source).exclude(
        status=PhotoAnalysis.Status.DONE
    ).update(
        status=PhotoAnalysis.Status.FAILED,
        failure_code=why.code,
        failure_params=why.params,
        analysed_at=timezone.now(),
    )
    record.refresh_from_db()
    gallery_cull_when_analysed(gallery_id=record.photo.gallery_id)
    return record


def gallery_cull_when_analysed(*, gallery_id: int) -> bool:
    """Queue the gallery-wide step once no proof of the gallery waits to be processed or
    analysed (the last analysis to finish queues it; running it twice is harmless)."""
    waiting = (
        Photo.objects.filter(gallery_id=gallery_id, kind=Photo.Kind.PROOF)
        .filter(
            Q(status__in=[Photo.Status.QUEUED, Photo.Status.PROCESSING])
            | Q(status=Photo.Status.READY, analysis__status=PhotoAnalysis.Status.PENDING)
        )
        .exists()
    )
    if not waiting:
        CullRequest.objects.update_or_create(
            gallery_id=gallery_id, defaults={"asked_at": timezone.now(), "resent": 0}
        )
        task_enqueue_on_commit("gallery.tasks.gallery_cull_task", gallery_id=gallery_id)
    return not waiting


@dataclass
class Frame:
    """A photo as the gallery step sees it: its analysis (a PhotoAnalysis, or anything with
    its fields: bench/culling.py judges plain objects) and when it was taken."""

    record: PhotoAnalysis
    taken: datetime | None


def gallery_cull_if_asked(*, gallery_id: int) -> int:
    """The gallery step as its task runs it: only while asked (a gallery processed photo by
    photo asks after each, and the first run answers them all)."""
    if not CullRequest.objects.filter(gallery_id=gallery_id, asked_at__isnull=False).exists():
        return 0
    return gallery_cull(gallery_id=gallery_id)


def gallery_cull(*, gallery_id: int) -> int:
    """Group the gallery's analysed proofs into bursts, judge their focus against each other,
    suggest the best of each group, and find its people. Returns the number of groups."""
    started = timezone.now()
    with transaction.atomic():
        # Read under the gallery's lock, so an older run never writes over a newer one.
        if Gallery.objects.select_for_update().filter(pk=gallery_id).first() is None:
            return 0  # deleted meanwhile
        frames = [
            Frame(record, record.photo.captured_at)
            for record in PhotoAnalysis.objects.select_related("photo")
            .filter(
                photo__gallery_id=gallery_id,
                photo__kind=Photo.Kind.PROOF,
                photo__status=Photo.Status.READY,
                status=PhotoAnalysis.Status.DONE,
            )
            .order_by(
                F("photo__captured_at").asc(nulls_last=True), "photo__original_name", "photo_id"
            )
        ]
        runs = bursts(frames)
        PhotoGroup.objects.filter(gallery_id=gallery_id).delete()
        focus_judge(frames, runs)
        groups = _groups_save(gallery_id, runs)
        PhotoAnalysis.objects.bulk_update(
            [frame.record for frame in frames], ["focus", "soft_focus", "group", "group_best"]
        )
    if studio_get().face_features:
        gallery_people_find(gallery_id=gallery_id)
        if eyes_judge_by_person(gallery_id=gallery_id):
            _eyes_follow(gallery_id)
    # Done, unless asked again meanwhile (that run is on its way).
    CullRequest.objects.filter(gallery_id=gallery_id, asked_at__lte=started).update(
        asked_at=None, resent=0
    )
    return groups


def _eyes_follow(gallery_id: int) -> None:
    """Each photo's closed-eyes flag from its faces, and each burst's best chosen again."""
    closed_face = Face.objects.filter(photo_id=OuterRef("photo_id"), eyes_closed=True)
    records = list(
        PhotoAnalysis.objects.filter(photo__gallery_id=gallery_id)
        .annotate(closed=Exists(closed_face))
        .select_related("photo")
    )
    groups: dict[int, list[PhotoAnalysis]] = defaultdict(list)
    for record in records:
        record.eyes_closed = record.closed
        if record.group_id:
            groups[record.group_id].append(record)
    with transaction.atomic():
        for group_id, members in groups.items():
            best = best_of([Frame(m, m.photo.captured_at) for m in members])
            for member in members:
                member.group_best = member is best.record
            PhotoGroup.objects.filter(pk=group_id).update(best_id=best.record.photo_id)
        PhotoAnalysis.objects.bulk_update(records, ["eyes_closed", "group_best"])


def bursts(frames: list[Frame]) -> list[list[Frame]]:
    """Consecutive frames (in the order taken) that belong together: shot within seconds
    and alike, or a little further apart and nearly identical."""
    runs: list[list[Frame]] = []
    for frame in frames:
        if runs and _together(runs[-1][-1], frame):
            runs[-1].append(frame)
        else:
            runs.append([frame])
    return runs


def _together(previous: Frame, frame: Frame) -> bool:
    bits = measures.hash_distance(previous.record.dhash, frame.record.dhash)
    if previous.taken is None or frame.taken is None:
        return bits <= SIMILAR_BITS
    seconds = abs((frame.taken - previous.taken).total_seconds())
    if seconds <= BURST_SECONDS:
        return bits <= BURST_BITS
    return seconds <= SIMILAR_SECONDS and bits <= SIMILAR_BITS


def focus_judge(frames: list[Frame], runs: list[list[Frame]]) -> None:
    """Set each frame's focus relative to the gallery's typical sharpness for its kind of
    subject, and flag it soft when far below that, or far below the sharpest of its burst."""
    typical = {}
    for subject in ("face", "centre"):
        values = [f.record.sharpness for f in frames if f.record.subject == subject]
        typical[subject] = median(values) if values else 0.0
    for run in runs:
        sharpest = max((f.record.sharpness or 0.0) for f in run)
        for frame in run:
            record = frame.record
            sharpness = record.sharpness or 0.0
            reference = typical.get(record.subject) or 0.0
            record.focus = round(sharpness / reference, 3) if reference else None
            soft_in_gallery = bool(reference) and sharpness < SOFT_IN_GALLERY * reference
            soft_in_group = len(run) > 1 and sharpness < SOFT_IN_GROUP * sharpest
            record.soft_focus = soft_in_gallery or soft_in_group
            record.group, record.group_best = None, False


def best_of(run: list[Frame]) -> Frame:
    """The suggested keeper: in focus first, then eyes open, then exposure, then the
    sharpest subject."""

    def score(frame: Frame) -> tuple:
        record = frame.record
        return (
            not record.soft_focus,
            not record.eyes_closed,
            not (record.highlights_clipped or record.shadows_clipped),
            record.sharpness or 0.0,
        )

    return max(run, key=score)


def _groups_save(gallery_id: int, runs: list[list[Frame]]) -> int:
    number = 0
    for run in runs:
        if len(run) < 2:
            continue
        number += 1
        best = best_of(run)
        group = PhotoGroup.objects.create(
            gallery_id=gallery_id, number=number, best_id=best.record.photo_id, size=len(run)
        )
        for frame in run:
            frame.record.group = group
            frame.record.group_best = frame is best
    return number


def analyses_requeue_stuck(*, now: datetime | None = None) -> int:
    """Send again the analyses whose message or worker was lost (beat's photo sweep)."""
    now = now or timezone.now()
    lost = PhotoAnalysis.objects.filter(
        status=PhotoAnalysis.Status.PENDING,
        photo__status=Photo.Status.READY,
        queued_at__lt=now - ANALYSIS_LOST_AFTER,
    ).values_list("photo_id", "queued_at")[:500]
    sent = 0
    for photo_id, queued_at in lost:
        # Claimed first (the clock starts again), so a backlog is sent once per
        # ANALYSIS_LOST_AFTER, not at every sweep.
        if PhotoAnalysis.objects.filter(pk=photo_id, queued_at=queued_at).update(queued_at=now):
            task_send_now("gallery.tasks.photo_analyse_task", photo_id=photo_id)
            sent += 1
    return sent


# Longer than the gallery step's hard time limit (gallery.tasks): one still running is not
# sent again; running twice would be harmless, only wasted.
CULL_LOST_AFTER = timedelta(minutes=35)
CULL_MAX_RESENDS = 2


def culls_requeue_stuck(*, now: datetime | None = None) -> int:
    """Send again the gallery steps whose message or worker was lost (beat's photo sweep),
    each at most CULL_MAX_RESENDS times: one that kills its worker every time is left, said
    in the log, rather than tried forever."""
    now = now or timezone.now()
    lost = CullRequest.objects.filter(
        asked_at__lt=now - CULL_LOST_AFTER, resent__lt=CULL_MAX_RESENDS
    ).values_list("gallery_id", "asked_at", "resent")[:100]
    sent = 0
    for gallery_id, asked_at, resent in lost:
        claimed = CullRequest.objects.filter(gallery_id=gallery_id, asked_at=asked_at).update(
            asked_at=now, resent=F("resent") + 1
        )
        if claimed:
            if resent + 1 == CULL_MAX_RESENDS:
                log.warning("gallery %s: grouping sent for the last time", gallery_id)
            task_send_now("gallery.tasks.gallery_cull_task", gallery_id=gallery_id)
            sent += 1
    return sent


# Galleries still being culled or chosen from: faces found again for these when the studio
# turns face features back on (a delivered or expired gallery's are not needed any more).
FACES_AGAIN_STATUSES = (
    Gallery.Status.DRAFT,
    Gallery.Status.PUBLISHED,
    Gallery.Status.SELECTION_SUBMITTED,
)


def faces_off() -> int:
    """The studio turned face features off: every face and person deleted, and the closed-eye
    flags read from them cleared (the gallery step chooses each burst's best again without
    them). How many faces were deleted."""
    with transaction.atomic():
        deleted = face_data_delete()
        flagged = list(
            PhotoAnalysis.objects.filter(eyes_closed=True)
            .values_list("photo__gallery_id", flat=True)
            .distinct()
        )
        PhotoAnalysis.objects.filter(eyes_closed=True).update(eyes_closed=False)
        for gallery_id in flagged:
            gallery_cull_when_analysed(gallery_id=gallery_id)
    return deleted


def faces_find_again(*, now: datetime | None = None) -> tuple[int, int]:
    """The studio turned face features back on: the proofs of galleries still in use are
    analysed again from their kept copies (faces, eyes), then each gallery's people found.
    Returns (photos, galleries) queued."""
    now = now or timezone.now()
    again = PhotoAnalysis.objects.filter(
        photo__gallery__status__in=FACES_AGAIN_STATUSES,
        photo__kind=Photo.Kind.PROOF,
        photo__status=Photo.Status.READY,
        status=PhotoAnalysis.Status.DONE,
    ).exclude(source="")
    with transaction.atomic():
        rows = list(again.select_for_update().values_list("photo_id", "photo__gallery_id"))
        PhotoAnalysis.objects.filter(photo_id__in=[pk for pk, _ in rows]).update(
            status=PhotoAnalysis.Status.PENDING, queued_at=now, attempts=0
        )
        for photo_id, _gallery_id in rows:
            task_enqueue_on_commit("gallery.tasks.photo_analyse_task", photo_id=photo_id)
    return len(rows), len({gallery_id for _, gallery_id in rows})
