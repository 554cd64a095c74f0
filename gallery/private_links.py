"""A gallery's signed link and its share links in the email log (studio.private_links):
kept as markers with the gallery's slug or the share link's id, made afresh from them."""

from django.utils.translation import gettext as _

from gallery.access import SALT, gallery_link_token
from gallery.models import Gallery, ShareLink
from studio.private_links import LinkGone, PrivateLink, signed_value, to_the_client_now


def _gallery_held(token: str) -> str | None:
    return signed_value(SALT, token)


def _gallery_token(slug: str, email) -> str:
    gallery = Gallery.objects.select_related("booking__client").filter(slug=slug).first()
    if gallery is None:
        raise LinkGone(_("The gallery this email links to no longer exists."))
    to_the_client_now(email, gallery.booking.client)
    return gallery_link_token(gallery)


def _share_held(token: str) -> str | None:
    share_id = ShareLink.objects.filter(token=token).values_list("pk", flat=True).first()
    return None if share_id is None else str(share_id)


def _share_token(share_id: str, email) -> str:
    token = ShareLink.objects.filter(pk=share_id).values_list("token", flat=True).first()
    if token is None:
        raise LinkGone(_("The share link in this email has been deleted."))
    return token


LINKS = (
    PrivateLink("gallery", "gallery:gallery-open", _gallery_held, _gallery_token),
    PrivateLink("share", "gallery:share-open", _share_held, _share_token),
)
