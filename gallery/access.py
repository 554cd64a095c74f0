"""Who may open a proofing gallery: staff; the gallery's client, signed in or holding the
gallery's signed link (from the "your gallery is ready" email); someone the studio gave a
share link (its PIN entered, if it has one). Anyone else gets a 404, the same answer as for
a gallery that does not exist. A draft is for staff only."""

import contextlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core import signing
from django.core.cache import cache
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from gallery.models import Gallery, Photo, ShareLink
from studio.services import over_limit

SALT = "gallery.link"
GRANTS_SESSION_KEY = "gallery_grants"  # ids of galleries this browser opened by signed link
SHARES_SESSION_KEY = "gallery_shares"  # {gallery id: share link id} opened by share link
PIN_LIMIT_PER_IP = 10  # wrong PINs an hour from one address
PIN_LIMIT_PER_GALLERY = 30  # and for one gallery, from anywhere
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
    share_link: ShareLink | None = None

    @property
    def can_favorite(self) -> bool:
        allowed = self.share_link.can_favorite if self.share_link else not self.is_staff
        return allowed and self.gallery.status == Gallery.Status.PUBLISHED

    @property
    def can_comment(self) -> bool:
        return self.share_link.can_favorite if self.share_link else True

    @property
    def can_submit(self) -> bool:
        """Only the client sends the selection."""
        return not self.is_staff and self.share_link is None


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
    share_link = None
    if not signed_in and gallery.pk not in request.session.get(GRANTS_SESSION_KEY, []):
        grant = request.session.get(SHARES_SESSION_KEY, {}).get(str(gallery.pk))
        share_id, pin_mark = grant if isinstance(grant, list) and len(grant) == 2 else (None, "")
        share_link = ShareLink.objects.filter(pk=share_id, gallery=gallery).first()
        if (
            share_link is None
            or not share_link_works(share_link)
            or _pin_mark(share_link) != pin_mark
        ):
            raise Http404
    if gallery.status == Gallery.Status.EXPIRED or (
        gallery.expires_on and gallery.expires_on < timezone.localdate()
    ):
        raise GalleryExpired(gallery)
    if share_link:
        return Viewer(gallery=gallery, name=share_link.label, share_link=share_link)
    return Viewer(gallery=gallery, name=client.name)


def share_link_works(link: ShareLink) -> bool:
    return not link.revoked and (link.expires_on is None or link.expires_on >= timezone.localdate())


def share_link_get(token: str) -> ShareLink | None:
    """A working share link by its token, or None (revoked, past its date, or never made)."""
    link = ShareLink.objects.select_related("gallery").filter(token=token).first()
    return link if link and share_link_works(link) else None


class PinRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def share_link_unlock(request, link: ShareLink, *, pin: str, ip: str) -> None:
    """Let this browser in through the link, checking its PIN if it has one. Wrong PINs
    are limited per address and per gallery; past the limit even the right PIN waits an
    hour, so guessing 10,000 PINs is not practical. Raises PinRefused."""
    from django.utils.translation import gettext as _

    if link.pin_hash:
        limits = {
            f"share-pin:ip:{ip}": PIN_LIMIT_PER_IP,
            f"share-pin:gallery:{link.gallery_id}": PIN_LIMIT_PER_GALLERY,
        }
        # Each try takes its place in the count before the (slow) check, so tries sent at
        # once can't all slip under the limit; a right PIN gives its place back.
        over = [over_limit(key, limit) for key, limit in limits.items()]
        right = not any(over) and check_password(pin.strip(), link.pin_hash)
        if right or any(over):
            for key in limits:
                with contextlib.suppress(ValueError):
                    cache.decr(key)
        if any(over):
            raise PinRefused(
                _("Too many tries. Please wait an hour, or ask the studio for the PIN.")
            )
        if not right:
            raise PinRefused(_("That PIN isn't right. Please check it and try again."))
    shares = dict(request.session.get(SHARES_SESSION_KEY, {}))
    shares[str(link.gallery_id)] = [link.pk, _pin_mark(link)]
    request.session[SHARES_SESSION_KEY] = shares


def _pin_mark(link: ShareLink) -> str:
    """Changes when the PIN does, so a new PIN shuts out browsers let in with the old one."""
    return link.pin_hash[-16:]


def share_link_url(link: ShareLink, *, absolute: bool = False) -> str:
    path = reverse("gallery:share-open", args=[link.token])
    return settings.SITE_URL + path if absolute else path


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
