"""Reads about a gallery's proofing, for the studio: lists, the selection, comments, exports;
and a client's galleries, for their own page."""

from datetime import date

from django.db.models import Count, Q

from gallery.access import VISIBLE
from gallery.exports import ExportRow
from gallery.models import Comment, Favorite, FavoriteList, Gallery, Photo


def favorite_lists_with_counts(gallery: Gallery) -> list[FavoriteList]:
    return list(gallery.favorite_lists.annotate(count=Count("favorites")))


def export_photos(gallery: Gallery, *, favorite_list_id: int | None) -> list[Photo]:
    """The submitted selection's photos, or one list's favorites; in the gallery's order."""
    if favorite_list_id is None:
        if gallery.selection is None:
            return []
        return list(gallery.selection.photos.all())
    return list(
        Photo.objects.filter(
            gallery=gallery, favorites__favorite_list_id=favorite_list_id
        ).order_by(*Photo._meta.ordering)
    )


def cull_picks(gallery: Gallery) -> list[Photo]:
    """The proofs the photographer picked while culling, in the gallery's order."""
    return list(gallery.photos.filter(kind=Photo.Kind.PROOF, flag=Photo.Flag.PICK))


def export_rows(gallery: Gallery, photos: list[Photo]) -> list[ExportRow]:
    """Each photo with the lists it is in and its comments: three queries whatever the size."""
    ids = [photo.pk for photo in photos]
    lists: dict[int, list[str]] = {}
    for photo_id, name in Favorite.objects.filter(photo_id__in=ids).values_list(
        "photo_id", "favorite_list__name"
    ):
        lists.setdefault(photo_id, []).append(name)
    comments: dict[int, list[str]] = {}
    for comment in Comment.objects.filter(photo_id__in=ids):
        comments.setdefault(comment.photo_id, []).append(f"{comment.author_name}: {comment.body}")
    return [
        ExportRow(
            file_name=photo.original_name,
            set_name=photo.set_name,
            lists=sorted(lists.get(photo.pk, [])),
            comments=comments.get(photo.pk, []),
        )
        for photo in photos
    ]


def gallery_comments(gallery: Gallery) -> list[Comment]:
    return list(
        Comment.objects.filter(photo__gallery=gallery)
        .select_related("photo")
        .order_by("-created_at", "-pk")
    )


def galleries_for_client(*, client_id: int, today: date) -> list[Gallery]:
    """The client's galleries they can open now (published, selection sent or delivered,
    not past their expiry day), newest first, with their cover and selection, each with
    `final_count`: the finished photos ready to download. One query."""
    return list(
        Gallery.objects.filter(booking__client_id=client_id, status__in=VISIBLE)
        .exclude(expires_on__lt=today)
        .select_related("selection", "cover")
        .annotate(
            final_count=Count(
                "photos",
                filter=Q(photos__kind=Photo.Kind.FINAL, photos__status=Photo.Status.READY),
            )
        )
        .order_by("-created_at", "-pk")
    )
