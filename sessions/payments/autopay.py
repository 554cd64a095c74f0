"""Installments that collect themselves: a scan finds the parts that are due, each is
charged once to the card the client saved (off-session, keyed by its attempt so that a
retry never charges twice), and what Stripe says, in its answer or in a later webhook, is
applied by one function. When the bank asks for authentication, or the card fails, or no
card was saved, the client is emailed a link to pay, then reminded.

States of a part: scheduled → charging → paid; or → action_needed (the client pays by link:
the Checkout webhook marks it paid); covered when the money came another way (a balance,
a bank transfer), cancelled when the booking ended."""

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from sessions.models import Booking
from sessions.payments import gateway
from sessions.payments.common import booking_lock, payment_locked
from sessions.payments.emails import payment_email_enqueue
from sessions.payments.installments import installment_amount_now, saved_card_active
from sessions.payments.models import Payment
from sessions.payments.plans import Installment, SavedCard
from sessions.payments.refunds import (
    payment_charge_apply,
    refund_duplicate_queue,
    refund_if_booking_ended,
)
from studio.actors import STRIPE, SYSTEM, acting_as
from studio.background import task_enqueue_on_commit
from studio.selectors import studio_get

log = logging.getLogger(__name__)

# Parts due today are collected from this time of the studio's morning.
COLLECT_FROM = time(9)
# A charge this old with no answer was cut short (a worker died): it is tried again, with
# the same idempotency key, so Stripe answers what it did the first time.
STALE_CHARGE = timedelta(minutes=15)
REMIND_EVERY = timedelta(days=3)
REMINDERS = 3
ACTIVE = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED)

# What the client is told went wrong, by the off-session result's status.
REASONS = {
    "requires_action": "authentication",
    "declined": "declined",
    "failed": "failed",
}


def installments_scan(*, now: datetime | None = None) -> int:
    """Queue what is due: parts to collect, charges to retry, reminders to send; and close
    the open parts of bookings that ended. Safe to run as often as wanted: each task
    claims its part under a row lock. Returns how many tasks were queued."""
    now = now or timezone.now()
    tz = ZoneInfo(studio_get().time_zone)
    local = timezone.localtime(now, tz)
    due_by = local.date() if local.time() >= COLLECT_FROM else local.date() - timedelta(days=1)
    ended = Installment.objects.filter(status__in=Installment.OPEN_STATUSES).exclude(
        booking__status__in=(*ACTIVE, Booking.Status.HELD, Booking.Status.REQUESTED)
    )
    ended.filter(
        status__in=(Installment.Status.SCHEDULED, Installment.Status.ACTION_NEEDED)
    ).update(status=Installment.Status.CANCELLED, updated_at=now)
    due = Installment.objects.filter(booking__status__in=ACTIVE).filter(
        Q(status=Installment.Status.SCHEDULED, due_on__lte=due_by)
        | Q(status=Installment.Status.CHARGING, charging_since__lte=now - STALE_CHARGE)
    )
    queued = 0
    for part_id in due.values_list("pk", flat=True):
        task_enqueue_on_commit("sessions.tasks.installment_collect_task", installment_id=part_id)
        queued += 1
    waiting = Installment.objects.filter(
        booking__status__in=ACTIVE,
        status=Installment.Status.ACTION_NEEDED,
        reminders_sent__lt=REMINDERS,
        asked_at__isnull=False,
    )
    for part in waiting.only("pk", "asked_at", "reminders_sent"):
        if part.asked_at + REMIND_EVERY * (part.reminders_sent + 1) <= now:
            task_enqueue_on_commit("sessions.tasks.installment_remind_task", installment_id=part.pk)
            queued += 1
    for booking_id in saved_cards_unneeded():
        saved_card_remove(booking_id=booking_id, now=now)
    return queued


def saved_cards_unneeded() -> list[int]:
    """Bookings whose saved card has nothing left to pay for: the plan is paid (or covered)
    or the booking ended, and no charge is in flight. Such a card is forgotten (and detached
    at Stripe): it is kept for the plan, never longer."""
    parts = Installment.objects.filter(booking=OuterRef("booking"))
    return list(
        SavedCard.objects.filter(removed_at__isnull=True)
        .exclude(Exists(parts.filter(status=Installment.Status.CHARGING)))
        .filter(
            ~Q(booking__status__in=(*ACTIVE, Booking.Status.HELD, Booking.Status.REQUESTED))
            | ~Exists(parts.filter(status__in=Installment.OPEN_STATUSES))
        )
        .values_list("booking_id", flat=True)
    )


def _part_locked(installment_id: int) -> Installment | None:
    """The part, row-locked; None once the studio's new plan removed it."""
    return Installment.objects.select_for_update(of=("self",)).filter(pk=installment_id).first()


def _payment_for(part: Installment, amount: int) -> Payment:
    """The part's payment, asking for `amount` while nothing is paid on it."""
    if part.payment_id is None:
        payment = Payment.objects.create(
            booking_id=part.booking_id,
            kind=Payment.Kind.INSTALLMENT,
            amount=amount,
            currency=part.currency,
        )
        part.payment = payment
        return payment
    payment = payment_locked(part.payment_id)
    if payment.status == Payment.Status.PENDING and payment.amount != amount:
        payment.amount = amount
        payment.save(update_fields=["amount", "updated_at"])
    return payment


def _page_open(booking_id: int, *, now: datetime) -> bool:
    """Whether the client has a payment page open for money this part would also take."""
    return Payment.objects.filter(
        booking_id=booking_id,
        kind__in=(Payment.Kind.BALANCE, Payment.Kind.INSTALLMENT),
        status=Payment.Status.PENDING,
        checkout_expires_at__gt=now,
    ).exists()


@acting_as(SYSTEM)
def installment_collect(*, installment_id: int, now: datetime | None = None) -> str:
    """Collect one due part: charge the saved card, or ask the client by email. Returns
    what happened."""
    now = now or timezone.now()
    booking_id = (
        Installment.objects.filter(pk=installment_id).values_list("booking_id", flat=True).first()
    )
    if booking_id is None:  # the studio changed the plan after the scan queued it
        return "no longer planned"
    with transaction.atomic():
        booking_lock(booking_id)
        part = _part_locked(installment_id)
        if part is None:
            return "no longer planned"
        booking = Booking.objects.select_related("client").get(pk=booking_id)
        if part.status == Installment.Status.CHARGING:
            stale = part.charging_since and part.charging_since <= now - STALE_CHARGE
            if not stale or (part.payment and part.payment.status == Payment.Status.PROCESSING):
                return "being collected"
        elif part.status != Installment.Status.SCHEDULED:
            return f"already {part.status}"
        if booking.status not in ACTIVE:
            part.status = Installment.Status.CANCELLED
            part.save(update_fields=["status", "updated_at"])
            return "booking not active"
        if part.status == Installment.Status.SCHEDULED:
            outcome = _start(part, booking, now=now)
            if outcome:
                return outcome
        card = saved_card_active(booking)
        if card is None:  # removed while a charge was cut short: ask instead
            _ask(part, now=now, reason="no_card")
            return "asked by email"
        payment = payment_locked(part.payment_id)
        charge = {
            "customer": card.stripe_customer_id,
            "payment_method": card.stripe_payment_method_id,
            "amount": payment.amount,
            "currency": payment.currency,
            "metadata": {
                "payment_id": str(payment.pk),
                "installment_id": str(part.pk),
                "booking_reference": booking.reference,
                "kind": payment.kind,
            },
            "idempotency_key": f"sitting-installment-{payment.pk}-{part.attempts}",
            "description": f"{part.label} · {booking.reference}",
        }
    try:
        result = gateway.payment_intent_charge_off_session(**charge)
    except gateway.TEMPORARY_ERRORS as error:
        log.warning("Installment %s: Stripe unavailable, will retry: %s", installment_id, error)
        return "Stripe unavailable: retried later"
    installment_charge_apply(installment_id=installment_id, result=result, now=now)
    return result["status"]


def _start(part: Installment, booking: Booking, *, now: datetime) -> str:
    """A scheduled part comes due: nothing to take, the client paying already, no card (ask
    by email), or a charge to make (the part is then `charging`). Returns "" to charge."""
    amount = installment_amount_now(part)
    if amount <= 0:
        part.status = Installment.Status.COVERED
        part.save(update_fields=["status", "updated_at"])
        return "nothing left to pay"
    if not settings.PAYMENTS_ENABLED:
        _ask(part, now=now, reason="no_card")
        return "asked by email"
    if _page_open(booking.pk, now=now):
        return "the client is paying on a payment page"
    _payment_for(part, amount)
    if saved_card_active(booking) is None:
        _ask(part, now=now, reason="no_card")
        return "asked by email"
    part.status, part.charging_since = Installment.Status.CHARGING, now
    part.attempts += 1
    part.save()
    return ""


def _ask(part: Installment, *, now: datetime, reason: str) -> None:
    """The client pays this part by link: email them (once per attempt)."""
    part.status, part.asked_at = Installment.Status.ACTION_NEEDED, now
    part.charging_since = None
    part.save()
    task_enqueue_on_commit(
        "sessions.tasks.installment_email_send_task",
        installment_id=part.pk,
        reason=reason,
        key=f"ask-{part.attempts}",
    )


def installment_remind(*, installment_id: int, now: datetime | None = None) -> bool:
    """Remind the client of a part still waiting for them. False when no longer due."""
    now = now or timezone.now()
    with transaction.atomic():
        part = _part_locked(installment_id)
        if part is None:
            return False
        if part.status != Installment.Status.ACTION_NEEDED or part.reminders_sent >= REMINDERS:
            return False
        if part.asked_at + REMIND_EVERY * (part.reminders_sent + 1) > now:
            return False
        part.reminders_sent += 1
        part.save(update_fields=["reminders_sent", "updated_at"])
        task_enqueue_on_commit(
            "sessions.tasks.installment_email_send_task",
            installment_id=part.pk,
            reason="reminder",
            key=f"reminder-{part.reminders_sent}",
        )
    return True


@acting_as(STRIPE)
def installment_charge_apply(
    *, installment_id: int, result: gateway.OffSessionResult, now: datetime | None = None
) -> Payment:
    """Make a part and its payment match an off-session charge as Stripe reported it (its
    answer, or a webhook about the PaymentIntent). Safe to run any number of times, in any
    order: a paid payment stays paid, an answer about an older attempt changes nothing,
    and money taken twice is given back."""
    now = now or timezone.now()
    booking_id = Installment.objects.values_list("booking_id", flat=True).get(pk=installment_id)
    intent = result.get("payment_intent") or {}
    intent_id = intent.get("id") or ""
    with transaction.atomic():
        booking_lock(booking_id)
        part = _part_locked(installment_id)
        payment = payment_locked(part.payment_id)
        if payment.status in Payment.RECEIVED_STATUSES:
            if result["status"] == "succeeded" and intent_id != payment.stripe_payment_intent_id:
                refund_duplicate_queue(
                    payment,
                    payment_intent_id=intent_id,
                    amount=int(intent.get("amount_received") or 0),
                    currency=str(intent.get("currency") or payment.currency).upper(),
                )
            return payment
        current = part.status == Installment.Status.CHARGING or (
            intent_id and intent_id == part.stripe_payment_intent_id
        )
        # Money Stripe took for this payment is recorded whatever the part became meanwhile
        # (closed with its booking, asked for by link after a charge cut short).
        if not current and result["status"] != "succeeded":
            return payment  # about an attempt already answered; the part has moved on
        part.stripe_payment_intent_id = intent_id
        if result["status"] == "succeeded":
            _charged(part, payment, intent, now=now)
            ended = Booking.objects.values_list("status", flat=True).get(pk=booking_id)
            refund_if_booking_ended(payment, booking_status=ended)
        elif result["status"] == "processing":
            payment.status, payment.stripe_payment_intent_id = Payment.Status.PROCESSING, intent_id
            payment.save()
            part.save()
        else:
            part.last_error = (result.get("message") or "")[:300]
            if payment.stripe_payment_intent_id == intent_id:  # a bank debit that failed
                payment.status, payment.stripe_payment_intent_id = Payment.Status.PENDING, None
                payment.save()
            _ask(part, now=now, reason=REASONS[result["status"]])
    return payment


def _charged(part: Installment, payment: Payment, intent: dict, *, now: datetime) -> None:
    payment.status, payment.paid_at, payment.failure_reason = Payment.Status.PAID, now, ""
    payment.stripe_payment_intent_id = intent["id"]
    payment.amount_received = int(intent.get("amount_received") or intent["amount"])
    payment.currency_received = str(intent["currency"]).upper()
    payment.save()
    part.status, part.last_error, part.charging_since = Installment.Status.PAID, "", None
    part.save()
    payment_email_enqueue(payment, kind="payment_received")


@acting_as(STRIPE)
def installment_charge_refresh(*, payment_id: int, now: datetime | None = None) -> Payment:
    """A part's payment taken from the saved card (it has no Checkout Session): what its
    charge now says was refunded or disputed, read from Stripe, refunds made in Stripe's
    dashboard included. Raises stripe errors."""
    now = now or timezone.now()
    payment = Payment.objects.get(pk=payment_id)
    if not payment.stripe_payment_intent_id or payment.status not in Payment.RECEIVED_STATUSES:
        return payment
    intent = gateway.payment_intent_retrieve(
        payment.stripe_payment_intent_id, expand=["latest_charge.refunds"]
    )
    charge = intent.get("latest_charge")
    if not isinstance(charge, dict):
        return payment
    with transaction.atomic():
        booking_lock(payment.booking_id)
        payment = payment_locked(payment_id)
        if payment.stripe_payment_intent_id == intent.get("id"):
            payment_charge_apply(payment, charge, now=now)
            payment.save()
    return payment


def installment_paid_by_link(payment: Payment) -> None:
    """A part's payment was paid on a Checkout page (by link): the part is paid. Call
    holding the payment's lock."""
    Installment.objects.filter(payment=payment).exclude(status=Installment.Status.PAID).update(
        status=Installment.Status.PAID, last_error="", charging_since=None
    )


def intent_result(intent: dict) -> gateway.OffSessionResult:
    """A PaymentIntent as Stripe reports it now, read as an off-session charge's result."""
    status = intent.get("status")
    error = intent.get("last_payment_error") or {}
    mapped = {
        "succeeded": "succeeded",
        "processing": "processing",
        "requires_action": "requires_action",
        "requires_confirmation": "requires_action",
        "requires_payment_method": "declined",
    }.get(status, "failed")
    if mapped == "declined" and error.get("code") == "authentication_required":
        mapped = "requires_action"
    return gateway.OffSessionResult(
        status=mapped,
        payment_intent=intent,
        message=str(error.get("message") or ""),
        code=str(error.get("code") or ""),
        decline_code=str(error.get("decline_code") or ""),
    )


def intent_event(kind: str, obj: dict) -> Payment | None:
    """A webhook about a PaymentIntent: acted on only for an installment's off-session
    charge (Checkout's own payments are followed through their sessions). The intent is
    read again from Stripe, so an event late or out of order changes nothing."""
    metadata = obj.get("metadata") or {}
    part_id = str(metadata.get("installment_id", ""))
    if not (part_id.isascii() and part_id.isdigit()) or not isinstance(obj.get("id"), str):
        return None
    part = Installment.objects.filter(pk=int(part_id), payment__isnull=False).first()
    if part is None or str(metadata.get("payment_id")) != str(part.payment_id):
        return None
    intent = gateway.payment_intent_retrieve(obj["id"])
    return installment_charge_apply(installment_id=part.pk, result=intent_result(intent))


# --- The saved card ---------------------------------------------------------------------


def card_save_from_checkout(payment: Payment, session: dict, *, now: datetime) -> None:
    """After the first payment was made with the client's consent to keep the card: keep
    it for the booking's installments. Call holding the payment's lock."""
    if not payment.save_card:
        return
    intent = session.get("payment_intent")
    if not isinstance(intent, dict):
        return
    customer = session.get("customer") or intent.get("customer")
    method = intent.get("payment_method")
    method_id = method.get("id") if isinstance(method, dict) else method
    if not (isinstance(customer, str) and isinstance(method_id, str)):
        return
    card = (method.get("card") if isinstance(method, dict) else None) or {}
    SavedCard.objects.update_or_create(
        booking_id=payment.booking_id,
        defaults={
            "stripe_customer_id": customer,
            "stripe_payment_method_id": method_id,
            "brand": str(card.get("brand") or "")[:30],
            "last4": str(card.get("last4") or "")[:4],
            "exp_month": card.get("exp_month"),
            "exp_year": card.get("exp_year"),
            "consented_at": now,
            "removed_at": None,
        },
    )
    if not card:  # Checkout's answer names the card only; its details are read later
        task_enqueue_on_commit(
            "sessions.tasks.saved_card_describe_task", booking_id=payment.booking_id
        )


def saved_card_describe(*, booking_id: int) -> bool:
    """Read the saved card's brand and last digits from Stripe, for the client's page."""
    card = SavedCard.objects.filter(booking_id=booking_id, removed_at__isnull=True).first()
    if card is None or card.last4:
        return False
    method = gateway.payment_method_retrieve(card.stripe_payment_method_id)
    details = method.get("card") or {}
    SavedCard.objects.filter(pk=card.pk).update(
        brand=str(details.get("brand") or "")[:30],
        last4=str(details.get("last4") or "")[:4],
        exp_month=details.get("exp_month"),
        exp_year=details.get("exp_year"),
    )
    return True


def saved_card_remove(*, booking_id: int, now: datetime | None = None) -> bool:
    """Stop autopay: the card is forgotten here and detached at Stripe (from a worker), and
    the parts still to come are asked for by email. False when no card was saved."""
    now = now or timezone.now()
    with transaction.atomic():
        booking_lock(booking_id)
        card = (
            SavedCard.objects.select_for_update()
            .filter(booking_id=booking_id, removed_at__isnull=True)
            .first()
        )
        if card is None:
            return False
        card.removed_at = now
        card.save(update_fields=["removed_at"])
        task_enqueue_on_commit(
            "sessions.tasks.saved_card_detach_task", payment_method_id=card.stripe_payment_method_id
        )
    return True


def saved_card_detach(*, payment_method_id: str) -> None:
    """Detach a removed card at Stripe. Quietly if it is detached already."""
    try:
        gateway.payment_method_detach(payment_method_id)
    except Exception:  # it can never be charged by Sitting anyway: the row is removed
        log.warning("Could not detach %s at Stripe", payment_method_id, exc_info=True)
