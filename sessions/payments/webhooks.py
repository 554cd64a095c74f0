"""Learning what happened at Stripe: the webhook's events, claimed once and dispatched by
type, and `payment_apply_stripe_state`, the one way a payment changes to match Stripe
(paid, paid again, processing, failed, expired, refunded), one small function per outcome."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions.models import Booking
from sessions.overlap import integrity_error_is_overlap
from sessions.payments import gateway
from sessions.payments.autopay import (
    card_save_from_checkout,
    installment_charge_refresh,
    installment_paid_by_link,
    intent_event,
)
from sessions.payments.common import (
    balance_asked_update,
    booking_lock,
    checkout_close_later,
    payment_locked,
)
from sessions.payments.emails import payment_email_enqueue
from sessions.payments.errors import EventInFlight
from sessions.payments.installments import plan_reopen, plan_settle
from sessions.payments.ledger import PRICE_AFTER_DEPOSIT, payment_refundable
from sessions.payments.models import Payment, Refund, StripeEvent
from sessions.payments.redemptions import redemptions_release, redemptions_restore
from sessions.payments.refunds import (
    payment_charge_apply,
    refund_duplicate_queue,
    refund_if_booking_ended,
    refund_queue,
)
from sessions.payments.voucher_refunds import VOUCHER_CHARGE_EVENTS, voucher_sale_for_intent
from sessions.payments.voucher_sales import voucher_payment_refresh
from sessions.payments.vouchers import VoucherPayment
from sessions.services import booking_clash_find, booking_email_enqueue, photographers_lock
from sessions.signals import extras_paid
from studio.actors import STRIPE, acting_as
from studio.background import task_enqueue_on_commit

log = logging.getLogger(__name__)

# A bank payment (not a card) can take days to clear; the time is kept meanwhile.
PROCESSING_HOLD = timedelta(days=7)
# A webhook claim this old was left by a request that died; another delivery may take it.
STALE_CLAIM = timedelta(minutes=5)


# --- Webhook events ------------------------------------------------------------------


def stripe_event_process(*, event: dict, now: datetime | None = None) -> str:
    """Act on a verified webhook event, once. Returns what happened. Raises EventInFlight
    while another request is acting on it, and re-raises anything that went wrong after
    releasing the claim, so that Stripe delivers the event again."""
    now = now or timezone.now()
    event_id = event.get("id")
    if not isinstance(event_id, str) or not event_id.startswith("evt_"):
        raise ValueError("not a Stripe event id")
    if not _event_claim(event, now=now):
        return "already processed"
    try:
        payment, outcome = _event_dispatch(event)
    except Exception:
        StripeEvent.objects.filter(event_id=event_id, processed_at=None).delete()
        raise
    StripeEvent.objects.filter(event_id=event_id).update(
        processed_at=timezone.now(), payment=payment, outcome=outcome[:300]
    )
    return outcome


def _event_claim(event: dict, *, now: datetime) -> bool:
    """Record the event before acting on it. False when it was processed already."""
    try:
        with transaction.atomic():
            StripeEvent.objects.create(
                event_id=event["id"],
                type=str(event.get("type", ""))[:100],
                livemode=bool(event.get("livemode")),
            )
        return True
    except IntegrityError:
        existing = StripeEvent.objects.get(event_id=event["id"])
    if existing.processed_at:
        return False
    if existing.received_at > now - STALE_CLAIM:
        raise EventInFlight(event["id"])
    taken = StripeEvent.objects.filter(
        pk=existing.pk, processed_at=None, received_at=existing.received_at
    ).update(received_at=now)
    if taken != 1:  # another delivery took it over first
        raise EventInFlight(event["id"])
    return True


def _event_dispatch(event: dict) -> tuple[Payment | None, str]:
    handler = EVENT_HANDLERS.get(event.get("type", ""))
    if handler is None:
        return None, "ignored"
    obj = event["data"].get("object") or {}
    voucher_payment_id = str((obj.get("metadata") or {}).get("voucher_payment_id", ""))
    is_checkout = event.get("type", "").startswith("checkout.session.")
    if is_checkout and voucher_payment_id.isascii() and voucher_payment_id.isdigit():
        return None, _voucher_checkout_event(int(voucher_payment_id), obj)
    if event.get("type") in VOUCHER_CHARGE_EVENTS:
        sale_id = voucher_sale_for_intent(obj.get("payment_intent"))
        if sale_id is not None:  # a gift voucher's sale refunded: its charge is read again
            sale = voucher_payment_refresh(voucher_payment_id=sale_id)
            return None, f"gift voucher payment {sale.pk} has {sale.amount_refunded} refunded"
    payment = handler(event.get("type", ""), event["data"].get("object") or {})
    if payment is None:
        return None, "not a Sitting payment"
    return payment, f"payment {payment.pk} is {payment.status}"


def _checkout_event(kind: str, session: dict) -> Payment | None:
    payment = _payment_for_session(session)
    if payment is None:
        return None
    return payment_refresh(payment_id=payment.pk, session_id=session.get("id"), event_type=kind)


def _voucher_checkout_event(voucher_payment_id: int, session: dict) -> str:
    """A gift voucher's sale: its session is read again from Stripe before acting."""
    if not VoucherPayment.objects.filter(pk=voucher_payment_id).exists():
        return "not a Sitting payment"
    sale = voucher_payment_refresh(
        voucher_payment_id=voucher_payment_id, session_id=session.get("id")
    )
    return f"gift voucher payment {sale.pk} is {sale.status}"


def _charge_event(kind: str, obj: dict) -> Payment | None:
    """A refund or a dispute: what the charge now says is read back with its session."""
    intent_id = obj.get("payment_intent")
    payment = _payment_for_intent(intent_id) if isinstance(intent_id, str) else None
    if payment is None:
        return None
    if kind == "charge.dispute.created":
        payment_dispute_record(payment_id=payment.pk, dispute=obj)
    return payment_refresh(payment_id=payment.pk)


EVENT_HANDLERS = {
    "checkout.session.completed": _checkout_event,
    "checkout.session.async_payment_succeeded": _checkout_event,
    "checkout.session.async_payment_failed": _checkout_event,
    "checkout.session.expired": _checkout_event,
    "charge.refunded": _charge_event,
    "charge.refund.updated": _charge_event,
    "refund.updated": _charge_event,
    "refund.failed": _charge_event,
    "charge.dispute.created": _charge_event,
    # An installment charged to a saved card (autopay); Checkout's are followed above.
    "payment_intent.succeeded": intent_event,
    "payment_intent.processing": intent_event,
    "payment_intent.payment_failed": intent_event,
    "payment_intent.requires_action": intent_event,
}


def _payment_for_session(session: dict) -> Payment | None:
    payment_id = str((session.get("metadata") or {}).get("payment_id", ""))
    if payment_id.isascii() and payment_id.isdigit():
        return Payment.objects.filter(pk=int(payment_id)).first()
    return Payment.objects.filter(stripe_checkout_session_id=session.get("id") or "-").first()


def _payment_for_intent(intent_id: str) -> Payment | None:
    """The payment a PaymentIntent paid. An event about its charge can come before the one
    that said it was paid; then the PaymentIntent's metadata names the payment."""
    payment = Payment.objects.filter(stripe_payment_intent_id=intent_id).first()
    if payment is not None:
        return payment
    intent = gateway.payment_intent_retrieve(intent_id)
    payment_id = str((intent.get("metadata") or {}).get("payment_id", ""))
    if payment_id.isascii() and payment_id.isdigit():
        return Payment.objects.filter(pk=int(payment_id)).first()
    return None


def payment_dispute_record(*, payment_id: int, dispute: dict, now: datetime | None = None) -> None:
    """Flag a disputed payment for the studio, and tell them once per dispute."""
    now = now or timezone.now()
    with transaction.atomic():
        payment = payment_locked(payment_id)
        if payment.stripe_dispute_id == dispute.get("id"):
            return
        payment.disputed_at = payment.disputed_at or now
        payment.stripe_dispute_id = str(dispute.get("id", ""))[:255]
        payment.save(update_fields=["disputed_at", "stripe_dispute_id", "updated_at"])
        payment_email_enqueue(payment, kind="studio_dispute", key_extra=payment.stripe_dispute_id)


# --- Applying Stripe's state ---------------------------------------------------------


def payment_refresh(
    *, payment_id: int, session_id: str | None = None, event_type: str = ""
) -> Payment:
    """Read the payment's Checkout Session from Stripe and apply it (for a part of a plan
    taken from the saved card, its charge). Raises stripe errors."""
    payment = Payment.objects.get(pk=payment_id)
    session_id = session_id or payment.stripe_checkout_session_id
    if not session_id:  # an installment taken from the saved card: its charge says
        return installment_charge_refresh(payment_id=payment_id)
    session = gateway.checkout_session_retrieve(session_id)
    if str((session.get("metadata") or {}).get("payment_id")) != str(payment.pk):
        log.warning("Checkout Session %s is not payment %s's", session_id, payment.pk)
        return payment
    return payment_apply_stripe_state(payment_id=payment_id, session=session, event_type=event_type)


@dataclass(frozen=True)
class Seen:
    """A Checkout Session as Stripe reported it, with its PaymentIntent and charge."""

    session: dict
    intent: dict | None
    charge: dict | None
    event_type: str

    @classmethod
    def of(cls, session: dict, event_type: str) -> "Seen":
        intent = session.get("payment_intent")
        intent = intent if isinstance(intent, dict) else None
        charge = intent.get("latest_charge") if intent else None
        return cls(session, intent, charge if isinstance(charge, dict) else None, event_type)

    @property
    def intent_id(self) -> str | None:
        return self.intent["id"] if self.intent else None

    def collected(self) -> tuple[int, str]:
        """What Stripe took on a paid Checkout Session: amount and ISO currency."""
        intent = self.intent
        if intent and intent.get("status") == "succeeded" and intent.get("currency"):
            return int(intent["amount_received"]), str(intent["currency"]).upper()
        return int(self.session["amount_total"]), str(self.session["currency"]).upper()

    def closes(self) -> datetime | None:
        closes = self.session.get("expires_at")
        return datetime.fromtimestamp(closes, UTC) if isinstance(closes, int) else None


@dataclass
class Change:
    """What an outcome changed that the rest of the transaction acts on."""

    paid: bool = False
    closed: bool = False
    done: bool = False  # nothing else to do: the payment is not saved


@acting_as(STRIPE)  # what it changes is recorded as Stripe's doing
def payment_apply_stripe_state(
    *, payment_id: int, session: dict, event_type: str = "", now: datetime | None = None
) -> Payment:
    """Make the payment match its Checkout Session as Stripe reports it (with the
    PaymentIntent and its charge expanded), and act on what is new: a paid deposit
    confirms the booking, a closed one releases it. Safe to run any number of times.

    What was received is what Stripe says it collected (the PaymentIntent's
    `amount_received`, else the session's `amount_total`), never the amount Sitting asked;
    a difference shows on the payment (`received_differs`). Money given back in full
    before Sitting saw it arrive confirms nothing and tells nobody it arrived."""
    now = now or timezone.now()
    booking_id, photographer_id = Payment.objects.values_list(
        "booking_id", "booking__photographer_id"
    ).get(pk=payment_id)
    seen = Seen.of(session, event_type)
    with transaction.atomic():
        photographers_lock([photographer_id])
        booking_lock(booking_id)
        booking = Booking.objects.get(pk=booking_id)
        payment = payment_locked(payment_id)
        change = OUTCOMES[_outcome(payment, seen)](payment, booking, seen, now=now)
        if change.done:
            return payment
        if seen.charge and payment.status in Payment.RECEIVED_STATUSES:
            payment_charge_apply(payment, seen.charge, now=now)
        if change.paid and payment.status == Payment.Status.REFUNDED:
            change.paid = False
            _refunded_before_seen(payment, booking, now=now)
        payment.save()
        if change.paid:
            _on_paid(payment, booking, now=now)
            card_save_from_checkout(payment, seen.session, now=now)
        if change.closed:
            _hold_release_if_over(payment, booking, seen, now=now)
    return payment


def _outcome(payment: Payment, seen: Seen) -> str:
    """Which of OUTCOMES this session means for this payment."""
    session = seen.session
    if session.get("payment_status") == "paid":
        if payment.status not in Payment.RECEIVED_STATUSES:
            return "paid"
        if seen.intent and seen.intent_id != payment.stripe_payment_intent_id:
            return "paid_again"
        return "paid_seen"
    waiting = payment.status in (Payment.Status.PENDING, Payment.Status.PROCESSING)
    if not waiting or session.get("id") != payment.stripe_checkout_session_id:
        return "unchanged"
    if seen.event_type == "checkout.session.async_payment_failed":
        return "failed"
    pending = payment.status == Payment.Status.PENDING
    if pending and session.get("status") == "expired":
        return "expired"
    if pending and session.get("status") == "complete":
        return "processing"
    return "unchanged"


def _paid(payment: Payment, booking: Booking, seen: Seen, *, now: datetime) -> Change:
    if payment.checkout_url and seen.session.get("id") != payment.stripe_checkout_session_id:
        # Paid on an older page: the newer one must not be paid as well.
        checkout_close_later(payment.stripe_checkout_session_id)
    payment.status, payment.paid_at, payment.failure_reason = Payment.Status.PAID, now, ""
    payment.stripe_checkout_session_id = seen.session["id"]
    payment.stripe_payment_intent_id = seen.intent_id
    payment.checkout_url, payment.checkout_expires_at = "", None
    payment.amount_received, payment.currency_received = seen.collected()
    return Change(paid=True)


def _paid_seen(payment: Payment, booking: Booking, seen: Seen, *, now: datetime) -> Change:
    """Known to be paid: what Stripe took is read again (its charge may have news)."""
    if seen.intent:
        payment.amount_received, payment.currency_received = seen.collected()
    return Change()


def _paid_again(payment: Payment, booking: Booking, seen: Seen, *, now: datetime) -> Change:
    """Paid a second time, on another payment page: that money is given back."""
    amount, currency = seen.collected()
    refund_duplicate_queue(
        payment, payment_intent_id=seen.intent_id, amount=amount, currency=currency
    )
    return Change(done=True)


def _failed(payment: Payment, booking: Booking, seen: Seen, *, now: datetime) -> Change:
    payment.status = Payment.Status.FAILED
    payment.failure_reason = _("The bank did not complete the payment.")
    payment.checkout_url, payment.checkout_expires_at = "", None
    if payment.kind == Payment.Kind.DEPOSIT and booking.status == Booking.Status.HELD:
        # The hold was stretched while the bank worked; it is back to what the payment
        # page allowed, so the client may try again if time is left.
        booking.hold_expires_at = max(now, seen.closes() or now)
        booking.save(update_fields=["hold_expires_at"])
    return Change(closed=True)


def _expired(payment: Payment, booking: Booking, seen: Seen, *, now: datetime) -> Change:
    payment.status = Payment.Status.EXPIRED
    payment.failure_reason = _("The payment page closed before anything was paid.")
    payment.checkout_url, payment.checkout_expires_at = "", None
    return Change(closed=True)


def _processing(payment: Payment, booking: Booking, seen: Seen, *, now: datetime) -> Change:
    payment.status = Payment.Status.PROCESSING  # a bank debit, still clearing
    if payment.kind == Payment.Kind.DEPOSIT and booking.status == Booking.Status.HELD:
        booking.hold_expires_at = max(
            booking.hold_expires_at, min(now + PROCESSING_HOLD, booking.blocked_from)
        )
        booking.save(update_fields=["hold_expires_at"])
    return Change()


def _unchanged(payment: Payment, booking: Booking, seen: Seen, *, now: datetime) -> Change:
    return Change()


OUTCOMES = {
    "paid": _paid,
    "paid_seen": _paid_seen,
    "paid_again": _paid_again,
    "failed": _failed,
    "expired": _expired,
    "processing": _processing,
    "unchanged": _unchanged,
}


def _refunded_before_seen(payment: Payment, booking: Booking, *, now: datetime) -> None:
    log.info("Payment %s was refunded in full before it was seen paid", payment.pk)
    if payment.kind == Payment.Kind.DEPOSIT and booking.status == Booking.Status.HELD:
        # Its deposit can't be paid again: the time goes back to others at once.
        _hold_end(booking, now=now)


def _hold_release_if_over(payment: Payment, booking: Booking, seen: Seen, *, now: datetime) -> None:
    """A deposit's page closed unpaid: the hold ends if its time is up, or if it ended with
    the page. An approved request is held longer than one page may stay open; the client
    may open another."""
    if payment.kind != Payment.Kind.DEPOSIT or booking.status != Booking.Status.HELD:
        return
    closes = seen.closes()
    ends_with_page = closes is None or booking.hold_expires_at <= closes + timedelta(minutes=1)
    if booking.hold_expires_at <= now or (
        payment.status == Payment.Status.EXPIRED and ends_with_page
    ):
        _hold_end(booking, now=now)


def _hold_end(booking: Booking, *, now: datetime) -> None:
    """The held time goes back to others, and any code used on it is given back."""
    booking.status, booking.cancelled_at = Booking.Status.EXPIRED, now
    booking.save(update_fields=["status", "cancelled_at"])
    redemptions_release(booking_ids=[booking.pk], now=now)


def _on_paid(payment: Payment, booking: Booking, *, now: datetime) -> None:
    if payment.kind == Payment.Kind.DEPOSIT:
        _deposit_paid(payment, booking, now=now)
    else:
        if payment.kind == Payment.Kind.INSTALLMENT:
            installment_paid_by_link(payment)
            balance_asked_update(booking, reason=_("Paid another way."))
        if payment.kind in PRICE_AFTER_DEPOSIT:
            plan_settle(booking)  # parts nothing is left for are not asked for again
            refund_if_booking_ended(payment, booking_status=booking.status)
        if payment.kind == Payment.Kind.EXTRAS:
            extras_paid.send(sender=Payment, payment=payment, now=now)  # the gallery's selection
            # The extras join the booking's bill: its invoice is credited and issued again.
            task_enqueue_on_commit(
                "sessions.tasks.booking_invoice_issue_task", booking_id=booking.pk
            )
        payment_email_enqueue(payment, kind="payment_received")


def _deposit_paid(payment: Payment, booking: Booking, *, now: datetime) -> None:
    """Confirm the booking the deposit was for, if its time is still the client's;
    otherwise refund the deposit in full and tell the client and the studio."""
    if booking.status in (Booking.Status.CONFIRMED, Booking.Status.COMPLETED):
        payment_email_enqueue(payment, kind="payment_received")
        return
    if booking_confirm_paid(booking, now=now):
        return
    if booking.status == Booking.Status.HELD:
        _hold_end(booking, now=now)
    refund_queue(payment, amount=payment_refundable(payment), reason=Refund.Reason.LATE_PAYMENT)
    payment_email_enqueue(payment, kind="late_payment")
    payment_email_enqueue(payment, kind="studio_late_payment")


def booking_confirm_paid(booking: Booking, *, now: datetime) -> bool:
    """Confirm a booking held for its deposit (or whose hold ran out) now that the deposit
    is paid, if its time is still the client's, and email the client; False, changing
    nothing, if it is not. Call holding the photographer's and the booking's locks."""
    if booking.status not in (Booking.Status.HELD, Booking.Status.EXPIRED):
        return False
    if not _time_still_free(booking, now=now):
        return False
    booking.status, booking.confirmed_at, booking.cancelled_at = (
        Booking.Status.CONFIRMED,
        now,
        None,
    )
    try:
        with transaction.atomic():
            booking.save(update_fields=["status", "confirmed_at", "cancelled_at"])
    except IntegrityError as error:
        if not integrity_error_is_overlap(error):
            raise
        booking.refresh_from_db()
        return False
    redemptions_restore(booking_id=booking.pk)  # a code given back with the hold: used again
    plan_reopen(booking)  # and the plan's parts closed with it
    booking_email_enqueue(booking, kind="confirmed")
    return True


def _time_still_free(booking: Booking, *, now: datetime) -> bool:
    """Call holding the photographer's lock."""
    return booking_clash_find(booking=booking, now=now) is None
