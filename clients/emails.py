from email.utils import formataddr

from django.conf import settings
from django.urls import reverse

from clients.models import Client
from clients.services import sign_in_link_create
from studio.emailing import email_kind_send
from studio.selectors import studio_get


def sign_in_link_send(*, email: str) -> bool:
    """Email a fresh sign-in link to the client with this address; False if there is none.

    Runs in the worker, so the token never travels through the queue."""
    client = Client.objects.filter(email__iexact=email.strip()).first()
    if client is None:
        return False
    link, token = sign_in_link_create(client=client)
    studio = studio_get()
    return email_kind_send(
        kind="sign-in",
        key=f"sign-in:{link.pk}",
        to=formataddr((client.name, client.email)),
        context={
            "client": client,
            "link": settings.SITE_URL + reverse("clients:sign-in-confirm", args=[token]),
            "expires_at": link.expires_at,
        },
        reply_to=studio.contact_email or None,
        client=client,
    )
