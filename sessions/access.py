"""Who may open a booking: whoever holds its signed link (from the confirmation page or
email), or staff. A link opens one booking only; a tampered or foreign one is a 404."""

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control

from sessions.models import Booking

SALT = "sessions.booking-link"


def booking_token(booking: Booking) -> str:
    return signing.Signer(salt=SALT).sign(booking.reference)


def booking_get_by_token(token: str) -> Booking:
    """The booking a signed link points to (client, session type, photographer joined)."""
    try:
        reference = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        raise Http404 from None
    booking = (
        Booking.objects.select_related("client", "session_type", "photographer", "package")
        .filter(reference=reference)
        .first()
    )
    if booking is None:
        raise Http404
    return booking


def booking_url(booking: Booking, *, absolute: bool = False) -> str:
    path = reverse("sessions:booking-detail", args=[booking_token(booking)])
    return settings.SITE_URL + path if absolute else path


def private_response(response: HttpResponse) -> HttpResponse:
    """A page of one person's booking: never cached on the way, never indexed."""
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
