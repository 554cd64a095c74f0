"""The booking's signed link in the email log (studio.private_links): kept as a marker with
the booking's reference, made afresh from it when an email goes again; and a waitlist place's
link (its offer, leaving), kept as the place's number."""

from email.utils import parseaddr

from django.utils.translation import gettext as _

from sessions.access import SALT, booking_token
from sessions.models import Booking, WaitlistEntry
from studio.private_links import LinkGone, PrivateLink, signed_value, to_the_client_now


def _booking_held(token: str) -> str | None:
    return signed_value(SALT, token)


def _booking_token(reference: str, email) -> str:
    booking = Booking.objects.select_related("client").filter(reference=reference).first()
    if booking is None:
        raise LinkGone(_("The booking this email links to no longer exists."))
    to_the_client_now(email, booking.client)
    return booking_token(booking)


def _waitlist_held(token: str) -> str | None:
    if len(token) < 20:
        return None
    pk = WaitlistEntry.objects.filter(token=token).values_list("pk", flat=True).first()
    return None if pk is None else str(pk)


def _waitlist_token(pk: str, email) -> str:
    entry = WaitlistEntry.objects.filter(pk=int(pk) if pk.isdigit() else None).first()
    if entry is None:
        raise LinkGone(_("The waitlist place this email links to no longer exists."))
    if parseaddr(email.to)[1].lower() != entry.email.lower():
        raise LinkGone(_("The email address of the waitlist place has changed since."))
    return entry.token


LINKS = (
    PrivateLink("booking", "sessions:booking-detail", _booking_held, _booking_token),
    PrivateLink("waitlist", "sessions:waitlist-entry", _waitlist_held, _waitlist_token),
)
