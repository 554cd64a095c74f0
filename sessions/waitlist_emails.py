"""The waitlist's email: a freed time offered (kind "waitlist-offer"), once per offer."""

from email.utils import formataddr

from django.utils import timezone
from django.utils.formats import date_format

from sessions.models import WaitlistEntry
from sessions.waitlist import offer_email_key, offer_is_open, offer_links
from studio.emailing import email_kind_send
from studio.selectors import studio_get


def waitlist_offer_email_send(*, entry_id: int) -> bool:
    """Email the time held for a waitlisted person, once per offer; False when it no longer
    applies (taken, left, ran out) or went before."""
    entry = (
        WaitlistEntry.objects.select_related("session_type", "hold__client", "hold__photographer")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None or not offer_is_open(entry):
        return False
    hold = entry.hold
    links = offer_links(entry)

    def context() -> dict:
        starts = timezone.localtime(hold.starts_at)
        return {
            "name": entry.name.split()[0] if entry.name.strip() else "",
            "session": entry.session_type.name,
            "date": date_format(starts, "l j F"),
            "time": date_format(starts, "H:i"),
            "until": date_format(timezone.localtime(hold.hold_expires_at), "l j F, H:i"),
            "button_link": links["offer"],
            "leave_link": links["leave"],
        }

    return email_kind_send(
        kind="waitlist-offer",
        key=offer_email_key(entry.pk, hold.pk),
        to=formataddr((entry.name, entry.email)),
        context=context,
        booking=hold,
        client=hold.client,
        reply_to=studio_get().contact_email or None,
    )
