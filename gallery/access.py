"""Who may open a proofing gallery: staff; the gallery's client, signed in or holding the
gallery's signed link (from the "your gallery is ready" email). Anyone else gets a 404, the
same answer as for a gallery that does not exist. A draft is for staff only."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from gallery.models import Gallery, Photo

SALT = "gallery.link"
GRANTS_SESSION_KEY = "gallery_grants"  # ids of galleries this browser opened by signed link
VISIBLE = (Gallery.Status.PUBLISHED, Gallery.Status.SELECTION_SUBMITTED, Gallery.Status.DELIVERED)


class GalleryExpired(Exception):
    def __init__(self, gallery: Gallery):
        super().__init__(gallery.slug)
        self.gallery = gallery


@dataclass(frozen=True)
class Viewer:
    gallery: Gallery
    name: str  # for comments and the first favorites list
    is_staff: bool = False

    @property
    def can_favorite(self) -> bool:
        return self.gallery.status == Gallery.Status.PUBLISHED and not self.is_staff


def gallery_link_token(gallery: Gallery) -> str:
    return signing.Signer(salt=SALT).sign(gallery.slug)


def gallery_link_url(gallery: Gallery, *, absolute: bool = False) -> str:
    path = reverse("gallery:gallery-open", args=[gallery_link_token(gallery)])
    return settings.SITE_URL + path if absolute else path


def gallery_get_by_token(token: str) -> Gallery:
    try:
        slug = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        raise Http404 from None
    return _gallery(slug)


def gallery_grant(request, gallery: Gallery) -> None:
    """Remember in this browser's session that it opened the gallery by its signed link."""
    grants = set(request.session.get(GRANTS_SESSION_KEY, []))
    grants.add(gallery.pk)
    request.session[GRANTS_SESSION_KEY] = sorted(grants)


def gallery_viewer_get(request, slug: str) -> Viewer:
    """The person looking at this gallery, or Http404. Raises GalleryExpired for the client
    of a gallery past its expiry date (staff still see it)."""
    from clients.views import CLIENT_SESSION_KEY

    gallery = _gallery(slug)
    client = gallery.booking.client
    user = request.user
    if user.is_authenticated and user.is_staff and user.has_perm("gallery.view_gallery"):
        return Viewer(
            gallery=gallery, name=user.get_full_name() or user.get_username(), is_staff=True
        )
    if gallery.status not in (*VISIBLE, Gallery.Status.EXPIRED):
        raise Http404
    signed_in = request.session.get(CLIENT_SESSION_KEY) == client.pk
    if not signed_in and gallery.pk not in request.session.get(GRANTS_SESSION_KEY, []):
        raise Http404
    if gallery.status == Gallery.Status.EXPIRED or (
        gallery.expires_on and gallery.expires_on < timezone.localdate()
    ):
        raise GalleryExpired(gallery)
    return Viewer(gallery=gallery, name=client.name)


def photo_get_for_viewer(viewer: Viewer, photo_id: int) -> Photo:
    """One of the gallery's ready photos, or Http404."""
    photo = Photo.objects.filter(
        pk=photo_id, gallery=viewer.gallery, status=Photo.Status.READY
    ).first()
    if photo is None:
        raise Http404
    return photo


def _gallery(slug: str) -> Gallery:
    gallery = (
        Gallery.objects.select_related("booking__client", "selection").filter(slug=slug).first()
    )
    if gallery is None:
        raise Http404
    return gallery
