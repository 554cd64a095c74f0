"""Proofing: favorites lists, favorites, comments, and what a selection costs."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from gallery.models import Comment, Favorite, FavoriteList, Gallery, Photo, ShareLink
from studio.selectors import studio_get

LIST_NAME_MAX = FavoriteList._meta.get_field("name").max_length
GUEST_LISTS_MAX = 3  # favorites lists one share link's guests may keep


class ListLimitReached(Exception):
    """A share link's guests already keep GUEST_LISTS_MAX lists."""


class SelectionLocked(Exception):
    """Favorites can't change now; `reason` says why (see `choosing_closed`)."""

    def __init__(self, reason: str = "closed"):
        super().__init__(reason)
        self.reason = reason


def day_ends(day: date, tz: ZoneInfo) -> datetime:
    """The end of a local day (the midnight after it) in `tz`. A day at the edge of the
    calendar (stored before dates were checked: 31 December 9999) ends at its edge, not in
    an error that would close a gallery or stop every gallery's reminders."""
    if day >= date(9999, 12, 1):
        return datetime(9999, 12, 1, tzinfo=UTC)
    return datetime.combine(day + timedelta(days=1), time.min, tz)


def day_over(day: date | None, *, now: datetime | None = None, tz: ZoneInfo | None = None) -> bool:
    """Whether `day` (a choose-by day) has ended in `tz`, the studio's zone (looked up if
    not given). No day never ends."""
    if day is None:
        return False
    return (now or timezone.now()) >= day_ends(day, tz or ZoneInfo(studio_get().time_zone))


def deadline_passed(
    gallery: Gallery, *, now: datetime | None = None, tz: ZoneInfo | None = None
) -> bool:
    return day_over(gallery.selection_deadline, now=now, tz=tz)


def choosing_closed(
    gallery: Gallery, *, now: datetime | None = None, tz: ZoneInfo | None = None
) -> str:
    """Why favorites can't change now, or "": "sent" (a selection is with the studio or
    waiting for its extras to be paid), "closed" (the gallery isn't open for choosing:
    a draft, or delivered), "deadline" (its choose-by day is over)."""
    if gallery.selection_id:
        return "sent"
    if gallery.status != Gallery.Status.PUBLISHED:
        return "closed"
    if deadline_passed(gallery, now=now, tz=tz):
        return "deadline"
    return ""


@dataclass(frozen=True)
class SelectionSummary:
    count: int
    included: int
    extra: int
    extra_cost: int  # minor units of the gallery's currency
    currency: str


def selection_summary(*, gallery: Gallery, count: int, package: bool = True) -> SelectionSummary:
    """The count against the package: included, extra and their cost. `package=False` (a
    share link's guest, who never sends a selection nor pays): the count alone, no prices."""
    if not package:
        return SelectionSummary(count, 0, 0, 0, gallery.currency)
    extra = max(0, count - gallery.favorites_limit)
    return SelectionSummary(
        count=count,
        included=gallery.favorites_limit,
        extra=extra,
        extra_cost=extra * gallery.extra_image_price,
        currency=gallery.currency,
    )


def first_name(name: str) -> str:
    return (name.split() or ["Me"])[0][:LIST_NAME_MAX]


def favorite_list_get_or_create(
    *, gallery: Gallery, name: str, share_link: ShareLink | None = None
) -> FavoriteList:
    """The list with this name (trimmed, compared without case) among the client's lists,
    or with `share_link`, among that link's guests' own; made if new. Guests never reach
    the client's or another link's lists, whatever name they type, and keep at most
    GUEST_LISTS_MAX (ListLimitReached past it)."""
    name = " ".join(name.split())[:LIST_NAME_MAX]
    if not name:
        raise ValueError("a favorites list needs a name")
    own = gallery.favorite_lists.filter(share_link=share_link)
    existing = own.filter(name__iexact=name).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            if share_link is not None:
                # The link's row lock makes two tabs at once count each other's new lists.
                ShareLink.objects.select_for_update().filter(pk=share_link.pk).first()
                if own.count() >= GUEST_LISTS_MAX:
                    raise ListLimitReached
            return FavoriteList.objects.create(gallery=gallery, share_link=share_link, name=name)
    except IntegrityError:  # made in another tab this very moment
        return own.get(name=name)


def favorite_set(*, favorite_list: FavoriteList, photo: Photo, on: bool) -> bool:
    """Make the photo a favorite in this list, or not. Says what it is now. Setting a state
    rather than toggling it means a double click, or two tabs, agree on the outcome. Raises
    SelectionLocked once the selection is sent or the choose-by day is over."""
    gallery = favorite_list.gallery
    if reason := choosing_closed(gallery):
        raise SelectionLocked(reason)
    if photo.gallery_id != gallery.pk:
        raise ValueError("the photo is not in this list's gallery")
    if not on:
        Favorite.objects.filter(favorite_list=favorite_list, photo=photo).delete()
        return False
    try:
        with transaction.atomic():
            Favorite.objects.create(favorite_list=favorite_list, photo=photo)
    except IntegrityError:  # already a favorite: the unique key keeps it to one
        pass
    return True


def comment_add(*, photo: Photo, author_name: str, body: str, from_studio: bool) -> Comment:
    return Comment.objects.create(
        photo=photo,
        author_name=author_name.strip()[:120] or "—",
        body=body.strip(),
        from_studio=from_studio,
    )
