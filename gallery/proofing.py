"""Proofing: favorites lists, favorites, comments, and what a selection costs."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from gallery.models import Comment, Favorite, FavoriteList, Gallery, Photo

LIST_NAME_MAX = 60


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


def favorite_list_get_or_create(*, gallery: Gallery, name: str) -> FavoriteList:
    """The gallery's list with this name (trimmed, compared without case), made if new."""
    name = " ".join(name.split())[:LIST_NAME_MAX]
    if not name:
        raise ValueError("a favorites list needs a name")
    existing = gallery.favorite_lists.filter(name__iexact=name).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return FavoriteList.objects.create(gallery=gallery, name=name)
    except IntegrityError:  # made in another tab this very moment
        return gallery.favorite_lists.get(name=name)


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
