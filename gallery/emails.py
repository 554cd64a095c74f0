"""Emails about a gallery. The studio hears about a submitted selection once, with the
Lightroom filter string ready to paste."""

import logging
import zoneinfo
from email.utils import formataddr

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gallery.exports import lightroom_filter
from gallery.models import Selection
from studio.email_kinds import wording
from studio.emailing import email_render, email_send_once
from studio.money import money_format
from studio.selectors import studio_get

log = logging.getLogger(__name__)


def selection_email_send(*, selection_id: int) -> bool:
    """Tell the studio a selection was submitted; False if already told or no longer so."""
    selection = (
        Selection.objects.select_related("gallery__booking__client", "favorite_list")
        .filter(pk=selection_id, status=Selection.Status.SUBMITTED)
        .first()
    )
    if selection is None:
        return False
    studio = studio_get()
    if not studio.contact_email:
        log.warning("No studio contact email: selection %s not announced", selection.pk)
        return False
    gallery = selection.gallery
    names = list(selection.photos.values_list("original_name", flat=True))
    facts = {
        "client": gallery.booking.client.name,
        "title": gallery.title,
        "count": selection.photo_count,
        "list": selection.favorite_list.name,
        "extra": selection.extra_count,
        "cost": money_format(selection.extra_cost, selection.currency),
    }
    paragraphs = [
        _("%(client)s has sent %(count)s photos from “%(title)s” (%(list)s's favorites).") % facts,
    ]
    if selection.extra_count:
        paragraphs.append(
            _("That includes %(extra)s extra photos, %(cost)s, paid online.") % facts
            if selection.payment_id
            else _("That includes %(extra)s extra photos, %(cost)s, not yet paid.") % facts
        )
    paragraphs += [
        _("Paste this into Lightroom Classic (Library, Filter bar, Text, Filename, Contains):"),
        lightroom_filter(names),
    ]
    with (
        timezone.override(zoneinfo.ZoneInfo(studio.time_zone)),
        translation.override(settings.LANGUAGE_CODE),
    ):
        context = {
            "studio": studio,
            "heading": _("A selection has arrived"),
            "paragraphs": paragraphs,
            "button": (
                _("See the selection"),
                settings.SITE_URL + reverse("admin:gallery_gallery_change", args=[gallery.pk]),
            ),
        }
        text, html = email_render("studio_notice", {**context, "client": gallery.booking.client})
        return email_send_once(
            key=f"selection:{selection.pk}:studio",
            to=formataddr((studio.name, studio.contact_email)),
            subject=_("Selection from %(client)s: %(count)s photos") % facts,
            text=text,
            html=html,
            kind="studio-selection",
            gallery=gallery,
        )


def gallery_email_send(*, gallery_id: int, kind: str) -> bool:
    """Tell the client their gallery is ready ("ready") or their finished photos are
    ("finals"), with the gallery's signed link; once each. False if sent or no longer so."""
    from gallery.models import Gallery

    gallery = Gallery.objects.select_related("booking__client").filter(pk=gallery_id).first()
    wanted = {"ready": Gallery.Status.PUBLISHED, "finals": Gallery.Status.DELIVERED}
    if kind not in (*wanted, "nudge", "expiring"):
        raise ValueError(f"unknown gallery email {kind!r}")
    if gallery is None:
        return False
    studio = studio_get()
    key = f"gallery:{gallery.pk}:{kind}"
    if kind in ("nudge", "expiring"):  # reminders: only while they still apply
        from gallery.reminders import gallery_reminders_due

        due = dict(
            gallery_reminders_due(
                gallery=gallery,
                now=timezone.now(),
                nudge_days=studio.favorites_nudge_days,
                tz=zoneinfo.ZoneInfo(studio.time_zone),
            )
        )
        if kind not in due:
            return False
        key = due[kind]
    elif gallery.status != wanted[kind]:
        return False
    client = gallery.booking.client
    with (
        timezone.override(zoneinfo.ZoneInfo(studio.time_zone)),
        translation.override(settings.LANGUAGE_CODE),
    ):
        context = gallery_message(kind, gallery, studio)
        text, html = email_render("payment", context)
        return email_send_once(
            key=key,
            to=formataddr((client.name, client.email)),
            subject=context["subject"],
            text=text,
            html=html,
            reply_to=studio.contact_email or None,
            kind=f"gallery-{kind}",
            gallery=gallery,
        )


def gallery_message(kind: str, gallery, studio, *, template=None) -> dict:
    """The context of emails/payment.* for a gallery email (ready, nudge, expiring,
    finals), in the studio's words if it wrote some. In the studio's zone."""
    from gallery.access import gallery_link_url

    client = gallery.booking.client
    names = client.name.split()
    facts = {
        "name": names[0] if names else client.name,
        "gallery": gallery.title,
        "included": gallery.favorites_limit or "",
        "closes": date_format(gallery.expires_on, "l j F") if gallery.expires_on else "",
        "deadline": date_format(gallery.selection_deadline, "l j F")
        if gallery.selection_deadline
        else "",
        "studio": studio.name,
    }
    words = wording(f"gallery-{kind}", facts, template=template)
    label = _("Download my photos") if kind == "finals" else _("Open my gallery")
    return {**words, "studio": studio, "button": (label, gallery_link_url(gallery, absolute=True))}


def pin_guessing_email_key(share_link_id: int, day: str) -> str:
    return f"share-link:{share_link_id}:pin-guessing:{day}"


def pin_guessing_email_send(*, share_link_id: int, day: str) -> bool:
    """Tell the studio someone is guessing a share link's PIN: once per link and day (the
    studio's `day`); False if already told, no longer so, or there is no contact address."""
    from gallery.pins import guessing_runs

    link = guessing_runs(now=timezone.now()).filter(pk=share_link_id).first()
    studio = studio_get()
    if link is None or not studio.contact_email:
        return False
    gallery = link.gallery
    facts = {
        "label": link.label,
        "title": gallery.title,
        "wrong": link.wrong,
        "addresses": link.addresses,
    }
    with (
        timezone.override(zoneinfo.ZoneInfo(studio.time_zone)),
        translation.override(settings.LANGUAGE_CODE),
    ):
        context = {
            "studio": studio,
            "heading": _("Someone is guessing a PIN"),
            "paragraphs": [
                _(
                    "Someone is guessing the PIN of the share link for %(label)s to "
                    "“%(title)s”: %(wrong)s wrong PINs from %(addresses)s connections in the "
                    "last day."
                )
                % facts,
                _(
                    "Each connection waits longer after every wrong PIN, and whoever already "
                    "opened the gallery with the right PIN still gets in. If you didn't expect "
                    "this, give the link a new PIN or revoke it, and send the new one to the "
                    "people it is for."
                ),
            ],
            "button": (
                _("Open the gallery"),
                settings.SITE_URL + reverse("admin:gallery_gallery_change", args=[gallery.pk]),
            ),
        }
        text, html = email_render("studio_notice", context)
        return email_send_once(
            key=pin_guessing_email_key(link.pk, day),
            to=formataddr((studio.name, studio.contact_email)),
            subject=_("Someone is guessing the PIN of the link for %(label)s") % facts,
            text=text,
            html=html,
            kind="studio-pin-guessing",
            gallery=gallery,
        )
