"""Emails about a gallery. The studio hears about a submitted selection once, with the
Lightroom filter string ready to paste, and about new comments in digests; the client hears
that their gallery is ready, reminders, that their selection arrived, that their favorites
are open again, and that their finished photos are ready."""

import logging
import zoneinfo
from datetime import datetime
from email.utils import formataddr

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gallery.access import gallery_link_url
from gallery.exports import lightroom_filter
from gallery.models import Comment, Gallery, Selection
from gallery.pins import guessing_runs
from gallery.proofing import choosing_closed
from gallery.reminders import gallery_reminders_due
from gallery.selection import extras_already_paid
from sessions.payments.models import Payment
from studio.email_kinds import KINDS, wording
from studio.emailing import email_kind_send, email_to_studio
from studio.money import money_format
from studio.selectors import studio_get

log = logging.getLogger(__name__)

REMINDER_KINDS = ("nudge", "deadline", "expiring")
COMMENT_EXCERPT = 500  # characters of each comment in the studio's digest; all in the admin


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
    return _studio_notice_send(
        gallery,
        key=f"selection:{selection.pk}:studio",
        kind="studio-selection",
        context={
            "name": gallery.booking.name_for_studio,
            "title": gallery.title,
            "count": selection.photo_count,
            "list": selection.favorite_list.name,
            "extras": _studio_extras_text(selection),
            "lightroom_filter": lightroom_filter(names),
        },
    )


def _paid_before(selection: Selection) -> int:
    """What the client paid for extras of a selection the studio reopened, counted towards
    this one's (its payment asks only for the rest; none when that covered them all)."""
    asked = selection.payment.amount if selection.payment is not None else 0
    return max(0, selection.extra_cost - asked)


def _studio_extras_text(selection: Selection) -> str:
    """The studio's line on a selection's extra photos: paid online, owed to it (recorded
    when it comes), or covered by what was paid before; and what was paid before."""
    if not selection.extra_count:
        return ""
    payment = selection.payment
    before = _paid_before(selection)
    online = payment is not None and payment.method == Payment.Method.CARD
    over = 0
    if payment is None:
        text = ngettext(
            "That includes %(extra)s extra photo, %(cost)s, covered by what the client paid "
            "before the selection was reopened.",
            "That includes %(extra)s extra photos, %(cost)s, covered by what the client paid "
            "before the selection was reopened.",
            selection.extra_count,
        )
        over = max(0, extras_already_paid(selection.gallery) - selection.extra_cost)
    elif online and not before:
        text = ngettext(
            "That includes %(extra)s extra photo, %(cost)s, paid online.",
            "That includes %(extra)s extra photos, %(cost)s, paid online.",
            selection.extra_count,
        )
    elif online:
        text = ngettext(
            "That includes %(extra)s extra photo, %(cost)s: %(asked)s paid online now, the "
            "rest (%(before)s) before the selection was reopened.",
            "That includes %(extra)s extra photos, %(cost)s: %(asked)s paid online now, the "
            "rest (%(before)s) before the selection was reopened.",
            selection.extra_count,
        )
    elif not before:
        text = ngettext(
            "That includes %(extra)s extra photo, %(cost)s, not yet paid: it is owed to you "
            "(record it on the booking when it comes).",
            "That includes %(extra)s extra photos, %(cost)s, not yet paid: they are owed to "
            "you (record it on the booking when it comes).",
            selection.extra_count,
        )
    else:
        text = ngettext(
            "That includes %(extra)s extra photo, %(cost)s: %(before)s was paid before the "
            "selection was reopened, and %(asked)s is owed to you (record it on the booking "
            "when it comes).",
            "That includes %(extra)s extra photos, %(cost)s: %(before)s was paid before the "
            "selection was reopened, and %(asked)s is owed to you (record it on the booking "
            "when it comes).",
            selection.extra_count,
        )
    if over:
        text += " " + _(
            "They paid %(over)s more than these need: settle it with them (give it back from "
            "the booking's page)."
        )
    return text % {
        "extra": selection.extra_count,
        "cost": money_format(selection.extra_cost, selection.currency),
        "before": money_format(before, selection.currency),
        "asked": money_format(payment.amount, payment.currency) if payment else "",
        "over": money_format(over, selection.currency),
    }


def gallery_email_send(*, gallery_id: int, kind: str) -> bool:
    """Tell the client their gallery is ready ("ready") or their finished photos are
    ("finals"), with the gallery's signed link; once each. False if sent or no longer so."""
    gallery = Gallery.objects.select_related("booking__client").filter(pk=gallery_id).first()
    wanted = {"ready": Gallery.Status.PUBLISHED, "finals": Gallery.Status.DELIVERED}
    if kind not in (*wanted, *REMINDER_KINDS):
        raise ValueError(f"unknown gallery email {kind!r}")
    if gallery is None:
        return False
    studio = studio_get()
    key = f"gallery:{gallery.pk}:{kind}"
    if kind in REMINDER_KINDS:  # reminders: only while they still apply
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
    return _client_email_send(gallery, studio, kind=kind, key=key)


def _client_email_send(gallery, studio, *, kind: str, key: str, selection=None) -> bool:
    """Send the client the gallery email `kind` under `key`, in the studio's zone."""
    return email_kind_send(
        kind=f"gallery-{kind}",
        key=key,
        to=formataddr((gallery.booking.booked_as_name, gallery.booking.client.email)),
        context=lambda: gallery_message(kind, gallery, studio, selection=selection),
        reply_to=studio.contact_email or None,
        gallery=gallery,
    )


def selection_client_email_send(*, selection_id: int) -> bool:
    """Thank the client for the selection they sent, saying what comes next (and what the
    extra photos cost); once. False if already sent or no longer submitted."""
    selection = (
        Selection.objects.select_related("gallery__booking__client")
        .filter(pk=selection_id, status=Selection.Status.SUBMITTED)
        .first()
    )
    if selection is None:
        return False
    return _client_email_send(
        selection.gallery,
        studio_get(),
        kind="selection-sent",
        key=f"selection:{selection.pk}:client",
        selection=selection,
    )


def gallery_reopened_email_send(*, gallery_id: int, selection_id: int | None = None) -> bool:
    """Tell the client their favorites are open again: the studio reopened `selection`, or
    (without one) moved a choose-by day that was over. Once each; only while the client can
    choose when it goes."""
    gallery = Gallery.objects.select_related("booking__client").filter(pk=gallery_id).first()
    if gallery is None or choosing_closed(gallery):
        return False
    if selection_id is not None:
        key = f"selection:{selection_id}:reopened"
    else:
        key = f"gallery:{gallery.pk}:reopened:{gallery.selection_deadline or 'open'}"
    return _client_email_send(gallery, studio_get(), kind="reopened", key=key)


def gallery_message(kind: str, gallery, studio, *, template=None, selection=None) -> dict:
    """The context of emails/gallery-<kind>/ for a gallery email (ready, nudge, deadline,
    expiring, selection-sent, reopened, finals), in the studio's words if it wrote some. In
    the studio's zone. A selection email speaks of `selection`, else the latest one."""
    full_name = gallery.booking.booked_as_name
    names = full_name.split()
    facts = {
        "name": names[0] if names else full_name,
        "gallery": gallery.title,
        "included": gallery.favorites_limit or "",
        "closes": date_format(gallery.expires_on, "l j F") if gallery.expires_on else "",
        "deadline": date_format(gallery.selection_deadline, "l j F")
        if gallery.selection_deadline
        else "",
        "studio": studio.name,
    }
    if kind == "selection-sent":
        facts.update(_selection_facts(selection or gallery.selections.first()))
    words = wording(f"gallery-{kind}", facts, template=template)
    label = _("Download my photos") if kind == "finals" else _("Open my gallery")
    return {**words, "studio": studio, "button": (label, gallery_link_url(gallery, absolute=True))}


def _selection_facts(selection: Selection | None) -> dict:
    if selection is None:
        return {"count": "", "extras": ""}
    extras = ""
    if selection.extra_count:
        payment = selection.payment
        if payment is not None and payment.method != Payment.Method.CARD:  # owed to the studio
            extras = ngettext(
                "It includes %(extra)s extra photo, %(cost)s: the studio will send you an "
                "invoice for it.",
                "It includes %(extra)s extra photos, %(cost)s: the studio will send you an "
                "invoice for them.",
                selection.extra_count,
            )
            if _paid_before(selection):
                extras = ngettext(
                    "It includes %(extra)s extra photo, %(cost)s. What you paid before counts "
                    "towards it: the studio will send you an invoice for the %(asked)s left.",
                    "It includes %(extra)s extra photos, %(cost)s. What you paid before counts "
                    "towards them: the studio will send you an invoice for the %(asked)s left.",
                    selection.extra_count,
                )
        elif payment is not None or settings.PAYMENTS_ENABLED:
            # Paid on Checkout; or, with payments on and nothing to pay, paid online already
            # for a selection the studio reopened.
            extras = ngettext(
                "It includes %(extra)s extra photo, %(cost)s, which you paid online. Thank you!",
                "It includes %(extra)s extra photos, %(cost)s, which you paid online. Thank you!",
                selection.extra_count,
            )
            if payment is not None and _paid_before(selection):
                extras = ngettext(
                    "It includes %(extra)s extra photo, %(cost)s: %(asked)s paid online now, "
                    "the rest paid before. Thank you!",
                    "It includes %(extra)s extra photos, %(cost)s: %(asked)s paid online now, "
                    "the rest paid before. Thank you!",
                    selection.extra_count,
                )
        else:  # payments off, nothing to pay: paid to the studio for a selection reopened
            extras = ngettext(
                "It includes %(extra)s extra photo, %(cost)s, which you've paid already. "
                "Thank you!",
                "It includes %(extra)s extra photos, %(cost)s, which you've paid already. "
                "Thank you!",
                selection.extra_count,
            )
        extras %= {
            "extra": selection.extra_count,
            "cost": money_format(selection.extra_cost, selection.currency),
            "asked": money_format(payment.amount, payment.currency) if payment else "",
        }
    return {"count": selection.photo_count, "extras": extras}


def pin_guessing_email_key(share_link_id: int, day: str) -> str:
    return f"share-link:{share_link_id}:pin-guessing:{day}"


def pin_guessing_email_send(*, share_link_id: int, day: str) -> bool:
    """Tell the studio someone is guessing a share link's PIN: once per link and day (the
    studio's `day`); False if already told, no longer so, or there is no contact address."""
    link = guessing_runs(now=timezone.now()).filter(pk=share_link_id).first()
    studio = studio_get()
    if link is None or not studio.contact_email:
        return False
    return _studio_notice_send(
        link.gallery,
        key=pin_guessing_email_key(link.pk, day),
        kind="studio-pin-guessing",
        context={
            "label": link.label,
            "title": link.gallery.title,
            "wrong": link.wrong,
            "addresses": link.addresses,
        },
    )


def comment_digest_email_send(*, gallery_id: int, claimed_at: str) -> bool:
    """Tell the studio, in one email, of the client's (and guests') comments on a gallery
    that the digest scan took at `claimed_at` (gallery.comment_digests); once. False if
    there are none or no studio address."""
    moment = datetime.fromisoformat(claimed_at)
    comments = list(
        Comment.objects.filter(photo__gallery_id=gallery_id, notified_at=moment, from_studio=False)
        .select_related("photo")
        .order_by("created_at", "pk")
    )
    gallery = Gallery.objects.select_related("booking__client").filter(pk=gallery_id).first()
    studio = studio_get()
    if not comments or gallery is None or not studio.contact_email:
        return False
    page = settings.SITE_URL + reverse("gallery:gallery-detail", args=[gallery.slug])

    def context() -> dict:
        photos = {comment.photo_id: comment.photo for comment in comments}
        return {
            "name": gallery.booking.name_for_studio,
            "title": gallery.title,
            "comments": [
                {
                    "author": comment.author_name,
                    "photo": comment.photo.original_name,
                    "when": date_format(timezone.localtime(comment.created_at), "j M, H:i"),
                    "body": Truncator(comment.body).chars(COMMENT_EXCERPT),
                }
                for comment in comments
            ],
            "links": [
                (_("Reply under %(photo)s") % {"photo": photo.original_name}, f"{page}#photo-{pk}")
                for pk, photo in photos.items()
            ],
        }

    return _studio_notice_send(
        gallery,
        key=f"gallery:{gallery.pk}:comments:{claimed_at}",
        kind="studio-comments",
        context=context,
    )


def _studio_notice_send(gallery, *, key: str, kind: str, context) -> bool:
    """Send the studio the email `kind` about `gallery` (emails/<kind>/, in the layout of
    notices to the studio) at its contact address, with a button to the gallery's admin
    page; where the kind is about the client, it says a reply reaches them. `context` is
    a dict or a function returning one (called in the studio's zone)."""
    client = gallery.booking.client if KINDS[kind].reply_to_client else None
    return email_kind_send(
        kind=kind,
        key=key,
        to=email_to_studio(),
        context=lambda: {
            "client": client,
            "button_link": settings.SITE_URL
            + reverse("admin:gallery_gallery_change", args=[gallery.pk]),
            **(context() if callable(context) else context),
        },
        gallery=gallery,
    )
