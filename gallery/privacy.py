"""A client's galleries in a privacy export or erasure (workspace.privacy runs both across
the apps). Photos of a person are their personal data, so erasure deletes the galleries
whole; a payment for extras stays (a financial record)."""

from django.utils.translation import gettext as _

from clients.models import Client
from gallery.culling_models import Face
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
            "faces": _faces_export(gallery),
        }
        for gallery in galleries
    ]


def _faces_export(gallery: Gallery) -> dict:
    """The faces found in the gallery's photos and the people they were grouped into: where
    each face is, not the descriptor numbers themselves."""
    faces = Face.objects.filter(photo__gallery=gallery).select_related("photo", "person")
    return {
        "about": _(
            "Faces found in these photos, on the studio's own server, each described by 128 "
            "numbers kept only to tell the people in this gallery apart. Boxes are fractions "
            "of the photo's width and height from its top left corner."
        ),
        "count": len(faces),
        "people": [
            {"name": person.label, "photos": person.photo_count, "hidden": person.hidden}
            for person in gallery.people.order_by("number")
        ],
        "faces": [
            {
                "photo": face.photo.original_name,
                "box": {
                    "left": round(face.left, 4),
                    "top": round(face.top, 4),
                    "width": round(face.width, 4),
                    "height": round(face.height, 4),
                },
                "person": face.person.label if face.person else None,
                "has_descriptor": face.descriptor is not None,
            }
            for face in faces
        ],
    }


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
