"""Pictures anyone may see: the studio's portfolio and each session type's cover, made by
the photo pipeline (gallery.imaging: allowed formats only, upright, sRGB, no metadata) into
two public sizes under branding/. The originals stay private.

Making them is a task, sent when the original (or the watermark choice) changes; running
it again is harmless, and a result made from a file since replaced is thrown away.
"""

import io
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from gallery import imaging
from gallery.photos import studio_watermark
from gallery.portfolio_models import PortfolioPhoto, public_image_key
from sessions.models import SessionType
from studio import image_files
from studio.background import task_enqueue_on_commit
from studio.page_cache import public_pages_changed
from studio.services import storage_files_delete

log = logging.getLogger(__name__)


class PictureRefused(image_files.ImageRefused):
    """Why a file cannot be shown as a portfolio photograph or a cover."""


def picture_check(stream) -> None:
    """Refuse, from its header alone, a file that is not a photo the pipeline takes."""
    try:
        image_files.image_identify(
            stream, formats=imaging.ALLOWED_FORMATS, pixel_limit=imaging.PIXEL_LIMIT
        )
    except image_files.NotAPhoto as refused:
        raise PictureRefused(refused.why) from None
    finally:
        stream.seek(0)


def _sizes_save(web: imaging.WebImage) -> tuple[str, str]:
    large = default_storage.save(public_image_key(None, ""), ContentFile(web.large))
    medium = default_storage.save(public_image_key(None, ""), ContentFile(web.medium))
    return large, medium


# --- Portfolio ----------------------------------------------------------------------


def portfolio_photo_saved(*, photo: PortfolioPhoto) -> None:
    """After the admin saves a portfolio photograph: make its sizes again if what they are
    made from changed."""
    if photo.made_from == photo.source_key and photo.status != PortfolioPhoto.Status.FAILED:
        return
    PortfolioPhoto.objects.filter(pk=photo.pk).update(status=PortfolioPhoto.Status.QUEUED)
    public_pages_changed()  # off the home page until made: `update` sends no signal
    task_enqueue_on_commit("gallery.tasks.portfolio_photo_render_task", photo_id=photo.pk)


def portfolio_photos_render_again(*, photo_ids: list[int]) -> int:
    """Make these photographs' sizes again (after a new watermark, or a failure)."""
    photos = PortfolioPhoto.objects.filter(pk__in=photo_ids)
    count = photos.update(status=PortfolioPhoto.Status.QUEUED, made_from="")
    public_pages_changed()
    for pk in photos.values_list("pk", flat=True):
        task_enqueue_on_commit("gallery.tasks.portfolio_photo_render_task", photo_id=pk)
    return count


def portfolio_photo_render(*, photo_id: int) -> PortfolioPhoto | None:
    photo = PortfolioPhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        return None
    source = photo.source_key
    try:
        watermark = studio_watermark() if photo.watermark else None
        with photo.original.open("rb") as stream:
            web = imaging.web_render(stream, watermark=watermark)
    except imaging.PhotoRejected as rejected:
        return _portfolio_fail(photo, rejected.why)
    except FileNotFoundError:
        return _portfolio_fail(photo, image_files.ImageReason("original_missing"))
    except Exception:
        log.exception("Portfolio photograph %s could not be made", photo.pk)
        return _portfolio_fail(photo, image_files.ImageReason("processing_failed"))
    large, medium = _sizes_save(web)
    updated = PortfolioPhoto.objects.filter(
        pk=photo.pk, original=photo.original.name, watermark=photo.watermark
    ).update(
        large=large,
        medium=medium,
        width=web.width,
        height=web.height,
        colour=web.colour,
        made_from=source,
        status=PortfolioPhoto.Status.READY,
        failure_code="",
        failure_params={},
    )
    if not updated:  # replaced meanwhile (or deleted): the newer task makes its own
        storage_files_delete([large, medium])
        return None
    public_pages_changed()
    storage_files_delete([photo.large.name, photo.medium.name])
    photo.refresh_from_db()
    return photo


def _portfolio_fail(photo: PortfolioPhoto, why: image_files.ImageReason) -> PortfolioPhoto:
    PortfolioPhoto.objects.filter(pk=photo.pk, original=photo.original.name).update(
        status=PortfolioPhoto.Status.FAILED, failure_code=why.code, failure_params=why.params
    )
    public_pages_changed()
    photo.refresh_from_db()
    return photo


def portfolio_shown(*, limit: int) -> list[PortfolioPhoto]:
    """The photographs for the home page, in the studio's order."""
    shown = PortfolioPhoto.objects.filter(shown=True, status=PortfolioPhoto.Status.READY)
    return list(shown[:limit])


# --- Session types' covers -------------------------------------------------------------


def session_type_cover_changed(sender, instance: SessionType, **kwargs) -> None:
    """On a session type's post_save (connected in GalleryConfig.ready): wherever it is saved
    (the admin, the demo), a new cover is made into its sizes, a removed one takes them along."""
    if instance.cover.name == instance.cover_made_from:
        return
    if not instance.cover:
        old = [instance.cover_large.name, instance.cover_medium.name]
        SessionType.objects.filter(pk=instance.pk, cover="").update(
            cover_large="", cover_medium="", cover_made_from=""
        )
        public_pages_changed()
        transaction.on_commit(lambda: storage_files_delete(old))
        return
    task_enqueue_on_commit(
        "gallery.tasks.session_type_cover_render_task", session_type_id=instance.pk
    )


def session_type_cover_render(*, session_type_id: int) -> SessionType | None:
    session_type = SessionType.objects.filter(pk=session_type_id).first()
    if session_type is None or not session_type.cover:
        return None
    source = session_type.cover.name
    if source == session_type.cover_made_from:
        return session_type
    try:
        with session_type.cover.open("rb") as stream:
            web = imaging.web_render(io.BytesIO(stream.read()))
    except (imaging.PhotoRejected, FileNotFoundError) as problem:
        log.warning("The cover of session type %s could not be made: %s", session_type.pk, problem)
        return None
    large, medium = _sizes_save(web)
    updated = SessionType.objects.filter(pk=session_type.pk, cover=source).update(
        cover_large=large, cover_medium=medium, cover_made_from=source
    )
    if not updated:
        storage_files_delete([large, medium])
        return None
    public_pages_changed()
    storage_files_delete([session_type.cover_large.name, session_type.cover_medium.name])
    session_type.refresh_from_db()
    return session_type
