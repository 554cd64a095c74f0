"""Codes typed at booking that take money off: the studio's discount codes, and each use of
one (a redemption), kept with the amount it took off so invoices can print it as a line."""

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions.models.booking import Booking, SessionType
from studio.fields import CurrencyField
from studio.money import money_format
from studio.validators import within_years

BASIS_POINTS = 10_000  # 2500 basis points is 25%


def percent_text(basis_points: int) -> str:
    """25, or 12.5: a percentage in basis points as people write it."""
    whole, rest = divmod(basis_points, 100)
    return f"{whole}.{rest:02d}".rstrip("0") if rest else str(whole)


class DiscountCode(models.Model):
    """A code the studio hands out (SPRING25): a percentage or an amount off a booking's
    price, for some session types or all, between two dates, a number of times."""

    code = models.CharField(
        _("code"),
        max_length=40,
        help_text=_("What clients type, e.g. SPRING25. Capitals or not, it is the same code."),
    )
    # Exactly one of the two: a percentage in basis points (2500 is 25%) or an amount.
    percent_off = models.PositiveIntegerField(_("percentage off"), null=True, blank=True)
    amount_off = models.PositiveIntegerField(_("amount off"), null=True, blank=True)
    currency = CurrencyField(
        _("currency"),
        blank=True,
        help_text=_("The amount's currency (not needed for a percentage)."),
    )
    session_types = models.ManyToManyField(
        SessionType,
        blank=True,
        related_name="+",
        verbose_name=_("session types"),
        help_text=_("Leave empty for every session type."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True, validators=[within_years])
    valid_until = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("The last day it can be used."),
        validators=[within_years],
    )
    usage_limit = models.PositiveIntegerField(
        _("how many times"),
        null=True,
        blank=True,
        help_text=_("Across all clients. Leave empty for no limit."),
    )
    once_per_client = models.BooleanField(
        _("once per client"), default=False, help_text=_("Each email address may use it once.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("discount code")
        verbose_name_plural = _("discount codes")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("code"),
                name="discount_code_unique",
                violation_error_message=_("There is already a code like this."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(percent_off__gt=0, percent_off__lte=BASIS_POINTS, amount_off__isnull=True)
                    | (Q(percent_off__isnull=True, amount_off__gt=0) & ~Q(currency=""))
                ),
                name="discount_code_percent_or_amount",
                violation_error_message=_(
                    "Give either a percentage (up to 100) or an amount with its currency."
                ),
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="discount_code_dates_in_order",
                violation_error_message=_("The last day is before the first."),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def reduction_text(self) -> str:
        """“25%” or “£20.00”, for the studio's list."""
        if self.percent_off:
            return f"{percent_text(self.percent_off)}%"
        return money_format(self.amount_off or 0, self.currency)


class CodeRedemption(models.Model):
    """One use of a code on a booking, with what it took off. A use given back (the booking
    was cancelled, or its hold ran out) is released: it no longer counts."""

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="redemptions", verbose_name=_("booking")
    )
    # Exactly one of the two: a discount code, or a gift voucher (a way to pay, not a
    # discount: its amount is `Booking.gift_voucher_amount`, never `Booking.discount`).
    discount_code = models.ForeignKey(
        DiscountCode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redemptions",
        verbose_name=_("discount code"),
    )
    gift_voucher = models.ForeignKey(
        "shoots.GiftVoucher",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redemptions",
        verbose_name=_("gift voucher"),
    )
    # As it was when used, so the studio editing the code later changes no invoice.
    code = models.CharField(_("code"), max_length=40)
    percent_off = models.PositiveIntegerField(_("percentage off"), null=True, blank=True)
    amount = models.PositiveIntegerField(_("amount taken off"))
    currency = CurrencyField(_("currency"))
    email = models.EmailField(_("client's email"), max_length=254)
    created_at = models.DateTimeField(_("used"), default=timezone.now)
    released_at = models.DateTimeField(_("given back"), null=True, blank=True)

    class Meta:
        verbose_name = _("code used")
        verbose_name_plural = _("codes used")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["booking"], name="code_redemption_one_per_booking"),
            models.CheckConstraint(
                condition=Q(discount_code__isnull=False, gift_voucher__isnull=True)
                | Q(discount_code__isnull=True, gift_voucher__isnull=False),
                name="code_redemption_code_or_voucher",
            ),
        ]
        indexes = [
            models.Index(fields=["discount_code", "released_at"], name="redemption_code"),
            models.Index(fields=["gift_voucher", "released_at"], name="redemption_voucher"),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def description(self) -> str:
        """The line an invoice prints: “Discount SPRING25 (25%)”, “Gift voucher GIFT-…”."""
        if self.gift_voucher_id:
            return _("Gift voucher %(code)s") % {"code": self.code}
        if self.percent_off:
            percent = percent_text(self.percent_off)
            return _("Discount %(code)s (%(percent)s%%)") % {"code": self.code, "percent": percent}
        return _("Discount %(code)s") % {"code": self.code}
