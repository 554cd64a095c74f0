"""Emails about money: to the client (receipts, refunds, a balance or deposit due, a payment
that came too late) and to the studio (late payments, disputes, refunds Stripe refused).
Each is sent once per payment (and refund), however often a task retries."""

import logging
import zoneinfo
from email.utils import formataddr

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sessions.access import booking_url
from sessions.emails import booking_facts
from sessions.models import Booking
from sessions.payments.gateway import dashboard_url
from sessions.payments.ledger import booking_balance_due
from sessions.payments.models import Payment, Refund
from studio.background import task_enqueue_on_commit
from studio.email_kinds import wording
from studio.emailing import email_render, email_send_once
from studio.money import money_format
from studio.selectors import studio_get

log = logging.getLogger(__name__)

CLIENT_KINDS = {"payment_received", "refund_issued", "late_payment", "balance_due", "deposit_due"}
STUDIO_KINDS = {"studio_late_payment", "studio_dispute", "studio_refund_failed"}


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
    return _send(
        payment.booking,
        key=key,
        kind=kind,
        message=lambda studio: _message(kind, payment=payment, refund=refund, studio=studio),
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
    return _send(
        booking,
        key=f"booking:{booking.pk}:balance_due:{key_extra}",
        kind="balance_due",
        message=lambda studio: balance_message(asked, studio),
    )


def _send(booking: Booking, *, key: str, kind: str, message) -> bool:
    """Send one email about a booking's money, once per `key`; `message(studio)` gives its
    subject, heading, paragraphs and button, in the studio's zone and language."""
    studio = studio_get()
    if kind in STUDIO_KINDS:
        if not studio.contact_email:
            log.warning("No studio contact email: %s about %s not sent", kind, booking.reference)
            return False
        to, reply_to = formataddr((studio.name, studio.contact_email)), None
    else:
        to = formataddr((booking.booked_as_name, booking.client.email))
        reply_to = studio.contact_email or None
    with (
        timezone.override(zoneinfo.ZoneInfo(studio.time_zone)),
        translation.override(settings.LANGUAGE_CODE),
    ):
        words = message(studio)
        template = "studio_notice" if kind in STUDIO_KINDS else "payment"
        context = {**words, "studio": studio, "booking": booking, "client": booking.client}
        text, html = email_render(template, context)
        return email_send_once(
            key=key,
            to=to,
            subject=words["subject"],
            text=text,
            html=html,
            reply_to=reply_to,
            kind=kind.replace("_", "-"),
            booking=booking,
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


def _message(kind: str, *, payment: Payment, refund: Refund | None, studio) -> dict:
    """Subject, heading, paragraphs and the one button of an email, in plain words."""
    booking = payment.booking
    money = {
        "amount": money_format(payment.display_amount, payment.display_currency),
        "refund": money_format(refund.amount, refund.currency) if refund else "",
        "what": booking.session_type.name,
        "when": date_format(timezone.localtime(booking.starts_at), "l j F Y, H:i"),
        "ref": booking.reference,
        "client": booking.name_for_studio,
        "kind": payment.get_kind_display().lower(),
        "studio": studio.name,
    }
    link = booking_url(booking, absolute=True)
    if kind == "payment_received":
        return {
            "subject": _("Payment received: %(amount)s for your %(what)s") % money,
            "heading": _("Thank you, we've received your payment"),
            "paragraphs": [
                _("We've received %(amount)s, the %(kind)s for your %(what)s on %(when)s.") % money,
                _("Your booking reference is %(ref)s.") % money,
            ],
            "button": (_("See your booking"), link),
        }
    if kind == "refund_issued":
        return {
            "subject": _("We've refunded %(refund)s") % money,
            "heading": _("Your refund is on its way"),
            "paragraphs": [
                _(
                    "We've refunded %(refund)s to the card you paid with, for your %(what)s "
                    "on %(when)s (reference %(ref)s)."
                )
                % money,
                _("Depending on your bank, it shows on your statement within 5 to 10 days."),
            ],
            "button": (_("See your booking"), link),
        }
    if kind == "late_payment" and booking.status == Booking.Status.CANCELLED:
        return {
            "subject": _("Your payment arrived after your booking was cancelled: full refund"),
            "heading": _("We've refunded your payment"),
            "paragraphs": [
                _(
                    "Your %(amount)s payment for %(what)s on %(when)s reached us after the "
                    "booking had been cancelled, so we've refunded it in full. It usually "
                    "shows within 5 to 10 days."
                )
                % money,
            ],
            "button": (_("Book another time"), settings.SITE_URL + "/book/"),
        }
    if kind == "late_payment":
        return {
            "subject": _("Your payment arrived after we released your time: full refund"),
            "heading": _("We're sorry: that time was no longer free"),
            "paragraphs": [
                _(
                    "Your %(amount)s deposit for %(what)s on %(when)s reached us after the "
                    "time we were holding for you had run out, and by then the session "
                    "could no longer go ahead as booked."
                )
                % money,
                _(
                    "We've refunded the full %(amount)s to your card; it usually shows within "
                    "5 to 10 days. Nothing else is owed."
                )
                % money,
                _("We'd love to photograph you another time."),
            ],
            "button": (_("Choose another time"), settings.SITE_URL + "/book/"),
        }
    if kind == "balance_due":
        return balance_message(payment, studio)
    if kind == "deposit_due":
        until = date_format(timezone.localtime(booking.hold_expires_at), "l j F, H:i")
        return {
            "subject": _("Good news: %(what)s on %(when)s, pay the deposit to confirm") % money,
            "heading": _("We can photograph you then"),
            "paragraphs": [
                _("Good news: we can take your %(what)s on %(when)s.") % money,
                _(
                    "To confirm it, please pay the %(amount)s deposit by %(until)s. Until then "
                    "we keep the time for you."
                )
                % {**money, "until": until},
            ],
            "button": (_("Pay the deposit"), link),
        }
    stripe_link = (
        dashboard_url("payments", payment.stripe_payment_intent_id)
        if payment.stripe_payment_intent_id
        else "https://dashboard.stripe.com/"
    )
    if kind == "studio_late_payment":
        return {
            "subject": _("Late payment refunded: %(ref)s, %(client)s") % money,
            "heading": _("A deposit came too late and was refunded"),
            "paragraphs": [
                _(
                    "%(client)s paid the %(amount)s deposit for %(what)s on %(when)s "
                    "(%(ref)s) after their hold had ended and the time was no longer free."
                )
                % money,
                _("Sitting has refunded it in full and told them. Nothing needs doing."),
            ],
            "button": (_("See the payment in Stripe"), stripe_link),
        }
    if kind == "studio_dispute":
        return {
            "subject": _("Payment disputed: %(ref)s, %(client)s") % money,
            "heading": _("A client's bank has opened a dispute"),
            "paragraphs": [
                _(
                    "The %(amount)s %(kind)s for %(what)s on %(when)s (%(ref)s, %(client)s) "
                    "is disputed."
                )
                % money,
                _(
                    "Please respond in the Stripe dashboard before the deadline it shows; "
                    "evidence such as the booking confirmation and your policy helps."
                ),
            ],
            "button": (_("Respond in Stripe"), stripe_link),
        }
    return {  # studio_refund_failed
        "subject": _("A refund could not be made: %(ref)s") % money,
        "heading": _("Stripe refused a refund"),
        "paragraphs": [
            _("The %(refund)s refund for %(ref)s (%(client)s) was refused by Stripe:") % money,
            refund.failure_reason if refund else "",
            _("Please look at the payment in the Stripe dashboard."),
        ],
        "button": (_("Open the payment in Stripe"), stripe_link),
    }
