"""Gift vouchers: sold online (an amount, or a package at its price then) or given by the
studio, with a code typed at booking like a discount code. A voucher is a way to pay, not a
discount: what it pays on a booking is a `CodeRedemption` pointing at it, and what is left
is its value less the redemptions not given back (`voucher_remaining`)."""

import secrets

from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studio.fields import CurrencyField

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
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
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
    """A voucher's sale through Stripe Checkout. What Stripe took is what was received."""

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
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("gift voucher payment")
        verbose_name_plural = _("gift voucher payments")
        constraints = [
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


def voucher_used(voucher: GiftVoucher) -> int:
    """What the voucher has paid on bookings, uses given back left out. One query."""
    return (
        voucher.redemptions.filter(released_at__isnull=True).aggregate(total=Sum("amount"))["total"]
        or 0
    )


def voucher_remaining(voucher: GiftVoucher) -> int:
    """What the voucher can still pay. One query."""
    return max(voucher.value - voucher_used(voucher), 0)
