"""Gift vouchers: sold online (an amount, or a package at its price then) or given by the
studio, with a code typed at booking like a discount code. A voucher is a way to pay, not a
discount: what it pays on a booking is a `CodeRedemption` pointing at it, and what is left
is its value less the redemptions not given back and less what of its sale was refunded
(`voucher_remaining`); each of Stripe's refunds of a sale is a `VoucherRefund`."""

import secrets

from django.db import models
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studio.fields import CurrencyField
from studio.models import ActedBy
from studio.validators import within_years

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: a code read aloud or copied from paper is typed right.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_PREFIX = "GIFT-"


def voucher_code_new() -> str:
    """GIFT-XXXX-XXXX from a cryptographic source: 25⁸ (about 1.5 × 10¹¹) codes."""
    groups = ("".join(secrets.choice(CODE_ALPHABET) for _n in range(4)) for _g in range(2))
    return CODE_PREFIX + "-".join(groups)


class GiftVoucher(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for payment")
        PAID = "paid", _("Paid")
        VOID = "void", _("Void")

    code = models.CharField(_("code"), max_length=20, unique=True, default=voucher_code_new)
    value = models.PositiveIntegerField(_("value"))
    currency = CurrencyField(_("currency"))
    # A package bought as a gift: its price when sold is the voucher's value.
    package = models.ForeignKey(
        "shoots.Package",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("package"),
    )
    package_name = models.CharField(_("for"), max_length=200, blank=True)
    buyer_name = models.CharField(_("buyer's name"), max_length=120)
    buyer_email = models.EmailField(_("buyer's email"), max_length=254, blank=True)
    recipient_name = models.CharField(_("recipient's name"), max_length=120)
    recipient_email = models.EmailField(_("recipient's email"), max_length=254, blank=True)
    message = models.TextField(_("message"), max_length=500, blank=True)
    send_on = models.DateField(
        _("email the recipient on"),
        null=True,
        blank=True,
        help_text=_("Empty: the buyer passes the voucher on themselves."),
        validators=[within_years],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    expires_on = models.DateField(
        _("valid until"), null=True, blank=True, validators=[within_years]
    )
    given_by_studio = models.BooleanField(_("given by the studio"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    recipient_sent_at = models.DateTimeField(_("sent to the recipient"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)

    class Meta:
        verbose_name = _("gift voucher")
        verbose_name_plural = _("gift vouchers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0), name="gift_voucher_has_value"),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_at__isnull=False, expires_on__isnull=False),
                name="gift_voucher_paid_has_dates",
            ),
        ]
        indexes = [models.Index(fields=["status", "send_on"], name="gift_voucher_due")]

    def __str__(self) -> str:
        return self.code

    @property
    def description(self) -> str:
        """The line an invoice prints below its total: “Gift voucher GIFT-ABCD-EFGH”."""
        return _("Gift voucher %(code)s") % {"code": self.code}


class VoucherPayment(models.Model):
    """A voucher's sale through Stripe Checkout. What Stripe took is what was received;
    `amount_refunded` is what Stripe's refunds of it not failed give back (its
    `VoucherRefund` rows), `refunded_at` when that last grew."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for payment")
        PAID = "paid", _("Paid")
        EXPIRED = "expired", _("Page closed unpaid")

    voucher = models.OneToOneField(
        GiftVoucher, on_delete=models.PROTECT, related_name="payment", verbose_name=_("voucher")
    )
    amount = models.PositiveIntegerField(_("amount asked"))
    currency = CurrencyField(_("currency"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    amount_received = models.PositiveIntegerField(_("amount received"), null=True, blank=True)
    currency_received = CurrencyField(_("currency received"), blank=True)
    stripe_checkout_session_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True
    )
    stripe_payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    amount_refunded = models.PositiveIntegerField(_("refunded"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded on"), null=True, blank=True)

    class Meta:
        verbose_name = _("gift voucher payment")
        verbose_name_plural = _("gift voucher payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_refunded=0) | Q(amount_refunded__lte=F("amount_received")),
                name="voucher_payment_refund_within_received",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid")
                | (
                    Q(amount_received__isnull=False, paid_at__isnull=False)
                    & ~Q(currency_received="")
                ),
                name="voucher_payment_received_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher.code} · {self.get_status_display()}"


class VoucherRefund(ActedBy):
    """One of Stripe's refunds of a voucher's sale, as Stripe reports it: asked for by the
    studio ("Refund what is left on the voucher") or made in Stripe's dashboard. Its actor
    is the staff member who asked, or Stripe for one seen through the webhook."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Sent, waiting for the bank")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")

    class Reason(models.TextChoices):
        STUDIO = "studio", _("What was left, refunded by the studio")
        STRIPE = "stripe", _("Made in the Stripe dashboard")

    voucher_payment = models.ForeignKey(
        VoucherPayment,
        on_delete=models.PROTECT,
        related_name="refunds",
        verbose_name=_("gift voucher payment"),
    )
    amount = models.PositiveIntegerField(_("amount"))
    currency = CurrencyField(_("currency"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    stripe_refund_id = models.CharField(_("Stripe refund"), max_length=255, unique=True)
    failure_reason = models.CharField(_("why it failed"), max_length=300, blank=True)
    # When Sitting made or first saw it: the month the books count it in.
    created_at = models.DateTimeField(_("refunded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("gift voucher refund")
        verbose_name_plural = _("gift voucher refunds")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="voucher_refund_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.voucher_payment_id}"


def voucher_used(voucher: GiftVoucher) -> int:
    """What the voucher has paid on bookings, uses given back left out. One query."""
    return (
        voucher.redemptions.filter(released_at__isnull=True).aggregate(total=Sum("amount"))["total"]
        or 0
    )


def voucher_refunded(voucher: GiftVoucher) -> int:
    """What of the voucher's sale was given back in money (nothing for one the studio
    gave). One query, none for a voucher the studio gave."""
    if voucher.given_by_studio:
        return 0
    refunded = VoucherPayment.objects.filter(voucher_id=voucher.pk).values_list(
        "amount_refunded", flat=True
    )
    return refunded.first() or 0


def voucher_remaining(voucher: GiftVoucher) -> int:
    """What the voucher can still pay: its value less its uses not given back and less what
    of its sale was refunded, never below zero. Two queries."""
    return max(voucher.value - voucher_used(voucher) - voucher_refunded(voucher), 0)
