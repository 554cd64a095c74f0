"""The waitlist's emails: a place taken (kind "waitlist-joined", once per place, with the link
to leave before any time comes free) and a freed time offered ("waitlist-offer", once per
offer)."""

from email.utils import formataddr

from django.utils import timezone
from django.utils.formats import date_format

from sessions.models import WaitlistEntry
from sessions.waitlist import (
    joined_email_key,
    offer_email_key,
    offer_is_open,
    offer_links,
)
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
            "session": entry.session_type.called,
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


def waitlist_joined_email_send(*, entry_id: int) -> bool:
    """Tell someone they are on a day's waitlist, with their place's page and the link to
    leave, once per place; False when the place is no longer waiting (offered already: the
    offer's email says more; left, booked, past) or went before."""
    entry = WaitlistEntry.objects.select_related("session_type").filter(pk=entry_id).first()
    if entry is None or entry.status != WaitlistEntry.Status.WAITING:
        return False
    links = offer_links(entry)
    return email_kind_send(
        kind="waitlist-joined",
        key=joined_email_key(entry.pk),
        to=formataddr((entry.name, entry.email)),
        context=lambda: {
            "name": entry.name.split()[0] if entry.name.strip() else "",
            "session": entry.session_type.called,
            "a_session": entry.session_type.a_called,
            "date": date_format(entry.day, "l j F"),
            "hours": studio_get().waitlist_offer_hours,
            "button_link": links["offer"],
            "leave_link": links["leave"],
        },
        reply_to=studio_get().contact_email or None,
    )
