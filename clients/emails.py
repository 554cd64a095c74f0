import zoneinfo
from email.utils import formataddr

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from clients.services import sign_in_link_create
from studio.emailing import email_send_once
from studio.selectors import studio_get


def sign_in_link_send(*, email: str) -> bool:
    """Email a fresh sign-in link to the client with this address; False if there is none.

    Runs in the worker, so the token never travels through the queue."""
    client = Client.objects.filter(email__iexact=email.strip()).first()
    if client is None:
        return False
    link, token = sign_in_link_create(client=client)
    studio = studio_get()
    with timezone.override(zoneinfo.ZoneInfo(studio.time_zone)):
        context = {
            "client": client,
            "studio": studio,
            "link": settings.SITE_URL + reverse("clients:sign-in-confirm", args=[token]),
            "expires_at": link.expires_at,
        }
        return email_send_once(
            key=f"sign-in:{link.pk}",
            to=formataddr((client.name, client.email)),
            subject=_("Your sign-in link for %(studio)s") % {"studio": studio.name},
            text=render_to_string("emails/sign_in.txt", context),
            reply_to=studio.contact_email or None,
            kind="sign-in",
            client=client,
        )
