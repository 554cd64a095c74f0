"""Submitting a selection: the client sends one favorites list to the studio. With extra
photos to pay for (and payments on), it waits for Stripe Checkout, and is submitted when the
payment arrives (sessions' `extras_paid` signal); with payments off it is submitted at once,
the extras owed to the studio (a payment row the studio records when paid, on the invoice).
Locks: booking, then gallery, the order the payment path also takes (photographer, booking,
payment, then gallery)."""

import logging
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gallery.models import Favorite, FavoriteList, Gallery, Photo, Selection
from gallery.proofing import choosing_closed, day_over, deadline_passed, selection_summary
from sessions.models import Booking
from sessions.payments.checkout import (
    checkout_page_close,
    extras_owed_create,
    extras_payment_create,
    payment_lock,
    payment_unpaid_close,
)
from sessions.payments.ledger import payment_refundable
from sessions.payments.models import Payment, Refund
from sessions.payments.refunds import refund_create
from studio.background import task_enqueue_on_commit

log = logging.getLogger(__name__)


class SelectionRefused(Exception):
    """Why the selection cannot be sent, in words for the client."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _locked_gallery(gallery_id: int) -> Gallery:
    booking_id = Gallery.objects.values_list("booking_id", flat=True).get(pk=gallery_id)
    list(Booking.objects.select_for_update().filter(pk=booking_id).values_list("pk"))
    return Gallery.objects.select_for_update().get(pk=gallery_id)


def selection_submit(
    *, gallery_id: int, favorite_list_id: int, now: datetime | None = None
) -> Selection:
    """Send this list's favorites as the selection, or, with extras to pay for, hold them
    for payment (the selection's `payment` then says what to pay). Sending again while one
    is active returns that one. Raises SelectionRefused."""
    now = now or timezone.now()
    with transaction.atomic():
        gallery = _locked_gallery(gallery_id)
        if gallery.selection_id:
            return gallery.selection
        if gallery.status != Gallery.Status.PUBLISHED:
            raise SelectionRefused(_("This gallery isn't open for choosing at the moment."))
        if deadline_passed(gallery, now=now):
            raise SelectionRefused(deadline_passed_message(gallery))
        favorite_list = FavoriteList.objects.filter(pk=favorite_list_id, gallery=gallery).first()
        if favorite_list is None:
            raise SelectionRefused(_("Please choose whose favorites to send."))
        photo_ids = list(
            Favorite.objects.filter(
                favorite_list=favorite_list, photo__in=Photo.objects.shown_to_client()
            ).values_list("photo_id", flat=True)
        )
        if not photo_ids:
            raise SelectionRefused(
                _("There are no favorites to send yet: tap the heart on the photos you love.")
            )
        summary = selection_summary(gallery=gallery, count=len(photo_ids))
        to_pay = max(0, summary.extra_cost - extras_already_paid(gallery))
        online = bool(to_pay) and settings.PAYMENTS_ENABLED
        selection = Selection.objects.create(
            gallery=gallery,
            favorite_list=favorite_list,
            status=Selection.Status.AWAITING_PAYMENT if online else Selection.Status.SUBMITTED,
            photo_count=summary.count,
            extra_count=summary.extra,
            extra_cost=summary.extra_cost,
            currency=summary.currency,
        )
        selection.photos.set(photo_ids)
        if online:
            selection.payment = extras_payment_create(
                booking_id=gallery.booking_id,
                amount=to_pay,
                currency=gallery.currency,
                return_path=reverse("gallery:selection", args=[gallery.slug]),
            )
            selection.save(update_fields=["payment"])
        else:
            if to_pay:  # payments off: owed to the studio, billed on the invoice
                selection.payment = extras_owed_create(
                    booking_id=gallery.booking_id, amount=to_pay, currency=gallery.currency
                )
                selection.save(update_fields=["payment"])
                task_enqueue_on_commit(
                    "sessions.tasks.booking_invoice_issue_task", booking_id=gallery.booking_id
                )
            _submitted(gallery, selection, now=now)
        gallery.selection = selection
        gallery.save(update_fields=["selection", "status"])
    return selection


def deadline_passed_message(gallery: Gallery) -> str:
    """What the client is told when their choose-by day is over."""
    return _(
        "The day to choose your favorites by (%(date)s) has passed, so they're locked. If "
        "you need a little longer, please get in touch with the studio."
    ) % {"date": date_format(gallery.selection_deadline, "j F")}


def _submitted(gallery: Gallery, selection: Selection, *, now: datetime) -> None:

    selection.status, selection.submitted_at = Selection.Status.SUBMITTED, now
    selection.save(update_fields=["status", "submitted_at"])
    gallery.status = Gallery.Status.SELECTION_SUBMITTED
    task_enqueue_on_commit("gallery.tasks.selection_email_send_task", selection_id=selection.pk)
    task_enqueue_on_commit(
        "gallery.tasks.selection_client_email_send_task", selection_id=selection.pk
    )


def selection_withdraw(
    *, gallery_id: int, by_client: bool = False, now: datetime | None = None
) -> Selection | None:
    """Reopen the gallery's favorites: the client going back to change a selection still
    waiting for payment (`by_client`: only then), or the studio unlocking any. A payment still
    open for it is closed, so the next selection can be paid; money already paid for extras
    counts towards the next one. Returns what was reopened. Raises SelectionRefused.
    The studio's reopening emails the client, if they can choose now (a choose-by day
    already over waits for the studio to move it: `selection_deadline_moved`)."""

    now = now or timezone.now()
    row = Gallery.objects.values("booking_id", "selection_id", "selection__payment_id").get(
        pk=gallery_id
    )
    payment_id = row["selection__payment_id"]
    with transaction.atomic():
        # The payment path's order: booking, payment, then gallery.
        list(Booking.objects.select_for_update().filter(pk=row["booking_id"]).values_list("pk"))
        if payment_id:
            payment_lock(payment_id=payment_id)
        gallery = Gallery.objects.select_for_update().get(pk=gallery_id)
        selection = gallery.selection
        if selection is None or selection.pk != row["selection_id"]:
            return None  # changed meanwhile: nothing of what was asked to reopen is left
        if by_client and selection.status != Selection.Status.AWAITING_PAYMENT:
            raise SelectionRefused(
                _("Your selection is already with the studio. To change it, please get in touch.")
            )
        if by_client and deadline_passed(gallery, now=now):
            raise SelectionRefused(deadline_passed_message(gallery))
        selection.status, selection.withdrawn_at = Selection.Status.WITHDRAWN, now
        selection.save(update_fields=["status", "withdrawn_at"])
        gallery.selection = None
        if gallery.status == Gallery.Status.SELECTION_SUBMITTED:
            gallery.status = Gallery.Status.PUBLISHED
        gallery.save(update_fields=["selection", "status"])
        if not by_client and not deadline_passed(gallery, now=now):
            task_enqueue_on_commit(
                "gallery.tasks.gallery_reopened_email_send_task",
                gallery_id=gallery.pk,
                selection_id=selection.pk,
            )
        open_page = None
        if payment_id:
            owed = Payment.objects.filter(Payment.owed_to_studio_q(), pk=payment_id).exists()
            open_page = payment_unpaid_close(
                payment_id=payment_id,
                reason=_("The selection was reopened before it was paid for."),
            )
            if owed:  # extra photos owed to the studio no longer: billed no more
                task_enqueue_on_commit(
                    "sessions.tasks.booking_invoice_issue_task", booking_id=gallery.booking_id
                )
    if open_page:  # so it can't be paid now; if it was paid already, extras_paid sorts it out
        checkout_page_close(session_id=open_page)
    return selection


def selection_deadline_moved(
    *, gallery_id: int, previous: date | None, now: datetime | None = None
) -> bool:
    """The studio changed the gallery's choose-by day from `previous`: if that day was over
    and the new one isn't, favorites are open again, and the client is emailed so (once per
    new day). Says whether they were reopened."""

    now = now or timezone.now()
    gallery = Gallery.objects.get(pk=gallery_id)
    if not day_over(previous, now=now) or choosing_closed(gallery, now=now):
        return False
    task_enqueue_on_commit("gallery.tasks.gallery_reopened_email_send_task", gallery_id=gallery.pk)
    return True


def extras_already_paid(gallery: Gallery) -> int:
    """What the client paid for extras of selections the studio has since reopened, less
    refunds: it counts towards the extras of the next selection."""
    paid = 0
    for payment in Payment.objects.filter(
        selection__gallery=gallery,
        selection__status=Selection.Status.WITHDRAWN,
        status__in=Payment.RECEIVED_STATUSES,
    ):
        paid += payment.net_received
    return paid


def selection_extras_paid(sender, *, payment: Payment, now: datetime, **kwargs) -> None:
    """The extras of a selection are paid: submit it. Runs inside the payment's transaction.
    Paid after the client reopened their favorites: submitted all the same if nothing else
    was sent meanwhile (they paid for it), else refunded in full."""
    selection = Selection.objects.filter(payment=payment).first()
    if selection is None:
        return
    gallery = Gallery.objects.select_for_update().get(pk=selection.gallery_id)
    selection.refresh_from_db()
    if selection.status == Selection.Status.SUBMITTED:
        return
    if gallery.selection_id in (None, selection.pk) and gallery.status in (
        Gallery.Status.PUBLISHED,
        Gallery.Status.SELECTION_SUBMITTED,
    ):
        gallery.selection = selection
        _submitted(gallery, selection, now=now)
        gallery.save(update_fields=["selection", "status"])
        return
    log.warning("Extras paid for withdrawn selection %s; refunding", selection.pk)
    refund_create(
        payment_id=payment.pk,
        amount=payment_refundable(payment),
        reason=Refund.Reason.WITHDRAWN,
        note=_("The client sent a different selection."),
    )
