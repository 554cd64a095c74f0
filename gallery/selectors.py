"""Reads about a gallery's proofing, for the studio: lists, the selection, comments, exports;
a client's galleries, for their own page; the client's grid of proofs, a chunk at a time."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

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


@dataclass(frozen=True)
class GridSet:
    """A set as the client's grid shows it: `number` from 1 in the grid's order, `start` the
    place of its first photo in the grid, `count` its photos."""

    name: str
    number: int
    start: int
    count: int

    @property
    def anchor(self) -> str:
        return f"set-{self.number}"


def grid_sets(photos: QuerySet[Photo]) -> list[GridSet]:
    """The sets of these photos, in the order of each set's first photo: the grid shows them
    set by set. One query, one row per set, whatever the number of photos."""
    placed = (
        photos.annotate(place=Window(RowNumber(), order_by=Photo._meta.ordering))
        .order_by()
        .values("set_name", "place")
    )
    try:
        sql, params = placed.query.sql_with_params()
    except EmptyResultSet:  # photos.none()
        return []
    # Grouping over a window needs SQL of its own; one window sorts the photos once.
    with connections[placed.db].cursor() as cursor:
        cursor.execute(
            f"SELECT set_name, COUNT(*) FROM ({sql}) grid GROUP BY set_name ORDER BY MIN(place)",  # noqa: S608 (the ORM's SQL, its values as parameters)
            params,
        )
        rows = cursor.fetchall()
    sets, start = [], 0
    for number, (name, count) in enumerate(rows, start=1):
        sets.append(GridSet(name=name, number=number, start=start, count=count))
        start += count
    return sets


def grid_chunk(
    photos: QuerySet[Photo],
    *,
    sets: list[GridSet],
    start: int,
    stop: int,
    favorite_list: FavoriteList | None,
    with_comments: bool,
) -> list:
    """The grid's photos from `start` to `stop` (set by set, each set in the gallery's order)
    as rows of what a tile shows (`pk`, `set_number`, `original_name`, `width`, `height`,
    `colour`, `thumbnail`, `preview`: the files' names), with `is_favorite` (in
    `favorite_list`) and `comment_count` (0 unless `with_comments`). One query, of those
    photos only."""
    set_order = Case(
        *[When(set_name=grid_set.name, then=Value(grid_set.number)) for grid_set in sets],
        default=Value(0),
        output_field=IntegerField(),
    )
    favorite = (
        Exists(Favorite.objects.filter(favorite_list=favorite_list, photo=OuterRef("pk")))
        if favorite_list
        else Value(False)
    )
    comments = (
        Coalesce(
            Subquery(
                Comment.objects.filter(photo=OuterRef("pk"))
                .order_by()
                .values("photo")
                .annotate(count=Count("pk"))
                .values("count")
            ),
            0,
        )
        if with_comments
        else Value(0)
    )
    return list(
        photos.annotate(set_number=set_order, is_favorite=favorite, comment_count=comments)
        .order_by("set_number", *Photo._meta.ordering)
        .values_list(
            "pk",
            "set_number",
            "original_name",
            "width",
            "height",
            "colour",
            "thumbnail",
            "preview",
            "is_favorite",
            "comment_count",
            named=True,
        )[start:stop]
    )


def grid_hero(photos: QuerySet[Photo], *, cover_id: int | None, first=None):
    """The photo shown large above the grid, as a row of `pk` and `preview` (its file's
    name): the cover the studio chose, if it is among these, else the first of them
    (`first`, a grid_chunk row, when the caller has it already). One query at most, and
    none that sorts the photos when `first` is given."""
    rows = photos.values_list("pk", "preview", named=True)
    cover = rows.filter(pk=cover_id).first() if cover_id else None
    return cover or first or rows.first()
