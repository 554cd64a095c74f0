"""Payments: deposits, balances and refunds through Stripe Checkout.

Stripe is the source of truth. Every path that learns something about a payment (the
webhook, the client's return from Checkout, a refund just made) re-reads the Checkout
Session from Stripe and hands it to `payment_apply_stripe_state`, which sets the payment
to match under a row lock. Events that arrive twice, or out of order, end in one state.

Locks are always taken photographer → booking → payment, the order booking_create uses.
"""

import logging
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sessions import stripe_gateway
from sessions.access import booking_token, booking_url
from sessions.history import booking_events_record
from sessions.models import Booking, Payment, Refund, StripeEvent
from sessions.services import (
    _lock_photographers,
    booking_change_deadline,
    booking_clash_find,
    booking_email_enqueue,
)
from sessions.signals import extras_paid
from studio.actors import STRIPE, SYSTEM, ActorKind, acting_as
from studio.background import task_enqueue_on_commit
from studio.money import money_format
from studio.selectors import studio_get

log = logging.getLogger(__name__)

# Stripe keeps a Checkout Session open at least 30 minutes; a minute spare for clocks.
CHECKOUT_MINUTES = 31
CHECKOUT_MAX = timedelta(hours=24)
HOLD_STRETCH_LIMIT = timedelta(minutes=90)
# A bank payment (not a card) can take days to clear; the time is kept meanwhile.
PROCESSING_HOLD = timedelta(days=7)
# A webhook claim this old was left by a request that died; another delivery may take it.
STALE_CLAIM = timedelta(minutes=5)

UNPAID_STATUSES = (Payment.Status.PENDING, Payment.Status.FAILED, Payment.Status.EXPIRED)

CHECKOUT_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}
REFUND_EVENTS = {"charge.refunded", "charge.refund.updated", "refund.updated", "refund.failed"}
DISPUTE_EVENTS = {"charge.dispute.created"}


class PaymentRefused(Exception):
    """This payment or refund cannot be made; `message` says why, for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PaymentServiceUnavailable(PaymentRefused):
    """Stripe could not be reached or refused the request; worth trying again later."""


class EventInFlight(Exception):
    """Another request is acting on this webhook event right now."""


# --- Amounts -------------------------------------------------------------------------


def booking_received(booking: Booking) -> int:
    """What the client has paid for the booking, net of refunds. Queries the payments
    unless they were prefetched."""
    return sum(payment.net_received for payment in booking.payments.all())


def booking_balance_due(booking: Booking) -> int:
    """Price, less any discount, less what deposit and balance payments brought in. With
    payments off the deposit is taken at the studio, so it is never part of the balance."""
    received = sum(
        payment.net_received
        for payment in booking.payments.all()
        if payment.kind in (Payment.Kind.DEPOSIT, Payment.Kind.BALANCE)
    )
    if not settings.PAYMENTS_ENABLED:
        received = max(received, booking.deposit)
    return max(booking.price - booking.discount - received, 0)


def payment_refundable(payment: Payment) -> int:
    """What can still be refunded, in `currency_received`: what Stripe collected, less
    refunds made or on their way. A second payment's refund (paid twice) is not this
    payment's money, so it does not count against it."""
    if payment.status not in Payment.RECEIVED_STATUSES:
        return 0
    asked = (
        payment.refunds.exclude(status=Refund.Status.FAILED)
        .filter(stripe_payment_intent_id="")
        .aggregate(total=Sum("amount"))["total"]
        or 0
    )
    return max(payment.amount_received - max(payment.amount_refunded, asked), 0)


def cancellation_terms(booking: Booking, *, now: datetime | None = None) -> dict:
    """What a client gets back if they cancel now: the studio's refund percentage of the
    deposit before its cut-off (nothing after), and anything else paid in full. Returns
    `paid`, `refund`, `kept`, `percent` and `in_time` (before the cut-off)."""
    now = now or timezone.now()
    in_time = now < booking_change_deadline(booking)
    percent = studio_get().cancellation_refund_percent if in_time else 0
    refund = paid = 0
    for payment in booking.payments.all():
        received = payment.net_received
        paid += received
        refund += received * percent // 100 if payment.kind == Payment.Kind.DEPOSIT else received
    return {
        "paid": paid,
        "refund": refund,
        "kept": paid - refund,
        "percent": percent,
        "in_time": in_time,
    }


# --- Asking for money ----------------------------------------------------------------


def deposit_payment_create(booking: Booking) -> Payment | None:
    """The deposit a held booking owes. Call inside the transaction that holds it."""
    if not booking.deposit:
        return None
    payment, _created = Payment.objects.get_or_create(
        booking=booking,
        kind=Payment.Kind.DEPOSIT,
        defaults={"amount": booking.deposit, "currency": booking.currency},
    )
    return payment


def balance_request(*, booking_id: int, now: datetime | None = None) -> Payment | None:
    """Ask the client for what is left to pay, by email with a link to pay online.
    Asking again re-sends the email (once a day at most) for the same open request.
    With payments off nothing can be paid here: the email says what is left and how the
    studio takes it, no Payment is made, and None is returned."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.COMPLETED):
            raise PaymentRefused(
                _("%(ref)s is not a confirmed session, so no balance can be asked for.")
                % {"ref": booking.reference}
            )
        due = booking_balance_due(booking)
        if due <= 0:
            raise PaymentRefused(
                _("Nothing is left to pay on %(ref)s.") % {"ref": booking.reference}
            )
        local_day = timezone.localtime(now, _studio_zone()).date()
        if not settings.PAYMENTS_ENABLED:
            # Not at the top: sessions.tasks imports this module.
            from sessions.tasks import balance_email_send_task

            task_enqueue_on_commit(
                balance_email_send_task, booking_id=booking.pk, key_extra=f"{due}:{local_day}"
            )
            return None
        # One unpaid balance per booking: asking again reuses it, even if its last payment
        # page closed or failed, so the client never sees two amounts to pay.
        payment = (
            Payment.objects.select_for_update()
            .filter(booking=booking, kind=Payment.Kind.BALANCE, status__in=UNPAID_STATUSES)
            .order_by("-created_at")
            .first()
        )
        if payment is None:
            payment = Payment.objects.create(
                booking=booking, kind=Payment.Kind.BALANCE, amount=due, currency=booking.currency
            )
        elif payment.amount != due or payment.status != Payment.Status.PENDING:
            if payment.amount != due and _checkout_open(payment, now=now):
                raise PaymentRefused(
                    _(
                        "%(ref)s: the client may be paying the earlier amount right now. "
                        "Please try again once their payment page has closed (within a day)."
                    )
                    % {"ref": booking.reference}
                )
            payment.amount, payment.status, payment.failure_reason = (
                due,
                Payment.Status.PENDING,
                "",
            )
            payment.save(update_fields=["amount", "status", "failure_reason", "updated_at"])
        payment_email_enqueue(payment, kind="balance_due", key_extra=f"{due}:{local_day}")
    return payment


def _studio_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo(studio_get().time_zone)


def _checkout_open(payment: Payment, *, now: datetime) -> bool:
    return bool(
        payment.checkout_url
        and payment.checkout_expires_at
        and payment.checkout_expires_at > now + timedelta(minutes=1)
    )


def payment_check_payable(payment: Payment, *, now: datetime | None = None) -> None:
    """Raise PaymentRefused, with a reason for the client, unless they can pay this now."""
    now = now or timezone.now()
    booking = payment.booking
    if payment.status == Payment.Status.REFUNDED:
        raise PaymentRefused(
            _("This payment was refunded, so nothing is due on it. Please contact the studio.")
        )
    if payment.status in Payment.RECEIVED_STATUSES:
        raise PaymentRefused(_("This is already paid. Thank you!"))
    if payment.status == Payment.Status.PROCESSING:
        raise PaymentRefused(
            _("Your bank is still processing this payment; we'll email you when it clears.")
        )
    if payment.kind == Payment.Kind.DEPOSIT:
        if booking.status != Booking.Status.HELD or booking.hold_expires_at <= now:
            raise PaymentRefused(
                _("We're no longer holding this time, so the deposit can't be paid now.")
            )
    elif booking.status not in (Booking.Status.CONFIRMED, Booking.Status.COMPLETED):
        raise PaymentRefused(_("This booking is no longer active, so nothing is due."))
    elif (
        Payment.objects.filter(booking=booking, kind=payment.kind, status=Payment.Status.PENDING)
        .exclude(pk=payment.pk)
        .exists()
    ):
        raise PaymentRefused(_("A newer payment request replaces this one."))
    elif payment.kind == Payment.Kind.BALANCE and not booking_balance_due(booking):
        raise PaymentRefused(_("Nothing is left to pay. Thank you!"))


def payment_checkout_url(*, payment_id: int, now: datetime | None = None) -> str:
    """The Stripe Checkout page where the client pays: the open one if it asks what is due,
    else a new one. A deposit's page closes when the booking's hold ends; the hold is
    stretched to Stripe's 30-minute minimum if needed, within limits. A balance is
    recomputed first. Raises PaymentRefused.

    Only one page per payment can be paid: before a new page is made, the older one is
    closed at Stripe and Stripe's answer read back. If it was paid meanwhile, that payment
    is recorded (at what Stripe took) and PaymentRefused says so; if Stripe cannot answer,
    PaymentServiceUnavailable, and no new page."""
    now = now or timezone.now()
    booking_id = Payment.objects.values_list("booking_id", flat=True).get(pk=payment_id)
    with transaction.atomic():
        _booking_lock(booking_id)
        payment = _payment_locked(payment_id)
        payment_check_payable(payment, now=now)
        if payment.kind == Payment.Kind.BALANCE:
            due = booking_balance_due(payment.booking)  # a discount may have been given since
            if due != payment.amount:
                # What Sitting now expects; the open page asks the old amount, so it is closed.
                payment.amount, payment.checkout_expires_at = due, None
                payment.save(update_fields=["amount", "checkout_expires_at", "updated_at"])
        if _checkout_open(payment, now=now):
            return payment.checkout_url
        # A page Sitting made and has not seen close may still be payable at Stripe.
        older = payment.stripe_checkout_session_id if payment.checkout_url else None
    if older:
        _checkout_close_confirmed(payment_id=payment_id, session_id=older)
    with transaction.atomic():
        _booking_lock(booking_id)
        payment = _payment_locked(payment_id)
        booking = payment.booking
        payment_check_payable(payment, now=now)
        if payment.checkout_url and payment.stripe_checkout_session_id != older:
            return _checkout_opened_elsewhere(payment, now=now)
        if payment.kind == Payment.Kind.BALANCE:
            payment.amount = booking_balance_due(booking)
        expires_at = None
        if payment.kind == Payment.Kind.DEPOSIT:
            expires_at = _deposit_checkout_expiry(payment, booking, now=now)
            if expires_at > booking.hold_expires_at:
                booking.hold_expires_at = expires_at
                booking.save(update_fields=["hold_expires_at"])
        payment.checkout_attempt += 1
        payment.status, payment.failure_reason = Payment.Status.PENDING, ""
        payment.checkout_url, payment.checkout_expires_at = "", None
        payment.save()
        attempt = payment.checkout_attempt
        params = _checkout_params(payment, booking, expires_at=expires_at)
    try:
        session = stripe_gateway.checkout_session_create(
            params=params, idempotency_key=f"sitting-checkout-{payment.pk}-{attempt}"
        )
    except stripe.StripeError as error:
        log.warning("Stripe Checkout for payment %s failed: %s", payment.pk, error)
        raise PaymentServiceUnavailable(
            _(
                "We couldn't open the payment page just now. Nothing has been charged; "
                "please try again in a moment."
            )
        ) from error
    with transaction.atomic():
        _booking_lock(booking_id)
        payment = _payment_locked(payment_id)
        stored = payment.status not in Payment.RECEIVED_STATUSES and (
            payment.checkout_attempt == attempt
        )
        if stored:
            payment.stripe_checkout_session_id = session["id"]
            payment.checkout_url = session["url"]
            payment.checkout_expires_at = datetime.fromtimestamp(session["expires_at"], UTC)
            payment.save()
    if not stored:  # paid, or another request made a newer page: nobody has seen this one
        stripe_gateway.checkout_session_expire(session["id"])
        if payment.status in Payment.RECEIVED_STATUSES:
            raise PaymentRefused(_("This is already paid. Thank you!"))
        return _checkout_opened_elsewhere(payment, now=now)
    return session["url"]


def _checkout_opened_elsewhere(payment: Payment, *, now: datetime) -> str:
    """Another request (a second tab, a double click) made a page for this payment while
    this one was closing or making its own: that page is the one to pay, if it is open."""
    if _checkout_open(payment, now=now):
        return payment.checkout_url
    raise PaymentServiceUnavailable(
        _("Another payment page was just opened for this. Please try again in a moment.")
    )


def _checkout_close_confirmed(*, payment_id: int, session_id: str) -> None:
    """Close an older Checkout page at Stripe and make sure it is closed. Raises
    PaymentRefused if the client paid on it meanwhile (recording that payment), and
    PaymentServiceUnavailable if Stripe cannot say."""
    unavailable = PaymentServiceUnavailable(
        _(
            "We couldn't check your earlier payment page with our payment provider just "
            "now, so we haven't opened a new one. Please try again in a moment."
        )
    )
    try:
        session = stripe_gateway.checkout_session_close(session_id)
    except stripe.StripeError as error:
        log.warning("Could not close Checkout Session %s: %s", session_id, error)
        raise unavailable from error
    if session.get("status") == "expired":
        return
    if session.get("status") != "complete":
        log.warning("Checkout Session %s is still %s", session_id, session.get("status"))
        raise unavailable
    payment = payment_apply_stripe_state(payment_id=payment_id, session=session)
    if payment.status in Payment.RECEIVED_STATUSES:
        raise PaymentRefused(
            _("Your earlier payment of %(amount)s has gone through. Thank you!")
            % {"amount": money_format(payment.amount_received, payment.currency_received)}
        )
    payment_check_payable(payment)  # a bank payment still clearing: says so
    raise unavailable


def _deposit_checkout_expiry(payment: Payment, booking: Booking, *, now: datetime) -> datetime:
    """When a new Checkout page for a deposit closes: with the hold, but open for Stripe's
    minimum; the hold may be stretched for that, up to HOLD_STRETCH_LIMIT after the deposit
    was asked for, so that nobody can keep a time by reopening payment pages."""
    wanted = max(booking.hold_expires_at, now + timedelta(minutes=CHECKOUT_MINUTES))
    limit = max(booking.hold_expires_at, payment.created_at + HOLD_STRETCH_LIMIT)
    if wanted > limit:
        raise PaymentRefused(
            _(
                "There isn't enough time left to pay before we stop holding this time. "
                "Please contact the studio, and we'll sort it out with you."
            )
        )
    return min(wanted, now + CHECKOUT_MAX).replace(microsecond=0)


def _booking_lock(booking_id: int) -> None:
    """Row-lock a booking before its payments (the order every path uses)."""
    list(Booking.objects.select_for_update().filter(pk=booking_id).values_list("pk"))


def _checkout_params(payment: Payment, booking: Booking, *, expires_at) -> dict:
    """What Sitting asks Stripe to charge: amounts from the stored payment, never from
    the browser; our ids in the metadata."""
    studio = studio_get()
    with timezone.override(_studio_zone()):
        when = date_format(timezone.localtime(booking.starts_at), "l j F Y, H:i")
    what = {"what": booking.session_type.name, "when": when}
    names = {
        Payment.Kind.DEPOSIT: _("Deposit: %(what)s on %(when)s"),
        Payment.Kind.BALANCE: _("Balance: %(what)s on %(when)s"),
        Payment.Kind.EXTRAS: _("Extra images: %(what)s on %(when)s"),
    }
    metadata = {
        "payment_id": str(payment.pk),
        "booking_reference": booking.reference,
        "kind": payment.kind,
    }
    token = booking_token(booking)
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": payment.currency.lower(),
                    "unit_amount": payment.amount,
                    "product_data": {
                        "name": names[payment.kind] % what,
                        "description": _(
                            "%(studio)s · with %(photographer)s · booking reference %(ref)s"
                        )
                        % {
                            "studio": studio.name,
                            "photographer": booking.photographer.display_name,
                            "ref": booking.reference,
                        },
                    },
                },
            }
        ],
        "metadata": metadata,
        "payment_intent_data": {
            "metadata": metadata,
            "description": f"{payment.get_kind_display()} · {booking.reference}",
        },
        "client_reference_id": booking.reference,
        "customer_email": booking.client.email,
        "success_url": settings.SITE_URL
        + reverse("sessions:payment-return", args=[token, payment.pk])
        + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": booking_url(booking, absolute=True) + "?payment=cancelled",
    }
    if payment.return_path:  # paying from elsewhere (a gallery): back there either way
        back = settings.SITE_URL + payment.return_path
        params["success_url"] = f"{back}?payment={payment.pk}&session_id={{CHECKOUT_SESSION_ID}}"
        params["cancel_url"] = f"{back}?payment=cancelled"
    if expires_at is not None:
        params["expires_at"] = int(expires_at.timestamp())
    return params


# --- Learning what happened ----------------------------------------------------------


def payment_refresh(
    *, payment_id: int, session_id: str | None = None, event_type: str = ""
) -> Payment:
    """Read the payment's Checkout Session from Stripe and apply it. Raises stripe errors."""
    payment = Payment.objects.get(pk=payment_id)
    session_id = session_id or payment.stripe_checkout_session_id
    if not session_id:
        return payment
    session = stripe_gateway.checkout_session_retrieve(session_id)
    if str((session.get("metadata") or {}).get("payment_id")) != str(payment.pk):
        log.warning("Checkout Session %s is not payment %s's", session_id, payment.pk)
        return payment
    return payment_apply_stripe_state(payment_id=payment_id, session=session, event_type=event_type)


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
    with transaction.atomic():
        _lock_photographers([photographer_id])
        _booking_lock(booking_id)
        booking = Booking.objects.get(pk=booking_id)
        payment = _payment_locked(payment_id)
        intent = session.get("payment_intent")
        intent = intent if isinstance(intent, dict) else None
        charge = intent.get("latest_charge") if intent else None
        charge = charge if isinstance(charge, dict) else None
        current_session = session.get("id") == payment.stripe_checkout_session_id
        waiting = payment.status in (Payment.Status.PENDING, Payment.Status.PROCESSING)
        newly_paid = newly_closed = False
        if session.get("payment_status") == "paid":
            if payment.status not in Payment.RECEIVED_STATUSES:
                if payment.checkout_url and not current_session:
                    # Paid on an older page: the newer one must not be paid as well.
                    _checkout_close_later(payment.stripe_checkout_session_id)
                payment.status, payment.paid_at, payment.failure_reason = (
                    Payment.Status.PAID,
                    now,
                    "",
                )
                payment.stripe_checkout_session_id = session["id"]
                payment.stripe_payment_intent_id = intent["id"] if intent else None
                payment.checkout_url, payment.checkout_expires_at = "", None
                newly_paid = True
            elif intent and intent["id"] != payment.stripe_payment_intent_id:
                # Paid a second time, on another payment page: give that money back.
                _duplicate_refund(payment, intent=intent, session=session)
                return payment
            if newly_paid or (intent and intent["id"] == payment.stripe_payment_intent_id):
                payment.amount_received, payment.currency_received = _collected(session, intent)
        elif waiting and current_session:
            if event_type == "checkout.session.async_payment_failed":
                payment.status = Payment.Status.FAILED
                payment.failure_reason = _("The bank did not complete the payment.")
                newly_closed = True
                if payment.kind == Payment.Kind.DEPOSIT and booking.status == Booking.Status.HELD:
                    # The hold was stretched while the bank worked; it is back to what the
                    # payment page allowed, so the client may try again if time is left.
                    booking.hold_expires_at = max(now, _session_closes(session) or now)
                    booking.save(update_fields=["hold_expires_at"])
            elif session.get("status") == "expired" and payment.status == Payment.Status.PENDING:
                payment.status = Payment.Status.EXPIRED
                payment.failure_reason = _("The payment page closed before anything was paid.")
                newly_closed = True
            elif session.get("status") == "complete" and payment.status == Payment.Status.PENDING:
                payment.status = Payment.Status.PROCESSING  # a bank debit, still clearing
                if payment.kind == Payment.Kind.DEPOSIT and booking.status == Booking.Status.HELD:
                    booking.hold_expires_at = max(
                        booking.hold_expires_at,
                        min(now + PROCESSING_HOLD, booking.blocked_from),
                    )
                    booking.save(update_fields=["hold_expires_at"])
            if newly_closed:
                payment.checkout_url, payment.checkout_expires_at = "", None
        if charge and payment.status in Payment.RECEIVED_STATUSES:
            _apply_charge(payment, charge, now=now)
        if newly_paid and payment.status == Payment.Status.REFUNDED:
            log.info("Payment %s was refunded in full before it was seen paid", payment.pk)
            newly_paid = False
            if payment.kind == Payment.Kind.DEPOSIT and booking.status == Booking.Status.HELD:
                # Its deposit can't be paid again: the time goes back to others at once.
                booking.status, booking.cancelled_at = Booking.Status.EXPIRED, now
                booking.save(update_fields=["status", "cancelled_at"])
        payment.save()
        if newly_paid:
            _on_paid(payment, booking, now=now)
        if (
            newly_closed
            and payment.kind == Payment.Kind.DEPOSIT
            and booking.status == Booking.Status.HELD
            and (
                booking.hold_expires_at <= now
                or (payment.status == Payment.Status.EXPIRED and _hold_ends_with(booking, session))
            )
        ):
            booking.status, booking.cancelled_at = Booking.Status.EXPIRED, now
            booking.save(update_fields=["status", "cancelled_at"])
    return payment


def _checkout_close_later(session_id: str) -> None:
    # Not at the top: sessions.tasks imports this module.
    from sessions.tasks import payment_checkout_close_task

    task_enqueue_on_commit(payment_checkout_close_task, session_id=session_id)


def _session_closes(session: dict) -> datetime | None:
    closes = session.get("expires_at")
    return datetime.fromtimestamp(closes, UTC) if isinstance(closes, int) else None


def _hold_ends_with(booking: Booking, session: dict) -> bool:
    """Whether the hold ends when this payment page did: then it ends now. An approved
    request is held longer than one page may stay open; the client may open another."""
    closes = _session_closes(session)
    return closes is None or booking.hold_expires_at <= closes + timedelta(minutes=1)


def _collected(session: dict, intent: dict | None) -> tuple[int, str]:
    """What Stripe took on a paid Checkout Session: amount and ISO currency."""
    if intent and intent.get("status") == "succeeded" and intent.get("currency"):
        return int(intent["amount_received"]), str(intent["currency"]).upper()
    return int(session["amount_total"]), str(session["currency"]).upper()


def _duplicate_refund(payment: Payment, *, intent: dict, session: dict) -> None:
    """Give back a second payment for the same thing in full. Its Refund row also records
    that money as received (`Refund.stripe_payment_intent_id`) for the monthly totals."""
    if Refund.objects.filter(stripe_payment_intent_id=intent["id"]).exists():
        return
    amount, currency = _collected(session, intent)
    refund = Refund.objects.create(
        actor=ActorKind.SYSTEM,
        actor_user=None,
        payment=payment,
        amount=amount,
        currency=currency,
        reason=Refund.Reason.DUPLICATE,
        stripe_payment_intent_id=intent["id"],
    )
    # Not at the top: sessions.tasks imports this module.
    from sessions.tasks import refund_submit_task

    task_enqueue_on_commit(refund_submit_task, refund_id=refund.pk)


def _apply_charge(payment: Payment, charge: dict, *, now: datetime) -> None:
    refunded = max(payment.amount_refunded, int(charge.get("amount_refunded") or 0))
    payment.amount_refunded = min(refunded, payment.amount_received)
    if payment.amount_refunded >= payment.amount_received:
        payment.status = Payment.Status.REFUNDED
    elif payment.amount_refunded:
        payment.status = Payment.Status.PARTIALLY_REFUNDED
    if charge.get("disputed") and not payment.disputed_at:
        payment.disputed_at = now
    _sync_refunds(payment, (charge.get("refunds") or {}).get("data") or [])


REFUND_STATUSES = {
    "succeeded": Refund.Status.SUCCEEDED,
    "pending": Refund.Status.PENDING,
    "requires_action": Refund.Status.PENDING,
    "failed": Refund.Status.FAILED,
    "canceled": Refund.Status.FAILED,
}


def _sync_refunds(payment: Payment, stripe_refunds: list[dict]) -> None:
    """Record Stripe's refunds of this payment, including ones made in its dashboard."""
    rows = list(payment.refunds.select_for_update())
    by_stripe_id = {row.stripe_refund_id: row for row in rows if row.stripe_refund_id}
    by_pk = {str(row.pk): row for row in rows}
    for item in stripe_refunds:
        ours = str((item.get("metadata") or {}).get("refund_id", ""))
        row = by_stripe_id.get(item["id"]) or by_pk.get(ours)
        status = REFUND_STATUSES.get(item.get("status"), Refund.Status.PENDING)
        if row is None:
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
            continue
        if row.stripe_refund_id == item["id"] and row.status == status:
            continue
        was_queued, was_failed = (
            row.status == Refund.Status.QUEUED,
            row.status == Refund.Status.FAILED,
        )
        row.stripe_refund_id, row.status = item["id"], status
        if status == Refund.Status.FAILED:
            row.failure_reason = str(item.get("failure_reason") or _("declined by the bank"))[:300]
        row.save(update_fields=["stripe_refund_id", "status", "failure_reason", "updated_at"])
        if was_queued and status != Refund.Status.FAILED:
            _refund_recorded(row)
        elif status == Refund.Status.FAILED and not was_failed:
            payment_email_enqueue(payment, kind="studio_refund_failed", refund=row)


def _on_paid(payment: Payment, booking: Booking, *, now: datetime) -> None:
    if payment.kind == Payment.Kind.DEPOSIT:
        _deposit_paid(payment, booking, now=now)
    else:
        if payment.kind == Payment.Kind.EXTRAS:
            extras_paid.send(sender=Payment, payment=payment, now=now)  # the gallery's selection
        payment_email_enqueue(payment, kind="payment_received")


def _deposit_paid(payment: Payment, booking: Booking, *, now: datetime) -> None:
    """Confirm the booking the deposit was for, if its time is still the client's;
    otherwise refund the deposit in full and tell the client and the studio."""
    if booking.status in (Booking.Status.CONFIRMED, Booking.Status.COMPLETED):
        payment_email_enqueue(payment, kind="payment_received")
        return
    if booking.status in (Booking.Status.HELD, Booking.Status.EXPIRED) and _time_still_free(
        booking, now=now
    ):
        booking.status, booking.confirmed_at, booking.cancelled_at = (
            Booking.Status.CONFIRMED,
            now,
            None,
        )
        try:
            with transaction.atomic():
                booking.save(update_fields=["status", "confirmed_at", "cancelled_at"])
        except IntegrityError as error:
            if "booking_no_overlap_per_photographer" not in str(error):
                raise
            booking.refresh_from_db()
        else:
            booking_email_enqueue(booking, kind="confirmed")
            return
    if booking.status == Booking.Status.HELD:
        booking.status, booking.cancelled_at = Booking.Status.EXPIRED, now
        booking.save(update_fields=["status", "cancelled_at"])
    _refund_queue(payment, amount=payment_refundable(payment), reason=Refund.Reason.LATE_PAYMENT)
    payment_email_enqueue(payment, kind="late_payment")
    payment_email_enqueue(payment, kind="studio_late_payment")


def _time_still_free(booking: Booking, *, now: datetime) -> bool:
    """Call holding the photographer's lock."""
    return booking_clash_find(booking=booking, now=now) is None


def payment_dispute_record(*, payment_id: int, dispute: dict, now: datetime | None = None) -> None:
    """Flag a disputed payment for the studio, and tell them once per dispute."""
    now = now or timezone.now()
    with transaction.atomic():
        payment = _payment_locked(payment_id)
        if payment.stripe_dispute_id == dispute.get("id"):
            return
        payment.disputed_at = payment.disputed_at or now
        payment.stripe_dispute_id = str(dispute.get("id", ""))[:255]
        payment.save(update_fields=["disputed_at", "stripe_dispute_id", "updated_at"])
        payment_email_enqueue(payment, kind="studio_dispute", key_extra=payment.stripe_dispute_id)


def _payment_locked(payment_id: int) -> Payment:
    """The payment, row-locked, with its booking. Call inside a transaction."""
    return (
        Payment.objects.select_for_update(of=("self",))
        .select_related("booking__client", "booking__session_type", "booking__photographer")
        .get(pk=payment_id)
    )


# --- Refunds -------------------------------------------------------------------------


# Refunds Sitting gives by its own rules, whoever's action led to them.
AUTOMATIC_REFUNDS = {Refund.Reason.DUPLICATE, Refund.Reason.LATE_PAYMENT, Refund.Reason.WITHDRAWN}


def _refund_queue(payment: Payment, *, amount: int, reason: str, note: str = "") -> Refund | None:
    """Record a refund (by the current actor) and have a worker send it to Stripe after
    commit. Call inside a transaction holding the payment's lock."""
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
        )
    # Not at the top: sessions.tasks imports this module.
    from sessions.tasks import refund_submit_task

    task_enqueue_on_commit(refund_submit_task, refund_id=refund.pk)
    return refund


def refund_create(
    *, payment_id: int, amount: int, note: str = "", reason: str = Refund.Reason.STUDIO
) -> Refund:
    """A refund the studio gives, up to what is left of the payment, recorded as the current
    actor's. Raises PaymentRefused."""
    with transaction.atomic():
        payment = _payment_locked(payment_id)
        refund = _refund_queue(payment, amount=amount, reason=reason, note=note)
        if refund is None:
            raise PaymentRefused(_("Please enter an amount above zero."))
    return refund


def refund_submit(*, refund_id: int) -> Refund:
    """Send a queued refund to Stripe, once: the idempotency key is the refund's id, so a
    retry after a lost answer returns the same refund. Temporary Stripe errors are raised
    for the task to retry; a refusal marks the refund failed and tells the studio."""
    refund = Refund.objects.select_related("payment__booking").get(pk=refund_id)
    if refund.status != Refund.Status.QUEUED:
        return refund
    payment = refund.payment
    try:
        result = stripe_gateway.refund_create(
            params={
                "payment_intent": refund.stripe_payment_intent_id
                or payment.stripe_payment_intent_id,
                "amount": refund.amount,
                "reason": "duplicate"
                if refund.reason == Refund.Reason.DUPLICATE
                else "requested_by_customer",
                "metadata": {
                    "refund_id": str(refund.pk),
                    "payment_id": str(payment.pk),
                    "booking_reference": payment.booking.reference,
                },
            },
            idempotency_key=f"sitting-refund-{refund.pk}",
        )
    except stripe_gateway.TEMPORARY_ERRORS:
        raise  # the task retries with the same key; refunds_resubmit catches up after that
    except stripe.StripeError as error:  # Stripe will not do it: say why, to the studio
        log.warning("Refund %s refused by Stripe: %s", refund.pk, error)
        with transaction.atomic():
            updated = Refund.objects.filter(pk=refund.pk, status=Refund.Status.QUEUED).update(
                status=Refund.Status.FAILED,
                failure_reason=str(error.user_message or error)[:300],
                updated_at=timezone.now(),
            )
            if updated:
                payment_email_enqueue(payment, kind="studio_refund_failed", refund=refund)
        refund.refresh_from_db()
        return refund
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status == Refund.Status.QUEUED:
            refund.stripe_refund_id = result["id"]
            refund.status = REFUND_STATUSES.get(result.get("status"), Refund.Status.PENDING)
            refund.save(update_fields=["stripe_refund_id", "status", "updated_at"])
            if refund.status != Refund.Status.FAILED:
                _refund_recorded(refund)
    try:
        payment_refresh(payment_id=payment.pk)
    except stripe.StripeError as error:  # the charge.refunded webhook will bring it
        log.info("Refreshing payment %s after a refund failed: %s", payment.pk, error)
    return refund


def refunds_resubmit(*, now: datetime | None = None, older_than=timedelta(minutes=10)) -> int:
    """Send again the refunds still queued after their task gave up or was never delivered
    (a broker outage at commit). Safe: each carries its own idempotency key."""
    now = now or timezone.now()
    # Not at the top: sessions.tasks imports this module.
    from sessions.tasks import refund_submit_task

    ids = list(
        Refund.objects.filter(
            status=Refund.Status.QUEUED, updated_at__lt=now - older_than
        ).values_list("pk", flat=True)[:100]
    )
    for refund_id in ids:
        refund_submit_task.delay(refund_id=refund_id)
    return len(ids)


def _refund_recorded(refund: Refund) -> None:
    payment_email_enqueue(refund.payment, kind="refund_issued", refund=refund)


def booking_payments_settle_on_cancel(
    booking: Booking, *, deposit_percent: int, others_percent: int, now: datetime
) -> int:
    """Refund these percentages of what was paid for a booking being cancelled (of the
    deposit, and of anything else), and close any payment still open. Returns the amount
    refunded. Call inside the cancelling transaction, holding the booking's lock."""
    total = 0
    for payment in Payment.objects.select_for_update().filter(booking=booking):
        if payment.status == Payment.Status.PENDING:
            payment.status = Payment.Status.EXPIRED
            payment.failure_reason = _("The booking was cancelled.")
            payment.checkout_url, payment.checkout_expires_at = "", None
            payment.save()
            if payment.stripe_checkout_session_id:
                _checkout_close_later(payment.stripe_checkout_session_id)
            continue
        percent = deposit_percent if payment.kind == Payment.Kind.DEPOSIT else others_percent
        amount = payment_refundable(payment) * percent // 100
        if _refund_queue(payment, amount=amount, reason=Refund.Reason.CANCELLATION):
            total += amount
    return total


def booking_holds_expire(*, now: datetime | None = None) -> int:
    """Close holds whose time ran out (their time is already free: expired holds do not
    count as taken) and the deposits they were waiting for. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Booking.objects.select_for_update()
            .filter(status=Booking.Status.HELD, hold_expires_at__lte=now)
            .values_list("pk", flat=True)
        )
        Booking.objects.filter(pk__in=ids).update(status=Booking.Status.EXPIRED, cancelled_at=now)
        booking_events_record(ids, status=Booking.Status.EXPIRED)
        Payment.objects.filter(
            booking_id__in=ids, kind=Payment.Kind.DEPOSIT, status=Payment.Status.PENDING
        ).update(
            status=Payment.Status.EXPIRED,
            failure_reason=_("The payment page closed before anything was paid."),
            checkout_url="",
            checkout_expires_at=None,
            updated_at=now,
        )
    return len(ids)


# --- Webhooks ------------------------------------------------------------------------


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
    kind = event.get("type", "")
    obj = event["data"].get("object") or {}
    if kind in CHECKOUT_EVENTS:
        payment = _payment_for_session(obj)
        if payment is None:
            return None, "not a Sitting payment"
        payment = payment_refresh(payment_id=payment.pk, session_id=obj.get("id"), event_type=kind)
        return payment, f"payment {payment.pk} is {payment.status}"
    if kind in REFUND_EVENTS or kind in DISPUTE_EVENTS:
        intent_id = obj.get("payment_intent")
        payment = _payment_for_intent(intent_id) if isinstance(intent_id, str) else None
        if payment is None:
            return None, "not a Sitting payment"
        if kind in DISPUTE_EVENTS:
            payment_dispute_record(payment_id=payment.pk, dispute=obj)
        payment = payment_refresh(payment_id=payment.pk)
        return payment, f"payment {payment.pk} is {payment.status}"
    return None, "ignored"


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
    intent = stripe_gateway.payment_intent_retrieve(intent_id)
    payment_id = str((intent.get("metadata") or {}).get("payment_id", ""))
    if payment_id.isascii() and payment_id.isdigit():
        return Payment.objects.filter(pk=int(payment_id)).first()
    return None


# --- Emails --------------------------------------------------------------------------


def payment_email_enqueue(
    payment: Payment, *, kind: str, refund: Refund | None = None, key_extra: str = ""
) -> None:
    # Not at the top: sessions.tasks imports this module.
    from sessions.tasks import payment_email_send_task

    task_enqueue_on_commit(
        payment_email_send_task,
        payment_id=payment.pk,
        kind=kind,
        refund_id=refund.pk if refund else None,
        key_extra=key_extra,
    )
