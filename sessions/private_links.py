"""The booking's signed link in the email log (studio.private_links): kept as a marker with
the booking's reference, made afresh from it when an email goes again."""

from django.utils.translation import gettext as _

from sessions.access import SALT, booking_token
from sessions.models import Booking
from studio.private_links import LinkGone, PrivateLink, signed_value, to_the_client_now


def _booking_held(token: str) -> str | None:
    return signed_value(SALT, token)


def _booking_token(reference: str, email) -> str:
    booking = Booking.objects.select_related("client").filter(reference=reference).first()
    if booking is None:
        raise LinkGone(_("The booking this email links to no longer exists."))
    to_the_client_now(email, booking.client)
    return booking_token(booking)


LINKS = (PrivateLink("booking", "sessions:booking-detail", _booking_held, _booking_token),)
