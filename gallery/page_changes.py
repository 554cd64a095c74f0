"""What moves a client's gallery pages on (studio.page_cache.gallery_pages_changed): every
row they show but do not read per request (the gallery, its booking, selection and share
link are read per request and so part of the kept page's key). A save or delete sends a
signal (connected in GalleryConfig.ready); the querysets below move it on for changes in
bulk, which send none."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models

from studio.page_cache import gallery_pages_changed

_unseen: ContextVar[bool] = ContextVar("gallery_pages_unseen", default=False)


@contextmanager
def unseen_changes() -> Iterator[None]:
    """Changes in bulk made inside change nothing a client's page shows (a worker's claim,
    a digest's mark, a face's measures): the kept pages stay."""
    token = _unseen.set(True)
    try:
        yield
    finally:
        _unseen.reset(token)


class ShownQuerySet(models.QuerySet):
    """A queryset of rows a client's gallery page shows: a change in bulk moves the pages
    on (bulk_update goes through `update`), unless made inside `unseen_changes()`;
    `update_unseen` is `update` inside it."""

    def update(self, **kwargs) -> int:
        count = super().update(**kwargs)
        if count and not _unseen.get():
            gallery_pages_changed()
        return count

    def update_unseen(self, **kwargs) -> int:
        with unseen_changes():
            return self.update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs) -> list:
        made = super().bulk_create(objs, *args, **kwargs)
        if made and not _unseen.get():
            gallery_pages_changed()
        return made


def shown_models() -> list[type[models.Model]]:
    """The models whose saves and deletes move the pages on (their querysets are
    ShownQuerySet's, which tests/gallery/test_gallery_page_kept.py checks)."""
    from gallery.culling_models import Face, Person
    from gallery.models import Comment, Favorite, FavoriteList, Photo

    return [Photo, Favorite, FavoriteList, Comment, Person, Face]
