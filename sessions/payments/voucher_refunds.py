"""Refunding a gift voucher's sale.

The studio refunds what is left on a voucher sold online (`voucher_refund`, the admin's
"Refund what is left on the voucher"): the voucher is voided first, so no booking can use it
while Stripe is asked; Stripe is asked at once, with an idempotency key from the voucher's
id and how many refunds its sale has had, so pressing again after a lost answer gives back
the same refund, never a second one. Stripe unreachable or refusing: the voucher is as it
was and nothing is recorded.

Stripe's word decides what was refunded: each of its refunds of a sale (the studio's, and
any made in Stripe's dashboard, read from the charge the webhook makes Sitting fetch again)
is one `VoucherRefund` row, unique by Stripe's id, with Stripe's status. The sale's
`amount_refunded` is what those rows not failed give back, so the voucher keeps its value
less its uses and that (never below zero), and a sale refunded in full voids the voucher. A
replayed event finds the same rows and changes nothing.
"""

import logging
from datetime import datetime

import stripe
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions.payments import gateway
from sessions.payments.errors import PaymentRefused, PaymentServiceUnavailable
from sessions.payments.models import Payment
from sessions.payments.vouchers import (
    GiftVoucher,
    VoucherPayment,
    VoucherRefund,
    voucher_remaining,
)
from studio.background import task_enqueue_on_commit

log = logging.getLogger(__name__)

REFUND_STATUSES = {
    "succeeded": VoucherRefund.Status.SUCCEEDED,
    "pending": VoucherRefund.Status.PENDING,
    "requires_action": VoucherRefund.Status.PENDING,
    "failed": VoucherRefund.Status.FAILED,
    "canceled": VoucherRefund.Status.FAILED,
}
# The webhook events about a charge's refunds; for a voucher's sale they come here.
VOUCHER_CHARGE_EVENTS = {
    "charge.refunded",
    "charge.refund.updated",
    "refund.updated",
    "refund.failed",
}


# --- The studio refunds what is left -------------------------------------------------


def voucher_refundable(voucher: GiftVoucher, sale: VoucherPayment) -> int:
    """What refunding the voucher would give back: what is left on it, within what is left
    of its sale. Two queries."""
    if sale.status != VoucherPayment.Status.PAID or not sale.stripe_payment_intent_id:
        return 0
    return max(min(voucher_remaining(voucher), sale.amount_received - sale.amount_refunded), 0)


def _locked(voucher_id: int) -> tuple[GiftVoucher, VoucherPayment | None]:
    """The voucher and its sale, locked in the webhook's order (the sale first)."""
    sale = VoucherPayment.objects.select_for_update().filter(voucher_id=voucher_id).first()
    voucher = GiftVoucher.objects.select_for_update().get(pk=voucher_id)
    return voucher, sale


def _refuse_unless_refundable(voucher: GiftVoucher, sale: VoucherPayment | None) -> int:
    """What can be refunded, or PaymentRefused saying plainly why nothing can."""
    if voucher.given_by_studio or sale is None:
        raise PaymentRefused(
            _(
                "%(code)s was given by the studio: nothing was paid for it, so there is "
                "nothing to refund."
            )
            % {"code": voucher.code}
        )
    if sale.status != VoucherPayment.Status.PAID or not sale.stripe_payment_intent_id:
        raise PaymentRefused(
            _("%(code)s hasn't been paid for, so there is nothing to refund.")
            % {"code": voucher.code}
        )
    amount = voucher_refundable(voucher, sale)
    if amount <= 0:
        raise PaymentRefused(
            _("Nothing is left on %(code)s to refund: it has been used or refunded in full.")
            % {"code": voucher.code}
        )
    return amount


def voucher_refund(*, voucher_id: int, now: datetime | None = None) -> VoucherRefund:
    """Refund what is left on a voucher sold online, to the card it was bought with, and
    void the voucher. Returns the refund as Stripe made it (the buyer is emailed). Raises
    PaymentRefused (given by the studio, unpaid, nothing left, Stripe said no) and
    PaymentServiceUnavailable (Stripe unreachable), with nothing changed either way."""
    now = now or timezone.now()
    with transaction.atomic():
        voucher, sale = _locked(voucher_id)
        amount = _refuse_unless_refundable(voucher, sale)
        was, seen = voucher.status, sale.refunds.count()
        if was != GiftVoucher.Status.VOID:  # nobody may use it while Stripe is asked
            voucher.status, voucher.voided_at = GiftVoucher.Status.VOID, now
            voucher.save(update_fields=["status", "voided_at"])
    params = {
        "payment_intent": sale.stripe_payment_intent_id,
        "amount": amount,
        "reason": "requested_by_customer",
        "metadata": {
            "gift_voucher_id": str(voucher.pk),
            "voucher_payment_id": str(sale.pk),
            "gift_voucher": voucher.code,
        },
    }
    try:
        made = gateway.refund_create(
            params=params, idempotency_key=f"sitting-gift-voucher-{voucher.pk}-refund-{seen + 1}"
        )
    except stripe.StripeError as error:
        _void_undo(voucher_id, was=was, seen=seen)
        raise _refusal(voucher, error) from error
    with transaction.atomic():
        voucher, sale = _locked(voucher_id)
        refund = _refund_record(sale, voucher, made, now=now)
        _sale_totals(sale, voucher, now=now)
    return refund


def _void_undo(voucher_id: int, *, was: str, seen: int) -> None:
    """Stripe refunded nothing: the voucher is as it was, unless a refund of its sale was
    recorded meanwhile (the webhook's), which settles it."""
    with transaction.atomic():
        voucher, sale = _locked(voucher_id)
        if was == voucher.status or sale.refunds.count() != seen:
            return
        voucher.status, voucher.voided_at = was, None
        voucher.save(update_fields=["status", "voided_at"])


def _refusal(voucher: GiftVoucher, error: stripe.StripeError) -> PaymentRefused:
    if isinstance(error, gateway.TEMPORARY_ERRORS):
        log.warning("Refund of gift voucher %s: Stripe unreachable: %s", voucher.pk, error)
        return PaymentServiceUnavailable(
            _(
                "We couldn't reach Stripe just now, so nothing was refunded and %(code)s is "
                "as it was. Please try again in a moment."
            )
            % {"code": voucher.code}
        )
    log.warning("Refund of gift voucher %s refused by Stripe: %s", voucher.pk, error)
    return PaymentRefused(
        _("Stripe refused to refund %(code)s (“%(why)s”), so nothing was refunded.")
        % {"code": voucher.code, "why": error.user_message or str(error)}
    )


# --- What Stripe says was refunded ---------------------------------------------------


def voucher_sale_for_intent(intent_id: object) -> int | None:
    """The voucher sale a PaymentIntent paid, by the id the sale keeps or, for one Sitting
    has not seen paid yet, the `voucher_payment_id` in the PaymentIntent's metadata (read
    from Stripe, only when no booking's payment has that PaymentIntent). Raises stripe
    errors."""
    if not isinstance(intent_id, str) or not intent_id:
        return None
    sales = VoucherPayment.objects.values_list("pk", flat=True)
    found = sales.filter(stripe_payment_intent_id=intent_id).first()
    if found is not None or Payment.objects.filter(stripe_payment_intent_id=intent_id).exists():
        return found
    intent = gateway.payment_intent_retrieve(intent_id)
    sale_id = str((intent.get("metadata") or {}).get("voucher_payment_id", ""))
    if sale_id.isascii() and sale_id.isdigit():
        return sales.filter(pk=int(sale_id)).first()
    return None


def voucher_charge_apply(
    sale: VoucherPayment, voucher: GiftVoucher, charge: dict | None, *, now: datetime
) -> None:
    """Record what the sale's charge (re-read from Stripe, its refunds expanded) says was
    refunded: a row for each refund not seen before, each status as Stripe now reports it,
    and the totals. Call holding the sale's and the voucher's locks (the sale first)."""
    if not isinstance(charge, dict) or sale.status != VoucherPayment.Status.PAID:
        return
    if charge.get("payment_intent") != sale.stripe_payment_intent_id:
        return  # not this sale's money
    for item in (charge.get("refunds") or {}).get("data") or []:
        _refund_record(sale, voucher, item, now=now)
    _sale_totals(sale, voucher, now=now)


def _refund_record(
    sale: VoucherPayment, voucher: GiftVoucher, item: dict, *, now: datetime
) -> VoucherRefund:
    """One of Stripe's refunds of the sale, recorded once and kept at Stripe's status; the
    buyer is emailed when one is first recorded going through. Call holding both locks."""
    status = REFUND_STATUSES.get(item.get("status"), VoucherRefund.Status.PENDING)
    row = VoucherRefund.objects.filter(stripe_refund_id=item["id"]).first()
    if row is None:
        ours = str((item.get("metadata") or {}).get("gift_voucher_id", "")) == str(voucher.pk)
        row = VoucherRefund.objects.create(
            voucher_payment=sale,
            amount=int(item["amount"]),
            currency=str(item.get("currency") or sale.currency_received).upper(),
            status=status,
            reason=VoucherRefund.Reason.STUDIO if ours else VoucherRefund.Reason.STRIPE,
            stripe_refund_id=item["id"],
            failure_reason=_failure(item, status),
        )
        if status != VoucherRefund.Status.FAILED:
            task_enqueue_on_commit(
                "sessions.tasks.voucher_refund_email_send_task", voucher_refund_id=row.pk
            )
    elif row.status != status:
        row.status, row.failure_reason = status, _failure(item, status)
        row.save(update_fields=["status", "failure_reason", "updated_at"])
    return row


def _failure(item: dict, status: str) -> str:
    if status != VoucherRefund.Status.FAILED:
        return ""
    return str(item.get("failure_reason") or _("declined by the bank"))[:300]


def _sale_totals(sale: VoucherPayment, voucher: GiftVoucher, *, now: datetime) -> None:
    """The sale's refunded amount from its refunds not failed; a sale refunded in full
    voids its voucher. Call holding both locks."""
    going_through = sale.refunds.exclude(status=VoucherRefund.Status.FAILED)
    given_back = going_through.aggregate(total=Sum("amount"))["total"] or 0
    refunded = min(given_back, sale.amount_received)
    if refunded != sale.amount_refunded:
        if refunded > sale.amount_refunded:
            sale.refunded_at = now
        sale.amount_refunded = refunded
        sale.save(update_fields=["amount_refunded", "refunded_at"])
    if refunded >= sale.amount_received and voucher.status != GiftVoucher.Status.VOID:
        voucher.status, voucher.voided_at = GiftVoucher.Status.VOID, now
        voucher.save(update_fields=["status", "voided_at"])
