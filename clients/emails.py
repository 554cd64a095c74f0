import zoneinfo

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import SignInLink
from studio.emailing import email_send_once
from studio.selectors import studio_get


def sign_in_email_send(*, link_id: int, token: str) -> bool:
    link = SignInLink.objects.select_related("client").filter(pk=link_id).first()
    if link is None:
        return False
    studio = studio_get()
    with timezone.override(zoneinfo.ZoneInfo(studio.time_zone)):
        context = {
            "client": link.client,
            "studio": studio,
            "link": settings.SITE_URL + reverse("clients:sign-in-confirm", args=[token]),
            "expires_at": link.expires_at,
        }
        return email_send_once(
            key=f"sign-in:{link.pk}",
            to=f"{link.client.name} <{link.client.email}>",
            subject=_("Your sign-in link for %(studio)s") % {"studio": studio.name},
            text=render_to_string("emails/sign_in.txt", context),
            reply_to=studio.contact_email or None,
        )
