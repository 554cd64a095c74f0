"""Emails about money: to the client (receipts, for money paid online or recorded by the
studio, refunds, a balance or deposit due, a payment that came too late) and to the studio
(late payments, disputes, refunds Stripe refused). Each is sent once per payment (and
refund), however often a task retries."""

import logging
from email.utils import formataddr

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sessions.access import booking_url
from sessions.emails import booking_facts
from sessions.models import Booking
from sessions.payments.gateway import dashboard_url
from sessions.payments.invoice_pdf import receipt_pdf, receipt_reference
from sessions.payments.ledger import booking_balance_due, booking_extras_owed, booking_owed
from sessions.payments.models import Payment, Refund
from studio.actors import ActorKind
from studio.background import task_enqueue_on_commit
from studio.email_kinds import wording
from studio.emailing import email_kind_send, email_to_studio
from studio.money import money_format
from studio.selectors import studio_get

log = logging.getLogger(__name__)

CLIENT_KINDS = {
    "payment_received",
    "payment_recorded",
    "refund_issued",
    "late_payment",
    "balance_due",
    "deposit_due",
}
STUDIO_KINDS = {"studio_late_payment", "studio_dispute", "studio_refund_failed"}
RECEIPT_KINDS = {"payment_received", "payment_recorded"}  # money in: its receipt attached


def _still_applies(kind: str, payment: Payment, refund: Refund | None) -> bool:
    """Whether the email still makes sense now that the task runs."""
    if kind in ("balance_due", "deposit_due"):
        due = payment.status == Payment.Status.PENDING
        if kind == "deposit_due":
            due = due and payment.booking.status == Booking.Status.HELD
        return due
    if kind in ("refund_issued", "studio_refund_failed"):
        return refund is not None
    return True


def payment_email_enqueue(
    payment: Payment, *, kind: str, refund: Refund | None = None, key_extra: str = ""
) -> None:
    """Have a worker send this email about the payment after commit (payment_email_send)."""
    task_enqueue_on_commit(
        "sessions.tasks.payment_email_send_task",
        payment_id=payment.pk,
        kind=kind,
        refund_id=refund.pk if refund else None,
        key_extra=key_extra,
    )


def payment_email_send(
    *, payment_id: int, kind: str, refund_id: int | None = None, key_extra: str = ""
) -> bool:
    """Send one email about a payment; False if it was sent already or no longer applies."""
    if kind not in CLIENT_KINDS | STUDIO_KINDS:
        raise ValueError(f"unknown payment email {kind!r}")
    payment = (
        Payment.objects.select_related(
            "booking__client", "booking__session_type", "booking__photographer"
        )
        .filter(pk=payment_id)
        .first()
    )
    refund = (
        Refund.objects.filter(pk=refund_id, payment_id=payment_id).first() if refund_id else None
    )
    if payment is None or not _still_applies(kind, payment, refund):
        return False
    key = ":".join(
        part
        for part in (
            f"payment:{payment.pk}:{kind}",
            f"refund:{refund.pk}" if refund else "",
            key_extra,
        )
        if part
    )
    attachments = []
    if kind in RECEIPT_KINDS:  # its receipt, as on the booking's page
        attachments = [
            (f"{receipt_reference(payment)}.pdf", receipt_pdf(payment), "application/pdf")
        ]
    return booking_money_email_send(
        payment.booking,
        key=key,
        kind=kind,
        context=lambda studio: payment_email_context(
            kind, payment=payment, refund=refund, studio=studio
        ),
        attachments=attachments,
    )


def balance_email_send(*, booking_id: int, key_extra: str) -> bool:
    """The balance email when payments are off (no Payment row: nothing is paid through
    Sitting): what is left to pay, and how the studio takes it. False if it was sent
    already, or nothing is due any more."""
    booking = (
        Booking.objects.select_related("client", "session_type", "photographer")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or booking.status not in (
        Booking.Status.CONFIRMED,
        Booking.Status.COMPLETED,
    ):
        return False
    due = booking_balance_due(booking)
    if not due:
        return False
    asked = Payment(
        booking=booking, kind=Payment.Kind.BALANCE, amount=due, currency=booking.currency
    )
    return booking_money_email_send(
        booking,
        key=f"booking:{booking.pk}:balance_due:{key_extra}",
        kind="balance_due",
        context=lambda studio: balance_message(asked, studio),
    )


def booking_money_email_send(
    booking: Booking, *, key: str, kind: str, context, attachments: list | None = None
) -> bool:
    """Send one email about a booking's money, once per `key`, from its kind's templates
    (emails/<kind>/); `context(studio)` fills them in, in the studio's zone and language."""
    studio = studio_get()
    if kind in STUDIO_KINDS:
        to, reply_to = email_to_studio(), None
        if not to:
            log.warning("No studio contact email: %s about %s not sent", kind, booking.reference)
            return False
    else:
        to = formataddr((booking.booked_as_name, booking.client.email))
        reply_to = studio.contact_email or None
    return email_kind_send(
        kind=kind.replace("_", "-"),
        key=key,
        to=to,
        context=lambda: {"booking": booking, "client": booking.client, **context(studio)},
        reply_to=reply_to,
        booking=booking,
        attachments=attachments or (),
    )


def balance_message(payment: Payment, studio, *, template=None) -> dict:
    """The balance-due email, in the studio's words if it wrote some. It thanks the client
    only once the session is over; with payments on it has a button to pay by card, and
    without it says how the studio takes payment (Studio.payment_instructions)."""

    booking = payment.booking
    amount = money_format(payment.amount, payment.currency)
    facts = {**booking_facts(booking, studio), "amount": amount}
    facts["thanks"] = (
        _("Thank you for your %(session)s on %(date)s.") % facts
        if timezone.now() >= booking.ends_at
        else ""
    )
    if settings.PAYMENTS_ENABLED:
        facts["how_to_pay"] = _("You can pay it securely online by card.")
    elif studio.payment_instructions.strip():
        facts["how_to_pay"] = _("How to pay: %(instructions)s") % {
            "instructions": studio.payment_instructions.strip()
        }
    else:
        facts["how_to_pay"] = _(
            "Please pay it as arranged with the studio; just reply if you're not sure how."
        )
    message = wording("balance-due", facts, template=template)
    if settings.PAYMENTS_ENABLED:
        message["button"] = (
            _("Pay %(amount)s") % {"amount": amount},
            booking_url(booking, absolute=True),
        )
    return message


def payment_email_context(kind: str, *, payment: Payment, refund: Refund | None, studio) -> dict:
    """What the templates of a payment's email (emails/<kind>/) fill in: amounts, the session,
    the booking's reference and the button's link. In the studio's zone."""
    if kind == "balance_due":
        return balance_message(payment, studio)
    booking = payment.booking
    context = {
        "amount": money_format(payment.display_amount, payment.display_currency),
        "refund": money_format(refund.amount, refund.currency) if refund else "",
        "failure_reason": refund.failure_reason if refund else "",
        "what": booking.session_type.called,
        "when": date_format(timezone.localtime(booking.starts_at), "l j F Y, H:i"),
        "ref": booking.reference,
        "name": booking.name_for_studio,
        "kind": payment.get_kind_display().lower(),
        "button_link": booking_url(booking, absolute=True),
    }
    if kind == "payment_recorded":
        context["method"] = payment.get_method_display().lower()
        context["received_on"] = date_format(timezone.localtime(payment.paid_at), "l j F Y")
        # All still to pay: the balance, the extra photos owed, and a deposit still due at
        # the studio (with payments off the balance leaves it out).
        left = booking_balance_due(booking) + booking_extras_owed(booking)
        if not settings.PAYMENTS_ENABLED:
            left += booking_owed(booking, Payment.Kind.DEPOSIT)
        context["left"] = money_format(left, booking.currency) if left else ""
    elif kind == "refund_issued":
        context["method"] = "" if not payment.recorded else payment.get_method_display().lower()
        # Money paid another way, refunded as the client cancelled: the studio has yet to
        # give it back, so the email says it will, not that it has.
        context["studio_gives_back"] = bool(
            refund and payment.recorded and refund.actor == ActorKind.CLIENT
        )
    elif kind == "late_payment":
        context["cancelled"] = booking.status == Booking.Status.CANCELLED
        context["button_link"] = settings.SITE_URL + "/book/"
    elif kind == "deposit_due":
        context["until"] = date_format(timezone.localtime(booking.hold_expires_at), "l j F, H:i")
    elif kind in STUDIO_KINDS:
        context["button_link"] = (
            dashboard_url("payments", payment.stripe_payment_intent_id)
            if payment.stripe_payment_intent_id
            else "https://dashboard.stripe.com/"
        )
    return context
