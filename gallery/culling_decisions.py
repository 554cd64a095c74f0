"""The photographer's cull: a proof's pick or reject (`Photo.flag`) and its stars
(`Photo.rating`), one photo at a time or a whole burst at once. The analysis only suggests
(gallery.culling); these are the photographer's own say, and nothing else is recorded.
A rejected proof stays stored; the client's pages leave it out (`shown_to_client`)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from gallery.models import Photo, PhotoGroup

RATING_MAX = 5


class CullRefused(ValueError):
    """A flag or a rating that is not one (the view answers 400)."""


def photo_cull(
    *, photo: Photo, flag: str | None = None, rating: int | None = None, by: AbstractBaseUser
) -> Photo:
    """Set the photo's flag ("pick", "reject" or "" for neither) and/or its stars (0–5);
    None leaves that one as it is. Setting a state, not toggling one, so a key pressed
    twice or two tabs agree. `by` is who decided (staff); it is not recorded."""
    changes: dict = {}
    if flag is not None:
        if flag not in ("", *Photo.Flag.values):
            raise CullRefused(f"not a flag: {flag!r}")
        changes["flag"] = flag
    if rating is not None:
        if isinstance(rating, bool) or not 0 <= rating <= RATING_MAX:
            raise CullRefused(f"not a rating: {rating!r}")
        changes["rating"] = rating
    if changes:
        Photo.objects.filter(pk=photo.pk).update(**changes)
        for name, value in changes.items():
            setattr(photo, name, value)
    return photo


def photo_restore(*, photo: Photo, by: AbstractBaseUser) -> Photo:
    """Neither pick nor reject again: a reject is shown to the client once more."""
    return photo_cull(photo=photo, flag="", by=by)


def group_accept(*, group: PhotoGroup, by: AbstractBaseUser) -> dict[int, str]:
    """Accept the suggestion for a burst: its suggested best becomes a pick, every other
    photo of it a reject, whatever was decided before (accepting is the photographer's
    explicit say). Returns each member's id and its flag now; raises CullRefused when the
    group has no suggested best."""
    members = Photo.objects.filter(analysis__group=group, gallery_id=group.gallery_id)
    if group.best_id is None or not members.filter(pk=group.best_id).exists():
        raise CullRefused("the group has no suggested best")
    with transaction.atomic():
        members.exclude(pk=group.best_id).update(flag=Photo.Flag.REJECT)
        members.filter(pk=group.best_id).update(flag=Photo.Flag.PICK)
    return dict(members.values_list("pk", "flag"))
