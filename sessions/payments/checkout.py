"""Asking for money: the payment a booking, a balance or a selection's extras owes, the
Stripe Checkout page where it is paid (one payable page at a time), and closing what is no
longer owed."""

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import stripe
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sessions.access import booking_token, booking_url
from sessions.documents.services import documents_outstanding
from sessions.history import booking_events_record
from sessions.models import Booking
from sessions.payments import gateway
from sessions.payments.common import booking_lock, payment_expire, payment_locked
from sessions.payments.emails import payment_email_enqueue
from sessions.payments.errors import PaymentRefused, PaymentServiceUnavailable
from sessions.payments.installments import installment_amount_now
from sessions.payments.ledger import booking_balance_due
from sessions.payments.models import Payment
from sessions.payments.plans import Installment
from sessions.payments.redemptions import redemptions_release
from sessions.payments.webhooks import payment_apply_stripe_state
from sessions.waitlist_freed import waitlist_ids_freed
from studio.background import task_enqueue_on_commit
from studio.money import money_format
from studio.selectors import studio_get

log = logging.getLogger(__name__)

# Stripe keeps a Checkout Session open at least 30 minutes; a minute spare for clocks.
CHECKOUT_MINUTES = 31
CHECKOUT_MAX = timedelta(hours=24)
HOLD_STRETCH_LIMIT = timedelta(minutes=90)

UNPAID_STATUSES = (Payment.Status.PENDING, Payment.Status.FAILED, Payment.Status.EXPIRED)
_CHARGING_NOW = gettext_lazy(
    "We're taking a payment from your saved card right now; please check back soon."
)


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


def extras_payment_create(
    *, booking_id: int, amount: int, currency: str, return_path: str
) -> Payment:
    """The payment for a selection's extra photos; its Checkout page comes back to
    `return_path` (a path on this site). Call inside the transaction that records what
    it pays for."""
    return Payment.objects.create(
        booking_id=booking_id,
        kind=Payment.Kind.EXTRAS,
        amount=amount,
        currency=currency,
        return_path=return_path,
    )


def extras_owed_create(*, booking_id: int, amount: int, currency: str) -> Payment:
    """Extra photos chosen while payments are off: owed to the studio, paid to it another
    way (a bank transfer, cash) and recorded by staff (manual.payment_record). Listed for
    the client, billed on the booking's invoice, and counted as owed on its page. Call inside
    the transaction that records what it pays for."""
    return Payment.objects.create(
        booking_id=booking_id,
        kind=Payment.Kind.EXTRAS,
        amount=amount,
        currency=currency,
        method=Payment.Method.OTHER,
    )


def payment_lock(*, payment_id: int) -> None:
    """Row-lock a payment, for a caller holding its booking's lock that locks rows of its
    own next: the house order is booking, payment, then the caller's."""
    list(Payment.objects.select_for_update().filter(pk=payment_id).values_list("pk"))


def payment_unpaid_close(*, payment_id: int, reason: str) -> str | None:
    """Close a payment still waiting to be paid, so nothing more can be paid on it (`reason`
    says why, for the studio). Returns the Checkout Session whose page was open, for
    `checkout_page_close` once committed. Call inside a transaction holding the booking's
    lock."""
    payment = payment_locked(payment_id)
    if payment.status != Payment.Status.PENDING:
        return None
    open_page = payment.stripe_checkout_session_id if payment.checkout_url else None
    payment_expire(payment, reason=reason)
    return open_page


def checkout_page_close(*, session_id: str) -> None:
    """Close a Checkout page at Stripe now, so it can't be paid. Quietly: it may have closed
    already, and it expires by itself anyway. Call outside any transaction."""
    try:
        gateway.checkout_session_expire(session_id)
    except Exception:
        log.warning("Could not close Checkout Session %s", session_id, exc_info=True)


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
            task_enqueue_on_commit(
                "sessions.tasks.balance_email_send_task",
                booking_id=booking.pk,
                key_extra=f"{due}:{local_day}",
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


def _studio_zone() -> ZoneInfo:
    return ZoneInfo(studio_get().time_zone)


def _checkout_open(payment: Payment, *, now: datetime) -> bool:
    """Whether the payment's Checkout page can still be paid for a minute at least."""
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
    if payment.method != Payment.Method.CARD:  # owed to the studio (extras, payments off)
        raise PaymentRefused(
            _("This is paid to the studio directly, the way you usually pay them.")
        )
    if payment.kind == Payment.Kind.DEPOSIT:
        if booking.status != Booking.Status.HELD or booking.hold_expires_at <= now:
            raise PaymentRefused(
                _("We're no longer holding this time, so the deposit can't be paid now.")
            )
        if documents_outstanding(booking).exists():
            raise PaymentRefused(
                _("Please sign the documents for this session first; then you can pay.")
            )
    elif booking.status not in (Booking.Status.CONFIRMED, Booking.Status.COMPLETED):
        raise PaymentRefused(_("This booking is no longer active, so nothing is due."))
    elif payment.kind == Payment.Kind.INSTALLMENT:
        _installment_check_payable(payment)
    elif (
        payment.kind == Payment.Kind.BALANCE
        and Installment.objects.filter(booking=booking, status=Installment.Status.CHARGING).exists()
    ):  # what the card is paying would be asked for twice
        raise PaymentRefused(_CHARGING_NOW)
    elif (
        Payment.objects.filter(booking=booking, kind=payment.kind, status=Payment.Status.PENDING)
        .exclude(pk=payment.pk)
        .exists()
    ):
        raise PaymentRefused(_("A newer payment request replaces this one."))
    elif payment.kind == Payment.Kind.BALANCE and not booking_balance_due(booking):
        raise PaymentRefused(_("Nothing is left to pay. Thank you!"))


def _installment_check_payable(payment: Payment) -> None:
    part = Installment.objects.filter(payment=payment).first()
    if part is None or part.status in (Installment.Status.COVERED, Installment.Status.CANCELLED):
        raise PaymentRefused(_("Nothing is due on this payment any more. Thank you!"))
    if part.status == Installment.Status.CHARGING:
        raise PaymentRefused(_CHARGING_NOW)
    if installment_amount_now(part) <= 0:  # paid another way since it was asked for
        raise PaymentRefused(_("Nothing is left to pay. Thank you!"))


def _installment_due(payment: Payment) -> int:
    """What an installment's payment asks for now: its part's share of what is still owed
    (a discount given, or money paid another way, since it came due)."""
    return installment_amount_now(Installment.objects.get(payment=payment))


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
        booking_lock(booking_id)
        payment = payment_locked(payment_id)
        payment_check_payable(payment, now=now)
        if payment.kind in (Payment.Kind.BALANCE, Payment.Kind.INSTALLMENT):
            due = (  # a discount may have been given since, or money paid another way
                booking_balance_due(payment.booking)
                if payment.kind == Payment.Kind.BALANCE
                else _installment_due(payment)
            )
            if due != payment.amount:
                # What Sitting now expects; the open page asks the old amount, so it is closed.
                payment.amount, payment.checkout_expires_at = due, None
                payment.save(update_fields=["amount", "checkout_expires_at", "updated_at"])
        if _checkout_open(payment, now=now):
            return payment.checkout_url
        # A page Sitting made and has not seen close may still be payable at Stripe.
        older = payment.stripe_checkout_session_id if payment.checkout_url else None
    if older:
        checkout_close_confirmed(payment_id=payment_id, session_id=older)
    with transaction.atomic():
        booking_lock(booking_id)
        payment = payment_locked(payment_id)
        booking = payment.booking
        payment_check_payable(payment, now=now)
        if payment.checkout_url and payment.stripe_checkout_session_id != older:
            return _checkout_opened_elsewhere(payment, now=now)
        if payment.kind == Payment.Kind.BALANCE:
            payment.amount = booking_balance_due(booking)
        elif payment.kind == Payment.Kind.INSTALLMENT:
            payment.amount = _installment_due(payment)
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
        attempt, asked = payment.checkout_attempt, payment.amount
        params = _checkout_params(payment, booking, expires_at=expires_at)
    try:
        session = gateway.checkout_session_create(
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
        booking_lock(booking_id)
        payment = payment_locked(payment_id)
        stored = payment.status not in Payment.RECEIVED_STATUSES and (
            payment.checkout_attempt == attempt
        )
        outdated = stored and not _still_asks_what_is_due(payment, asked=asked, now=now)
        if stored and not outdated:
            payment.stripe_checkout_session_id = session["id"]
            payment.checkout_url = session["url"]
            payment.checkout_expires_at = datetime.fromtimestamp(session["expires_at"], UTC)
            payment.save()
    if outdated:  # money came in while the page was made (a plan's part taken from the card)
        gateway.checkout_session_expire(session["id"])
        payment_check_payable(payment, now=now)  # says why, when nothing is due now
        raise PaymentServiceUnavailable(
            _("What is left to pay changed just now. Please try again in a moment.")
        )
    if not stored:  # paid, or another request made a newer page: nobody has seen this one
        gateway.checkout_session_expire(session["id"])
        if payment.status in Payment.RECEIVED_STATUSES:
            raise PaymentRefused(_("This is already paid. Thank you!"))
        return _checkout_opened_elsewhere(payment, now=now)
    return session["url"]


def _still_asks_what_is_due(payment: Payment, *, asked: int, now: datetime) -> bool:
    """Whether a page just made for this payment, asking `asked`, may be shown: it can still
    be paid, and a balance or a plan's part still asks that much. Call holding its lock."""
    try:
        payment_check_payable(payment, now=now)
    except PaymentRefused:
        return False
    if payment.kind == Payment.Kind.BALANCE:
        return booking_balance_due(payment.booking) == asked
    if payment.kind == Payment.Kind.INSTALLMENT:
        return _installment_due(payment) == asked
    return True


def _checkout_opened_elsewhere(payment: Payment, *, now: datetime) -> str:
    """Another request (a second tab, a double click) made a page for this payment while
    this one was closing or making its own: that page is the one to pay, if it is open."""
    if _checkout_open(payment, now=now):
        return payment.checkout_url
    raise PaymentServiceUnavailable(
        _("Another payment page was just opened for this. Please try again in a moment.")
    )


def checkout_close_confirmed(*, payment_id: int, session_id: str) -> None:
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
        session = gateway.checkout_session_close(session_id)
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


def _checkout_params(payment: Payment, booking: Booking, *, expires_at) -> dict:
    """What Sitting asks Stripe to charge: amounts from the stored payment, never from
    the browser; our ids in the metadata."""
    studio = studio_get()
    with timezone.override(_studio_zone()):
        when = date_format(timezone.localtime(booking.starts_at), "l j F Y, H:i")
    what = {"what": booking.session_type.called, "when": when}
    names = {
        Payment.Kind.DEPOSIT: _("Deposit: %(what)s on %(when)s"),
        Payment.Kind.BALANCE: _("Balance: %(what)s on %(when)s"),
        Payment.Kind.EXTRAS: _("Extra images: %(what)s on %(when)s"),
        Payment.Kind.INSTALLMENT: _("Payment plan: %(what)s on %(when)s"),
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
    if payment.save_card:  # the client agreed on their booking page to autopay the plan
        params["customer_creation"] = "always"
        params["payment_intent_data"]["setup_future_usage"] = "off_session"
        params["consent_collection"] = {"payment_method_reuse_agreement": {"position": "auto"}}
    return params


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
        redemptions_release(booking_ids=ids, now=now)
        waitlist_ids_freed(ids)
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
