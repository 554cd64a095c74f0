"""A client's galleries in a privacy export or erasure (workspace.privacy runs both across
the apps). Photos of a person are their personal data, so erasure deletes the galleries
whole; a payment for extras stays (a financial record)."""

from clients.models import Client
from gallery.models import Comment, Favorite, Gallery, Selection


def client_galleries_export(*, client: Client) -> list[dict]:
    """The client's galleries with their favorites, selections and comments, as plain data."""
    galleries = Gallery.objects.filter(booking__client=client).prefetch_related(
        "favorite_lists", "selections__photos"
    )
    return [
        {
            "title": gallery.title,
            "status": gallery.status,
            "photo_count": gallery.photos.count(),
            "favorites": {
                favorite_list.name: sorted(
                    Favorite.objects.filter(favorite_list=favorite_list).values_list(
                        "photo__original_name", flat=True
                    )
                )
                for favorite_list in gallery.favorite_lists.all()
            },
            "selections": [
                {
                    "status": selection.status,
                    "submitted_at": selection.submitted_at,
                    "photos": sorted(photo.original_name for photo in selection.photos.all()),
                }
                for selection in gallery.selections.all()
            ],
            "comments": [
                {
                    "photo": comment.photo.original_name,
                    "from": comment.author_name,
                    "by_the_studio": comment.from_studio,
                    "text": comment.body,
                    "at": comment.created_at,
                }
                for comment in Comment.objects.filter(photo__gallery=gallery).select_related(
                    "photo"
                )
            ],
        }
        for gallery in galleries
    ]


def client_galleries_erase(*, client: Client) -> int:
    """Delete the client's galleries (photos, favorites, comments, selections; files after
    commit); how many. Call inside the erasure's transaction."""
    galleries = Gallery.objects.filter(booking__client=client)
    galleries.update(cover=None, selection=None)
    # A selection protects its favorites list: they go first, then the rest with each gallery.
    Selection.objects.filter(gallery__in=galleries).delete()
    deleted = 0
    for gallery in galleries:
        gallery.delete()
        deleted += 1
    return deleted
