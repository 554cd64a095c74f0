"""Proofing: favorites lists, favorites, comments, and what a selection costs."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from gallery.models import Comment, Favorite, FavoriteList, Gallery, Photo, ShareLink

LIST_NAME_MAX = FavoriteList._meta.get_field("name").max_length
GUEST_LISTS_MAX = 3  # favorites lists one share link's guests may keep


class ListLimitReached(Exception):
    """A share link's guests already keep GUEST_LISTS_MAX lists."""


class SelectionLocked(Exception):
    """The selection was submitted (or the gallery is not open for choosing)."""


@dataclass(frozen=True)
class SelectionSummary:
    count: int
    included: int
    extra: int
    extra_cost: int  # minor units of the gallery's currency
    currency: str


def selection_summary(*, gallery: Gallery, count: int) -> SelectionSummary:
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
    rather than toggling it means a double click, or two tabs, agree on the outcome."""
    gallery = favorite_list.gallery
    if gallery.status != Gallery.Status.PUBLISHED or gallery.selection_id:
        raise SelectionLocked
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
