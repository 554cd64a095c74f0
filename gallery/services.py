"""Galleries: creating one for a booking, publishing, delivering, and arranging its photos
(order, sets, deletion). Adding and processing photos is gallery/photos.py."""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gallery import culling
from gallery.models import Gallery, Photo, Selection
from sessions.models import Booking
from sessions.payments.ledger import booking_extras_owed
from studio.background import task_enqueue_on_commit
from studio.money import money_format
from studio.text import one_line


class GalleryRefused(Exception):
    """Why a booking gets no gallery, for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


GALLERY_STATUSES = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED)


def gallery_create_for_booking(*, booking: Booking) -> Gallery:
    """The booking's draft gallery, with the session type's proofing terms: made once, and
    only for a confirmed or completed session. A booking that has one gets it back (a second
    click, another tab, or the list action and the page's button alike). Raises
    GalleryRefused."""
    with transaction.atomic():
        locked = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("session_type", "client")
            .get(pk=booking.pk)
        )
        existing = Gallery.objects.filter(booking=locked).order_by("pk").first()
        if existing is not None:
            return existing
        if locked.status not in GALLERY_STATUSES:
            raise GalleryRefused(_("Only a confirmed or completed session gets a gallery."))
        session_type = locked.session_type
        return Gallery.objects.create(
            booking=locked,
            title=_("%(what)s · %(client)s")
            % {"what": session_type.name, "client": locked.booked_as_name},
            slug=secrets.token_urlsafe(16).replace("_", "").replace("-", "")[:20].lower(),
            favorites_limit=locked.included_images,
            extra_image_price=locked.extra_image_price,
            currency=locked.currency,
        )


def gallery_publish(*, gallery_id: int) -> bool:
    """Open a draft gallery to its client and email them its link, once. False if it was
    not a draft (publishing twice sends nothing twice)."""
    with transaction.atomic():
        changed = Gallery.objects.filter(pk=gallery_id, status=Gallery.Status.DRAFT).update(
            status=Gallery.Status.PUBLISHED, published_at=timezone.now()
        )
        if changed:
            task_enqueue_on_commit(
                "gallery.tasks.gallery_email_send_task", gallery_id=gallery_id, kind="ready"
            )
    return bool(changed)


def gallery_unpublish(*, gallery_id: int) -> bool:
    """Back to a draft, for the studio only (a submitted selection stays as it is)."""
    return bool(
        Gallery.objects.filter(pk=gallery_id, status=Gallery.Status.PUBLISHED).update(
            status=Gallery.Status.DRAFT
        )
    )


def gallery_deliver(*, gallery_id: int) -> bool:
    """Open downloads of the finished photos and email the client, once. False when the
    gallery has no ready finals yet."""
    with transaction.atomic():
        gallery = Gallery.objects.select_for_update().get(pk=gallery_id)
        if not gallery.photos.filter(kind=Photo.Kind.FINAL, status=Photo.Status.READY).exists():
            return False
        gallery.status, gallery.downloads_allowed = Gallery.Status.DELIVERED, True
        gallery.save(update_fields=["status", "downloads_allowed"])
        task_enqueue_on_commit(
            "gallery.tasks.gallery_email_send_task", gallery_id=gallery_id, kind="finals"
        )
    return True


def gallery_publish_warnings(*, gallery: Gallery) -> list[str]:
    """What the studio should know before the client sees this gallery (empty: nothing)."""
    warnings = []
    if not gallery.watermark:
        warnings.append(
            _(
                "Its previews have no watermark: the client, and anyone they share them "
                "with, gets clean copies of every proof."
            )
        )
    if not gallery.photos.shown_to_client().filter(kind=Photo.Kind.PROOF).exists():
        warnings.append(
            _(
                "No photos are ready yet, or every one is rejected: the client would open an "
                "empty gallery."
            )
        )
    return warnings


def gallery_deliver_warnings(*, gallery: Gallery) -> list[str]:
    """What the studio should know before delivering (empty: nothing)."""

    selection = gallery.selection
    if selection is None:
        return [_("The client has not sent their selection: they chose no photos yet.")]
    if selection.status == Selection.Status.AWAITING_PAYMENT:
        return [_("The client's selection is waiting for its extra photos to be paid.")]
    if owed := booking_extras_owed(gallery.booking):
        return [
            _(
                "The extra photos the client chose (%(owed)s) are not paid yet: record the "
                "payment on the booking when it comes."
            )
            % {"owed": money_format(owed, gallery.currency)}
        ]
    return []


def photos_order(*, gallery_id: int, photo_ids: list[int]) -> int:
    """Put the gallery's photos in this order (1, 2, 3...). Ids of other galleries' photos
    are ignored; the gallery's photos not listed keep their places. Returns how many were
    placed."""
    with transaction.atomic():
        _gallery_lock(gallery_id)
        return _photos_number(gallery_id, photo_ids)


def photo_move(*, gallery_id: int, photo_id: int, steps: int) -> int | None:
    """Move one photo earlier (negative steps) or later among the photos of its kind, all
    of which are then numbered in the order shown. Returns its new place (1 is first), or
    None if it is not the gallery's."""
    with transaction.atomic():
        _gallery_lock(gallery_id)
        photo = Photo.objects.filter(gallery_id=gallery_id, pk=photo_id).first()
        if photo is None:
            return None
        ids = list(
            Photo.objects.filter(gallery_id=gallery_id, kind=photo.kind).values_list(
                "pk", flat=True
            )
        )
        at = ids.index(photo_id)
        ids.insert(max(0, min(len(ids) - 1, at + steps)), ids.pop(at))
        _photos_number(gallery_id, ids)
    return ids.index(photo_id) + 1


def _gallery_lock(gallery_id: int) -> None:
    # Two tabs arranging one gallery take turns, so neither numbers from a stale order.
    list(Gallery.objects.select_for_update().filter(pk=gallery_id).values_list("pk"))


def _photos_number(gallery_id: int, photo_ids: list[int]) -> int:
    own = set(
        Photo.objects.filter(gallery_id=gallery_id, pk__in=photo_ids).values_list("pk", flat=True)
    )
    ordered = [pk for pk in dict.fromkeys(photo_ids) if pk in own]
    photos = [Photo(pk=pk, position=n) for n, pk in enumerate(ordered, start=1)]
    Photo.objects.bulk_update(photos, ["position"], batch_size=500)
    return len(photos)


def photos_set_assign(*, gallery_id: int, photo_ids: list[int], set_name: str) -> int:
    """Put the gallery's listed photos in a set ("" takes them out of theirs)."""
    name = one_line(set_name)[:80]
    return Photo.objects.filter(gallery_id=gallery_id, pk__in=photo_ids).update(set_name=name)


def photos_delete(*, gallery_id: int, photo_ids: list[int]) -> int:
    """Delete the gallery's listed photos (their files go once that is committed)."""
    _total, by_model = Photo.objects.filter(gallery_id=gallery_id, pk__in=photo_ids).delete()
    # One of them may be the last photo the gallery's culling waited for.
    culling.gallery_cull_when_analysed(gallery_id=gallery_id)
    return by_model.get(Photo._meta.label, 0)
