"""Money the studio received outside Stripe (a bank transfer, cash, a card terminal),
recorded by a staff member. It counts as a card payment does: for the balance, the ledger,
the client's page and emails, and refunds (given back by the studio, recorded in Sitting).

A recorded deposit is the booking's one deposit (the row made when it was held is
completed, never a second made) and confirms a booking held for it as Stripe's word would.
Whatever Checkout page the client could still pay the same thing on is closed first, and
Stripe's answer read back: if the client paid there meanwhile, that payment is recorded
instead and nothing more.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions.models import Booking, BookingEvent
from sessions.payments.checkout import checkout_close_confirmed
from sessions.payments.common import balance_asked_update, booking_lock, checkout_close_later
from sessions.payments.emails import payment_email_enqueue
from sessions.payments.errors import PaymentRefused, PaymentServiceUnavailable
from sessions.payments.installments import plan_settle
from sessions.payments.ledger import booking_owed
from sessions.payments.models import Payment
from sessions.payments.webhooks import booking_confirm_paid
from sessions.services import photographers_lock
from studio.actors import actor_current
from studio.money import money_format

log = logging.getLogger(__name__)

# Who may owe what: a deposit from the hold on, a balance once the booking is confirmed.
DEPOSIT_STATUSES = (
    Booking.Status.HELD,
    Booking.Status.EXPIRED,
    Booking.Status.CONFIRMED,
    Booking.Status.COMPLETED,
    Booking.Status.NO_SHOW,
)
BALANCE_STATUSES = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED, Booking.Status.NO_SHOW)


@dataclass(frozen=True)
class Received:
    """What the studio says it received: for the deposit or the balance, how, and when."""

    kind: str
    amount: int
    method: str
    paid_at: datetime
    reference: str = ""


def payment_record(*, booking_id: int, received: Received, now: datetime | None = None) -> Payment:
    """Record money the studio received for a booking, as the current actor (the staff
    member). Raises PaymentRefused, recording nothing, when it is not owed: more than is
    left, a future date, a booking that owes nothing of the kind, or a payment the client
    has just made online for the same thing."""
    now = now or timezone.now()
    if received.method == Payment.Method.CARD or received.kind not in BY_KIND:
        raise ValueError(f"not a payment the studio records: {received}")
    with transaction.atomic():
        booking_lock(booking_id)
        booking = Booking.objects.get(pk=booking_id)
        payment_record_check(booking, received, now=now)
        open_page = _payable_online(booking, received.kind)
    if open_page is not None:
        _online_page_close(*open_page)
    with transaction.atomic():
        photographers_lock([booking.photographer_id])
        booking_lock(booking_id)
        booking = Booking.objects.get(pk=booking_id)
        payment_record_check(booking, received, now=now)
        payment = BY_KIND[received.kind](booking, received)
        BookingEvent.objects.create(
            booking=booking, status=booking.status, starts_at=booking.starts_at, payment=payment
        )
        if _waits_for_deposit(booking, received.kind) and not booking_confirm_paid(
            booking, now=now
        ):
            raise PaymentRefused(  # the transaction is undone: nothing is recorded
                _(
                    "%(ref)s's time has been taken by another booking since its hold ran out, "
                    "so this deposit can't confirm it. Nothing was recorded: book the client "
                    "a new time, then record the payment on that booking."
                )
                % {"ref": booking.reference}
            )
        payment_email_enqueue(payment, kind="payment_recorded")
    return payment


def payment_record_check(booking: Booking, received: Received, *, now: datetime) -> None:
    """Raise PaymentRefused, saying why to the studio, unless this can be recorded now."""
    ref = {"ref": booking.reference}
    if received.paid_at > now:
        raise PaymentRefused(_("The day it was received can't be in the future."))
    if booking.status in (Booking.Status.CANCELLED, Booking.Status.DECLINED):
        raise PaymentRefused(_("%(ref)s is cancelled, so nothing is owed on it.") % ref)
    if booking.status == Booking.Status.REQUESTED:
        raise PaymentRefused(
            _("%(ref)s is a request: approve it first, then record what was paid.") % ref
        )
    deposit = received.kind == Payment.Kind.DEPOSIT
    if not deposit and booking.status not in BALANCE_STATUSES:
        raise PaymentRefused(
            _("%(ref)s is waiting for its deposit: record the deposit first.") % ref
        )
    if (
        deposit
        and booking.status == Booking.Status.EXPIRED
        and not _waits_for_deposit(booking, received.kind)
    ):
        raise PaymentRefused(_("%(ref)s's hold ran out: book the client again first.") % ref)
    if booking.payments.filter(kind=received.kind, status=Payment.Status.PROCESSING).exists():
        raise PaymentRefused(
            _(
                "The client is paying this online by bank debit, which is still clearing. "
                "Sitting records it when it clears."
            )
        )
    owed = booking_owed(booking, received.kind)
    if owed <= 0:
        paid = booking.payments.filter(status__in=Payment.RECEIVED_STATUSES)
        if deposit and paid.filter(kind=Payment.Kind.DEPOSIT).exists():
            raise PaymentRefused(
                _("The deposit of %(ref)s is paid already: record anything more as the balance.")
                % ref
            )
        raise PaymentRefused(_("Nothing is owed for that on %(ref)s.") % ref)
    if received.amount <= 0:
        raise PaymentRefused(_("Please enter an amount above zero."))
    if received.amount > owed:
        raise PaymentRefused(
            _("That is more than is owed: at most %(owed)s is left to pay for this.")
            % {"owed": money_format(owed, booking.currency)}
        )
    if received.kind == Payment.Kind.EXTRAS and received.amount != owed:
        raise PaymentRefused(
            _(
                "The extra photos come to %(owed)s: record them as one payment of that "
                "amount (anything more towards the session as the balance)."
            )
            % {"owed": money_format(owed, booking.currency)}
        )


def _waits_for_deposit(booking: Booking, kind: str) -> bool:
    """A deposit confirms the booking: held for it (or its hold ran out), payments on.
    Without them a booking is held only for its signatures, which confirm it."""
    return (
        kind == Payment.Kind.DEPOSIT
        and booking.status in (Booking.Status.HELD, Booking.Status.EXPIRED)
        and settings.PAYMENTS_ENABLED
    )


def _payable_online(booking: Booking, kind: str) -> tuple[int, str] | None:
    """The payment of this kind the client has a Checkout page open for, and that page."""
    payment = (
        booking.payments.filter(kind=kind, status=Payment.Status.PENDING)
        .filter(method=Payment.Method.CARD)
        .exclude(checkout_url="")
        .exclude(stripe_checkout_session_id=None)
        .first()
    )
    return (payment.pk, payment.stripe_checkout_session_id) if payment else None


def _online_page_close(payment_id: int, session_id: str) -> None:
    """Close the client's page before recording: if they paid on it meanwhile, their
    payment is recorded and PaymentRefused says so. If Stripe can't say, the money is
    recorded anyway: the page closes later, and anything paid on it is given back as paid
    twice."""
    try:
        checkout_close_confirmed(payment_id=payment_id, session_id=session_id)
    except PaymentServiceUnavailable:
        log.warning("Checkout Session %s not closed before recording a payment", session_id)
    except PaymentRefused as refused:
        payment = Payment.objects.get(pk=payment_id)
        if payment.status in Payment.RECEIVED_STATUSES:
            raise PaymentRefused(
                _(
                    "The client has just paid %(amount)s online for this, so nothing was "
                    "recorded. If they paid you as well, give that back the way they paid it."
                )
                % {"amount": money_format(payment.amount_received, payment.currency_received)}
            ) from refused
        if payment.status == Payment.Status.PROCESSING:
            raise PaymentRefused(
                _(
                    "The client has just paid this online by bank debit, which is still "
                    "clearing, so nothing was recorded. Sitting records it when it clears."
                )
            ) from refused
        raise
    else:  # closed: the page is no longer the client's to pay on
        Payment.objects.filter(pk=payment_id, stripe_checkout_session_id=session_id).update(
            checkout_url="", checkout_expires_at=None, updated_at=timezone.now()
        )


def _as_recorded(payment: Payment, received: Received, currency: str) -> None:
    """Fill in a payment as money received by the studio, by the current actor."""
    actor = actor_current()
    payment.actor, payment.actor_user_id = actor.kind, actor.user_id
    payment.method, payment.reference = received.method, received.reference
    payment.amount = payment.amount_received = received.amount
    payment.currency = payment.currency_received = currency
    payment.status, payment.paid_at, payment.failure_reason = (
        Payment.Status.PAID,
        received.paid_at,
        "",
    )


def _deposit_record(booking: Booking, received: Received) -> Payment:
    """The booking's one deposit, received: the row waiting for it (its Checkout page, if
    one is open still, closed after commit), or a new one."""
    payment = (
        Payment.objects.select_for_update().filter(booking=booking, kind=received.kind).first()
    )
    payment = payment or Payment(booking=booking, kind=received.kind)
    if payment.checkout_url and payment.stripe_checkout_session_id:
        checkout_close_later(payment.stripe_checkout_session_id)
    _as_recorded(payment, received, booking.currency)
    payment.stripe_checkout_session_id = payment.stripe_payment_intent_id = None
    payment.checkout_url, payment.checkout_expires_at = "", None
    payment.save()
    return payment


def _balance_record(booking: Booking, received: Received) -> Payment:
    """A new balance payment, received. A balance asked for online asks what is left now
    (a new Checkout page when the client next pays), or closes if nothing is."""
    payment = Payment(booking=booking, kind=received.kind)
    _as_recorded(payment, received, booking.currency)
    payment.save()
    plan_settle(booking)
    balance_asked_update(booking, reason=_("Paid to the studio instead."))
    return payment


def _extras_record(booking: Booking, received: Received) -> Payment:
    """The extra photos owed to the studio, received: the row waiting for them, completed
    (the selection they pay for was sent already; the invoice billed them already)."""
    payment = (
        Payment.objects.select_for_update()
        .filter(Payment.owed_to_studio_q(), booking=booking, kind=received.kind)
        .order_by("pk")
        .first()
    )
    _as_recorded(payment, received, booking.currency)
    payment.save()
    return payment


BY_KIND = {
    Payment.Kind.DEPOSIT: _deposit_record,
    Payment.Kind.BALANCE: _balance_record,
    Payment.Kind.EXTRAS: _extras_record,
}
# What the studio may record, and the booking statuses it may be owed in: a deposit from
# the hold on, a balance and extra photos once the booking is confirmed.
RECORDABLE = (
    (Payment.Kind.DEPOSIT, DEPOSIT_STATUSES),
    (Payment.Kind.BALANCE, BALANCE_STATUSES),
    (Payment.Kind.EXTRAS, BALANCE_STATUSES),
)


def booking_owed_recordable(booking: Booking) -> dict[str, int]:
    """What each kind the studio records may still bring in now ({kind: minor units}; 0
    where nothing is owed of it). Reads the payments (prefetch them)."""
    return {
        kind: booking_owed(booking, kind) if booking.status in statuses else 0
        for kind, statuses in RECORDABLE
    }
