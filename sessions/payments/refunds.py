"""Refunds: asked for by the studio or by Sitting's own rules, sent to Stripe by a worker
once (the refund's id is the idempotency key), and Stripe's own refunds recorded as seen."""

import logging
from contextlib import nullcontext
from datetime import datetime, timedelta

import stripe
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions.models import Booking
from sessions.payments import gateway
from sessions.payments.common import checkout_close_later, payment_expire, payment_locked
from sessions.payments.emails import payment_email_enqueue
from sessions.payments.errors import PaymentRefused
from sessions.payments.ledger import payment_refundable
from sessions.payments.models import Payment, Refund
from studio.actors import SYSTEM, ActorKind, acting_as
from studio.background import task_enqueue_on_commit, task_send_now
from studio.money import money_format

log = logging.getLogger(__name__)

# Refunds Sitting gives by its own rules, whoever's action led to them.
AUTOMATIC_REFUNDS = {Refund.Reason.DUPLICATE, Refund.Reason.LATE_PAYMENT, Refund.Reason.WITHDRAWN}

REFUND_STATUSES = {
    "succeeded": Refund.Status.SUCCEEDED,
    "pending": Refund.Status.PENDING,
    "requires_action": Refund.Status.PENDING,
    "failed": Refund.Status.FAILED,
    "canceled": Refund.Status.FAILED,
}


def refund_queue(payment: Payment, *, amount: int, reason: str, note: str = "") -> Refund | None:
    """Record a refund (by the current actor) and have a worker send it to Stripe after
    commit; for a payment the studio recorded (a bank transfer, cash), Stripe has nothing
    to give back, so the refund is recorded as given back by the studio, there and then.
    Call inside a transaction holding the payment's lock."""
    if amount <= 0:
        return None
    if amount > payment_refundable(payment):
        raise PaymentRefused(
            _("At most %(amount)s can be refunded on this payment.")
            % {"amount": money_format(payment_refundable(payment), payment.currency_received)}
        )
    with acting_as(SYSTEM) if reason in AUTOMATIC_REFUNDS else nullcontext():
        refund = Refund.objects.create(
            payment=payment,
            amount=amount,
            currency=payment.currency_received,
            reason=reason,
            note=note[:300],
            status=Refund.Status.SUCCEEDED if payment.recorded else Refund.Status.QUEUED,
        )
    if payment.recorded:
        _recorded_refund_apply(payment, refund)
    else:
        _submit_after_commit(refund)
    return refund


def _recorded_refund_apply(payment: Payment, refund: Refund) -> None:
    """A refund of money the studio recorded, given back by the studio: on the payment at
    once, as Stripe's charge would say of a card payment."""
    payment.amount_refunded = min(payment.amount_refunded + refund.amount, payment.amount_received)
    payment.status = (
        Payment.Status.REFUNDED
        if payment.amount_refunded >= payment.amount_received
        else Payment.Status.PARTIALLY_REFUNDED
    )
    payment.save(update_fields=["amount_refunded", "status", "updated_at"])
    _refund_recorded(refund)
    credit_note_when_made(refund)


def _submit_after_commit(refund: Refund) -> None:
    task_enqueue_on_commit("sessions.tasks.refund_submit_task", refund_id=refund.pk)


# A booking that will not take place: money for its price that arrives now is not owed.
BOOKING_ENDED = Booking.ENDED_STATUSES


def refund_if_booking_ended(payment: Payment, *, booking_status: str) -> Refund | None:
    """Give back in full a payment towards the price that arrived after its booking ended
    (a part charged, or a page paid, as the booking was cancelled). Call holding the
    payment's lock, once it is recorded as paid."""
    if booking_status not in BOOKING_ENDED:
        return None
    with acting_as(SYSTEM):
        return refund_queue(
            payment, amount=payment_refundable(payment), reason=Refund.Reason.CANCELLATION
        )


def refund_create(
    *, payment_id: int, amount: int, note: str = "", reason: str = Refund.Reason.STUDIO
) -> Refund:
    """A refund the studio gives, up to what is left of the payment, recorded as the current
    actor's. Raises PaymentRefused."""
    with transaction.atomic():
        payment = payment_locked(payment_id)
        refund = refund_queue(payment, amount=amount, reason=reason, note=note)
        if refund is None:
            raise PaymentRefused(_("Please enter an amount above zero."))
    return refund


def refund_duplicate_queue(
    payment: Payment, *, payment_intent_id: str, amount: int, currency: str
) -> None:
    """Give back a second payment for the same thing (another PaymentIntent) in full. Its
    Refund row also records that money as received (`Refund.stripe_payment_intent_id`) for
    the monthly totals. Call holding the payment's lock."""
    if Refund.objects.filter(stripe_payment_intent_id=payment_intent_id).exists():
        return
    refund = Refund.objects.create(
        actor=ActorKind.SYSTEM,
        actor_user=None,
        payment=payment,
        amount=amount,
        currency=currency,
        reason=Refund.Reason.DUPLICATE,
        stripe_payment_intent_id=payment_intent_id,
    )
    _submit_after_commit(refund)


def refund_submit(*, refund_id: int) -> Refund:
    """Send a queued refund to Stripe, once: the idempotency key is the refund's id, so a
    retry after a lost answer returns the same refund. Temporary Stripe errors are raised
    for the task to retry; a refusal marks the refund failed and tells the studio."""
    from sessions.payments.webhooks import payment_refresh  # which records refunds: a cycle

    refund = Refund.objects.select_related("payment__booking").get(pk=refund_id)
    if refund.status != Refund.Status.QUEUED:
        return refund
    if refund.payment.recorded and not refund.stripe_payment_intent_id:
        return refund  # the studio's own money to give back: nothing for Stripe to do
    payment = refund.payment
    try:
        result = gateway.refund_create(
            params=_refund_params(refund, payment), idempotency_key=f"sitting-refund-{refund.pk}"
        )
    except gateway.TEMPORARY_ERRORS:
        raise  # the task retries with the same key; refunds_resubmit catches up after that
    except stripe.StripeError as error:  # Stripe will not do it: say why, to the studio
        return _refund_refused(refund, error)
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status == Refund.Status.QUEUED:
            refund.stripe_refund_id = result["id"]
            refund.status = REFUND_STATUSES.get(result.get("status"), Refund.Status.PENDING)
            refund.save(update_fields=["stripe_refund_id", "status", "updated_at"])
            if refund.status != Refund.Status.FAILED:
                _refund_recorded(refund)
            credit_note_when_made(refund)
    try:
        payment_refresh(payment_id=payment.pk)
    except stripe.StripeError as error:  # the charge.refunded webhook will bring it
        log.info("Refreshing payment %s after a refund failed: %s", payment.pk, error)
    return refund


def _refund_params(refund: Refund, payment: Payment) -> dict:
    return {
        "payment_intent": refund.stripe_payment_intent_id or payment.stripe_payment_intent_id,
        "amount": refund.amount,
        "reason": "duplicate"
        if refund.reason == Refund.Reason.DUPLICATE
        else "requested_by_customer",
        "metadata": {
            "refund_id": str(refund.pk),
            "payment_id": str(payment.pk),
            "booking_reference": payment.booking.reference,
        },
    }


def _refund_refused(refund: Refund, error: stripe.StripeError) -> Refund:
    log.warning("Refund %s refused by Stripe: %s", refund.pk, error)
    with transaction.atomic():
        updated = Refund.objects.filter(pk=refund.pk, status=Refund.Status.QUEUED).update(
            status=Refund.Status.FAILED,
            failure_reason=str(error.user_message or error)[:300],
            updated_at=timezone.now(),
        )
        if updated:
            payment_email_enqueue(refund.payment, kind="studio_refund_failed", refund=refund)
    refund.refresh_from_db()
    return refund


def refunds_resubmit(*, now: datetime | None = None, older_than=timedelta(minutes=10)) -> int:
    """Send again the refunds still queued after their task gave up or was never delivered
    (a broker outage at commit). Safe: each carries its own idempotency key."""
    now = now or timezone.now()
    ids = list(
        Refund.objects.filter(
            status=Refund.Status.QUEUED, updated_at__lt=now - older_than
        ).values_list("pk", flat=True)[:100]
    )
    for refund_id in ids:
        task_send_now("sessions.tasks.refund_submit_task", refund_id=refund_id)
    return len(ids)


def _refund_recorded(refund: Refund) -> None:
    payment_email_enqueue(refund.payment, kind="refund_issued", refund=refund)


def payment_charge_apply(payment: Payment, charge: dict, *, now: datetime) -> None:
    """Take what Stripe's charge says was refunded and disputed onto a received payment,
    and record its refunds. Call holding the payment's lock; the caller saves it."""
    refunded = max(payment.amount_refunded, int(charge.get("amount_refunded") or 0))
    payment.amount_refunded = min(refunded, payment.amount_received)
    if payment.amount_refunded >= payment.amount_received:
        payment.status = Payment.Status.REFUNDED
    elif payment.amount_refunded:
        payment.status = Payment.Status.PARTIALLY_REFUNDED
    if charge.get("disputed") and not payment.disputed_at:
        payment.disputed_at = now
    _refunds_sync(payment, (charge.get("refunds") or {}).get("data") or [])


def _refunds_sync(payment: Payment, stripe_refunds: list[dict]) -> None:
    """Record Stripe's refunds of this payment, including ones made in its dashboard."""
    rows = list(payment.refunds.select_for_update())
    by_stripe_id = {row.stripe_refund_id: row for row in rows if row.stripe_refund_id}
    by_pk = {str(row.pk): row for row in rows}
    for item in stripe_refunds:
        ours = str((item.get("metadata") or {}).get("refund_id", ""))
        row = by_stripe_id.get(item["id"]) or by_pk.get(ours)
        status = REFUND_STATUSES.get(item.get("status"), Refund.Status.PENDING)
        if row is None:
            _refund_seen(payment, item, status=status)
        elif row.stripe_refund_id != item["id"] or row.status != status:
            _refund_changed(payment, row, item, status=status)


def _refund_seen(payment: Payment, item: dict, *, status: str) -> None:
    """A refund Sitting did not ask for: made in Stripe's dashboard."""
    row = Refund.objects.create(
        payment=payment,
        amount=item["amount"],
        currency=str(item.get("currency") or payment.currency_received).upper(),
        status=status,
        reason=Refund.Reason.STRIPE,
        stripe_refund_id=item["id"],
    )
    if status != Refund.Status.FAILED:
        _refund_recorded(row)
    credit_note_when_made(row)


def _refund_changed(payment: Payment, row: Refund, item: dict, *, status: str) -> None:
    was_queued, was_failed = (
        row.status == Refund.Status.QUEUED,
        row.status == Refund.Status.FAILED,
    )
    row.stripe_refund_id, row.status = item["id"], status
    if status == Refund.Status.FAILED:
        row.failure_reason = str(item.get("failure_reason") or _("declined by the bank"))[:300]
    row.save(update_fields=["stripe_refund_id", "status", "failure_reason", "updated_at"])
    credit_note_when_made(row)
    if was_queued and status != Refund.Status.FAILED:
        _refund_recorded(row)
    elif status == Refund.Status.FAILED and not was_failed:
        payment_email_enqueue(payment, kind="studio_refund_failed", refund=row)


def credit_note_when_made(refund: Refund) -> None:
    """A refund that went through gets its credit note (sessions.payments.invoices), once."""
    if refund.status == Refund.Status.SUCCEEDED:
        task_enqueue_on_commit("sessions.tasks.refund_credit_note_issue_task", refund_id=refund.pk)


def booking_payments_settle_on_cancel(
    booking: Booking, *, deposit_percent: int, others_percent: int, now: datetime
) -> int:
    """Refund these percentages of what was paid for a booking being cancelled (of the
    deposit, and of anything else), and close any payment still open. Returns the amount
    refunded. Call inside the cancelling transaction, holding the booking's lock."""
    total = 0
    for payment in Payment.objects.select_for_update().filter(booking=booking):
        if payment.status == Payment.Status.PENDING:
            payment_expire(payment, reason=_("The booking was cancelled."))
            if payment.stripe_checkout_session_id:
                checkout_close_later(payment.stripe_checkout_session_id)
            continue
        percent = deposit_percent if payment.kind == Payment.Kind.DEPOSIT else others_percent
        amount = payment_refundable(payment) * percent // 100
        if refund_queue(payment, amount=amount, reason=Refund.Reason.CANCELLATION):
            total += amount
    return total
