"""Who may open a proofing gallery: staff; the gallery's client, signed in or holding the
gallery's signed link (from the "your gallery is ready" email); someone the studio gave a
share link (its PIN entered, if it has one). Anyone else gets a 404, the same answer as for
a gallery that does not exist. A draft is for staff only."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core import signing
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from clients.views import CLIENT_SESSION_KEY
from gallery import pins, proofing
from gallery.models import Gallery, Photo, ShareLink
from studio.background import task_enqueue_on_commit
from studio.http import wait_text
from studio.models import SentEmail

SALT = "gallery.link"
GRANTS_SESSION_KEY = "gallery_grants"  # ids of galleries this browser opened by signed link
SHARES_SESSION_KEY = "gallery_shares"  # {gallery id: share link id} opened by share link
KNEW_PIN_COOKIE_AGE = timedelta(days=365)
VISIBLE = (Gallery.Status.PUBLISHED, Gallery.Status.SELECTION_SUBMITTED, Gallery.Status.DELIVERED)


class GalleryExpired(Exception):
    def __init__(self, gallery: Gallery):
        super().__init__(gallery.slug)
        self.gallery = gallery


@dataclass(frozen=True)
class Viewer:
    """Who is looking, and what they may do. Made per request, in the studio's zone."""

    gallery: Gallery
    name: str  # for comments and the first favorites list
    is_staff: bool = False
    share_link: ShareLink | None = None
    # Staff answer comments only with the permission to (a view-only assistant just reads).
    staff_may_answer: bool = False

    @property
    def keeps_favorites(self) -> bool:
        """Has a favorites list of their own: the client, or a guest whose link lets them
        choose. A view-only guest sees the photos and nothing of anyone's choosing."""
        return self.share_link.can_favorite if self.share_link else not self.is_staff

    @property
    def sees_favorites(self) -> bool:
        """Sees hearts: their own, or (staff) the client's."""
        return self.keeps_favorites or self.is_staff

    @cached_property
    def choosing_closed(self) -> str:
        """Why favorites can't change now, or "" (gallery.proofing.choosing_closed), in the
        request's zone, which is the studio's."""
        return proofing.choosing_closed(self.gallery, tz=timezone.get_current_timezone())

    @property
    def can_favorite(self) -> bool:
        return self.keeps_favorites and not self.choosing_closed

    @property
    def can_comment(self) -> bool:
        return self.share_link.can_favorite if self.share_link else True

    @property
    def can_write_comment(self) -> bool:
        return self.can_comment and (self.staff_may_answer or not self.is_staff)

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

    gallery = _gallery(slug)
    client = gallery.booking.client
    user = request.user
    if user.is_authenticated and user.is_staff and user.has_perm("gallery.view_gallery"):
        return Viewer(
            gallery=gallery,
            name=user.get_full_name() or user.get_username(),
            is_staff=True,
            staff_may_answer=user.has_perm("gallery.add_comment"),
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


def share_link_let_in(request, link: ShareLink) -> bool:
    """Whether this browser may open the link without typing its PIN: it still holds its
    grant for the link's current PIN, or the signed cookie saying it typed that PIN
    before. Neither depends on any count, so no one's guessing can shut it out."""
    if not link.pin_hash:
        return True
    grant = request.session.get(SHARES_SESSION_KEY, {}).get(str(link.gallery_id))
    if grant == [link.pk, _pin_mark(link)]:
        return True
    remembered = request.get_signed_cookie(
        _knew_pin_cookie(link),
        default="",
        salt=_knew_pin_cookie(link),
        max_age=KNEW_PIN_COOKIE_AGE,
    )
    return constant_time_compare(remembered, _knew_pin_mark(link))


def share_link_unlock(request, link: ShareLink, *, pin: str, address: str) -> None:
    """Let this browser in through the link, checking its PIN if it has one. Wrong PINs
    make this address (and only it) wait longer each time (gallery.pins); the studio hears
    of a guessing run. Raises PinRefused with what to do."""
    from django.utils.translation import gettext as _

    if link.pin_hash:
        now = timezone.now()
        if paced := pins.pin_check_paced(share_link_id=link.pk, now=now):
            raise PinRefused(
                _(
                    "Many wrong PINs have been tried for this link today, so it checks one at "
                    "a time: please try again in %(wait)s. If it keeps happening, ask the "
                    "person who sent you the link for a new one."
                )
                % {"wait": wait_text(paced, now)}
            )
        try:
            wait_if_wrong = pins.pin_try_claim(share_link_id=link.pk, address=address, now=now)
        except pins.PinWait as wait:
            raise PinRefused(
                _(
                    "Please wait %(wait)s before trying again: several wrong PINs came from "
                    "your connection. If you're not sure of the PIN, ask the person who sent "
                    "you the link."
                )
                % {"wait": wait_text(wait.until, now)}
            ) from None
        if not check_password("".join(pin.split()), link.pin_hash):
            _guessing_noticed(link, now)
            message = _("That PIN isn't right. Please check it and try again.")
            if wait_if_wrong:
                message = _("That PIN isn't right. You can try again in %(wait)s.") % {
                    "wait": wait_text(wait_if_wrong, now)
                }
            raise PinRefused(message)
        pins.pin_right(share_link_id=link.pk, address=address)
    share_link_grant(request, link)


def share_link_grant(request, link: ShareLink) -> None:
    """Remember in this browser's session that it opened the gallery through this link
    (with its current PIN, if it has one)."""
    shares = dict(request.session.get(SHARES_SESSION_KEY, {}))
    shares[str(link.gallery_id)] = [link.pk, _pin_mark(link)]
    request.session[SHARES_SESSION_KEY] = shares


def share_link_remember(response, link: ShareLink) -> None:
    """Give this browser the signed cookie saying it knew the link's PIN (see
    share_link_let_in): it outlives the session, and a new PIN voids it."""
    if not link.pin_hash:
        return
    response.set_signed_cookie(
        _knew_pin_cookie(link),
        _knew_pin_mark(link),
        salt=_knew_pin_cookie(link),
        max_age=int(KNEW_PIN_COOKIE_AGE.total_seconds()),
        path=reverse("gallery:share-open", args=[link.token]),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _knew_pin_cookie(link: ShareLink) -> str:
    return f"share_pin_{link.pk}"


def _knew_pin_mark(link: ShareLink) -> str:
    return salted_hmac("gallery.share-knew-pin", link.pin_hash, algorithm="sha256").hexdigest()


def _guessing_noticed(link: ShareLink, now: datetime) -> None:
    """After a wrong PIN: if this link is being guessed, tell the studio (once a day)."""
    # Not at the top: gallery.emails imports this module.
    from gallery.emails import pin_guessing_email_key

    if not pins.guessing_runs(now=now).filter(pk=link.pk).exists():
        return
    day = timezone.localdate(now).isoformat()
    if not SentEmail.objects.filter(key=pin_guessing_email_key(link.pk, day)).exists():
        task_enqueue_on_commit(
            "gallery.tasks.pin_guessing_email_send_task", share_link_id=link.pk, day=day
        )


def _pin_mark(link: ShareLink) -> str:
    """Changes when the PIN does, so a new PIN shuts out browsers let in with the old one."""
    return link.pin_hash[-16:]


def share_link_url(link: ShareLink, *, absolute: bool = False) -> str:
    path = reverse("gallery:share-open", args=[link.token])
    return settings.SITE_URL + path if absolute else path


def photo_get_for_viewer(viewer: Viewer, photo_id: int) -> Photo:
    """One of the gallery's photos shown to the client (ready, not rejected), or Http404."""
    photo = Photo.objects.shown_to_client().filter(pk=photo_id, gallery=viewer.gallery).first()
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
