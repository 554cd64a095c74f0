"""Selling gift vouchers: the order (a voucher waiting for payment), its Stripe Checkout
page, what Stripe reports (paid: the voucher is valid for what Stripe took; closed unpaid:
nothing), the studio giving or voiding one, and the recipient's email on the buyer's day.

A voucher sale carries no tax: under UK rules a voucher usable for things taxed at different
rates (a multi-purpose voucher) is taxed when it is used, through the booking's invoice,
which keeps its whole taxable total and shows the voucher as a way it was paid."""

import calendar
import logging
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import stripe
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions.models import Package
from sessions.payments import gateway
from sessions.payments.errors import PaymentServiceUnavailable
from sessions.payments.voucher_refunds import voucher_charge_apply
from sessions.payments.vouchers import GiftVoucher, VoucherPayment
from studio.actors import STRIPE, acting_as
from studio.background import task_enqueue_on_commit
from studio.models import Studio
from studio.money import to_minor
from studio.selectors import studio_get

log = logging.getLogger(__name__)

SALT = "sessions.gift-voucher"


def voucher_token(voucher: GiftVoucher) -> str:
    return signing.Signer(salt=SALT).sign(str(voucher.pk))


def voucher_get_by_token(token: str) -> GiftVoucher | None:
    """The voucher a signed link points to, or None for a tampered or unknown one."""
    try:
        voucher_id = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    return GiftVoucher.objects.select_related("payment").filter(pk=int(voucher_id)).first()


def voucher_url(voucher: GiftVoucher, *, absolute: bool = False) -> str:
    path = reverse("sessions:gift-voucher", args=[voucher_token(voucher)])
    return settings.SITE_URL + path if absolute else path


def voucher_amounts(studio: Studio) -> list[int]:
    """The studio's suggested amounts in minor units, from its comma-separated whole units
    (a word that is not a number is skipped)."""
    amounts = []
    for word in studio.gift_voucher_amounts.split(","):
        if word.strip().isdigit() and int(word) > 0:
            amounts.append(to_minor(int(word), studio.currency))
    return sorted(set(amounts))


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@dataclass(frozen=True)
class VoucherOrder:
    value: int
    currency: str
    buyer_name: str
    buyer_email: str
    recipient_name: str
    recipient_email: str = ""
    message: str = ""
    send_on: date | None = None
    package: Package | None = None


def voucher_order_create(*, order: VoucherOrder) -> VoucherPayment:
    """A voucher waiting for its payment, and the payment. A package's price now is the
    value, whatever the form said."""
    value, name = order.value, ""
    if order.package is not None:
        value, name = order.package.price, f"{order.package.session_type.name}: {order.package}"
    with transaction.atomic():
        voucher = GiftVoucher.objects.create(
            value=value,
            currency=order.currency,
            package=order.package,
            package_name=name[:200],
            buyer_name=order.buyer_name,
            buyer_email=order.buyer_email.strip().lower(),
            recipient_name=order.recipient_name,
            recipient_email=order.recipient_email.strip().lower(),
            message=order.message,
            send_on=order.send_on,
        )
        return VoucherPayment.objects.create(
            voucher=voucher, amount=voucher.value, currency=voucher.currency
        )


def voucher_give(*, voucher: GiftVoucher, now: datetime | None = None) -> GiftVoucher:
    """Save a voucher the studio gives away (unsaved, with its value, currency and who it
    is for): valid at once, no payment, no money in the books; the recipient's email goes
    on its day, at once if that is today."""
    now = now or timezone.now()
    studio = studio_get()
    today = timezone.localdate(now, _zone())
    if voucher.package is not None:
        voucher.value = voucher.package.price
        voucher.package_name = f"{voucher.package.session_type.name}: {voucher.package}"[:200]
    voucher.buyer_name = voucher.buyer_name or studio.name
    voucher.buyer_email = voucher.buyer_email.strip().lower()
    voucher.recipient_email = voucher.recipient_email.strip().lower()
    voucher.status, voucher.paid_at, voucher.given_by_studio = GiftVoucher.Status.PAID, now, True
    voucher.expires_on = voucher.expires_on or add_months(today, studio.gift_voucher_months)
    with transaction.atomic():
        voucher.save()
        _recipient_email_if_due(voucher, today=today)
    return voucher


def voucher_void(*, voucher_id: int, now: datetime | None = None) -> bool:
    """Void a voucher: it can no longer be used (what it paid on bookings stays paid).
    False when it was void already. What is left on one sold online can still be refunded
    (voucher_refunds.voucher_refund)."""
    now = now or timezone.now()
    voided = GiftVoucher.objects.filter(pk=voucher_id).exclude(status=GiftVoucher.Status.VOID)
    return voided.update(status=GiftVoucher.Status.VOID, voided_at=now) == 1


def voucher_checkout_url(*, voucher_payment_id: int) -> str:
    """The Checkout page where the buyer pays; one page per order (a second press gets the
    same page, by the idempotency key). Raises PaymentServiceUnavailable."""
    payment = VoucherPayment.objects.select_related("voucher").get(pk=voucher_payment_id)
    if payment.checkout_url and payment.status == VoucherPayment.Status.PENDING:
        return payment.checkout_url
    voucher = payment.voucher
    metadata = {"voucher_payment_id": str(payment.pk), "gift_voucher": voucher.code}
    back = voucher_url(voucher, absolute=True)
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": payment.currency.lower(),
                    "unit_amount": payment.amount,
                    "product_data": {
                        "name": _("Gift voucher for %(name)s") % {"name": voucher.recipient_name},
                        "description": voucher.package_name or studio_get().name,
                    },
                },
            }
        ],
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata, "description": voucher.description},
        "customer_email": voucher.buyer_email or None,
        "success_url": back + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": back + "?payment=cancelled",
    }
    try:
        session = gateway.checkout_session_create(
            params={k: v for k, v in params.items() if v is not None},
            idempotency_key=f"sitting-gift-voucher-{payment.pk}",
        )
    except stripe.StripeError as error:
        log.warning("Stripe Checkout for voucher payment %s failed: %s", payment.pk, error)
        raise PaymentServiceUnavailable(
            _(
                "We couldn't open the payment page just now. Nothing has been charged; "
                "please try again in a moment."
            )
        ) from error
    VoucherPayment.objects.filter(pk=payment.pk, stripe_checkout_session_id=None).update(
        stripe_checkout_session_id=session["id"], checkout_url=session["url"]
    )
    return session["url"]


def voucher_payment_refresh(
    *, voucher_payment_id: int, session_id: str | None = None
) -> VoucherPayment:
    """Read the order's Checkout Session from Stripe and apply it. Raises stripe errors."""
    payment = VoucherPayment.objects.get(pk=voucher_payment_id)
    session_id = session_id or payment.stripe_checkout_session_id
    if not session_id:
        return payment
    session = gateway.checkout_session_retrieve(session_id)
    if str((session.get("metadata") or {}).get("voucher_payment_id")) != str(payment.pk):
        log.warning("Checkout Session %s is not voucher payment %s's", session_id, payment.pk)
        return payment
    return voucher_payment_apply(voucher_payment_id=payment.pk, session=session)


def _collected(session: dict) -> tuple[int, str]:
    intent = session.get("payment_intent")
    if isinstance(intent, dict) and intent.get("status") == "succeeded":
        return int(intent["amount_received"]), str(intent["currency"]).upper()
    return int(session["amount_total"]), str(session["currency"]).upper()


@acting_as(STRIPE)
def voucher_payment_apply(
    *, voucher_payment_id: int, session: dict, now: datetime | None = None
) -> VoucherPayment:
    """Make the order match its Checkout Session (re-read from Stripe): paid, the voucher is
    worth what Stripe took and valid from today, and its emails go; closed unpaid, nothing
    is valid; and what its charge says was refunded is recorded (voucher_refunds). Safe to
    run any number of times: a paid order's value never changes again, and each of Stripe's
    refunds is recorded once."""
    now = now or timezone.now()
    with transaction.atomic():
        payment = VoucherPayment.objects.select_for_update().get(pk=voucher_payment_id)
        voucher = GiftVoucher.objects.select_for_update().get(pk=payment.voucher_id)
        if payment.status == VoucherPayment.Status.PAID:
            voucher_charge_apply(payment, voucher, _charge(session), now=now)
            return payment
        if session.get("payment_status") == "paid":
            _paid(payment, voucher, session, now=now)
            voucher_charge_apply(payment, voucher, _charge(session), now=now)
        elif session.get("status") == "expired" and payment.status == payment.Status.PENDING:
            payment.status, payment.checkout_url = VoucherPayment.Status.EXPIRED, ""
            payment.save(update_fields=["status", "checkout_url"])
    return payment


def _charge(session: dict) -> dict | None:
    """The session's charge, with its refunds, when Stripe sent it expanded."""
    intent = session.get("payment_intent")
    charge = intent.get("latest_charge") if isinstance(intent, dict) else None
    return charge if isinstance(charge, dict) else None


def _paid(payment: VoucherPayment, voucher: GiftVoucher, session: dict, *, now: datetime) -> None:
    amount, currency = _collected(session)
    intent = session.get("payment_intent")
    intent_id = intent.get("id") if isinstance(intent, dict) else intent
    payment.status, payment.paid_at = VoucherPayment.Status.PAID, now
    payment.amount_received, payment.currency_received = amount, currency
    payment.stripe_checkout_session_id = session["id"]
    payment.stripe_payment_intent_id = intent_id or None
    payment.checkout_url = ""
    payment.save()
    today = timezone.localdate(now, _zone())
    if voucher.status == GiftVoucher.Status.PENDING:
        voucher.status, voucher.paid_at = GiftVoucher.Status.PAID, now
        voucher.expires_on = add_months(today, studio_get().gift_voucher_months)
        if currency == voucher.currency and amount > 0:
            voucher.value = amount  # Stripe's amount decides what the voucher is worth
        voucher.save()
    task_enqueue_on_commit(
        "sessions.tasks.voucher_email_send_task", voucher_id=voucher.pk, to="buyer"
    )
    _recipient_email_if_due(voucher, today=today)


def _zone() -> ZoneInfo:
    return ZoneInfo(studio_get().time_zone)


def _recipient_email_if_due(voucher: GiftVoucher, *, today: date) -> None:
    if voucher.recipient_email and voucher.send_on and voucher.send_on <= today:
        task_enqueue_on_commit(
            "sessions.tasks.voucher_email_send_task", voucher_id=voucher.pk, to="recipient"
        )


def vouchers_due_scan(*, now: datetime | None = None) -> int:
    """Queue the recipients' emails of paid vouchers whose day has come (studio's day) and
    that have not gone; the email itself goes once per voucher (email_send_once's key), so
    scans running twice send nothing twice. Returns how many were queued."""
    now = now or timezone.now()
    today = timezone.localdate(now, _zone())
    due = GiftVoucher.objects.filter(
        status=GiftVoucher.Status.PAID,
        send_on__lte=today,
        recipient_sent_at__isnull=True,
    ).exclude(recipient_email="")
    ids = list(due.values_list("pk", flat=True))
    with transaction.atomic():
        for voucher_id in ids:
            task_enqueue_on_commit(
                "sessions.tasks.voucher_email_send_task", voucher_id=voucher_id, to="recipient"
            )
    return len(ids)
