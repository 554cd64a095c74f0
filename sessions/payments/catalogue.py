"""What the studio sells and what each booking bought: a session type's packages and
add-ons, and a booking's items, copied when it was booked so that later price changes never
rewrite what a client agreed to pay. Money is in the session type's currency."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sessions.models.booking import Booking, SessionType


def own_tax_rate_field() -> models.PositiveIntegerField:
    """A package's or add-on's own tax rate, in basis points (studio.tax); empty: the
    studio's (studio.pricing)."""
    return models.PositiveIntegerField(
        _("tax rate"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10_000)],
        help_text=_("Leave empty for the studio's rate; e.g. 0 for a gift voucher."),
    )


class Package(models.Model):
    """One way to buy a session type (Essentials, Signature, Heirloom): its price and
    deposit, the favourites it includes, and its length when it differs from the type's."""

    session_type = models.ForeignKey(
        SessionType,
        on_delete=models.CASCADE,
        related_name="packages",
        verbose_name=_("session type"),
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(
        _("what it is"),
        max_length=300,
        blank=True,
        help_text=_("One or two plain sentences, shown when choosing."),
    )
    products = models.TextField(
        _("prints and products included"),
        max_length=1000,
        blank=True,
        help_text=_("One per line, e.g. “A 30 × 40 cm framed print”."),
    )
    # Money: integer minor units (pence, cents) of the session type's currency.
    price = models.PositiveIntegerField(_("price"))
    deposit = models.PositiveIntegerField(_("deposit"), default=0)
    included_images = models.PositiveSmallIntegerField(
        _("images included"), default=0, help_text=_("How many favourites the client can choose.")
    )
    extra_image_price = models.PositiveIntegerField(_("price per extra image"), default=0)
    tax_rate = own_tax_rate_field()
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        null=True,
        blank=True,
        help_text=_("Leave empty when it is the session type's duration."),
    )
    is_active = models.BooleanField(_("offered"), default=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        ordering = ["session_type", "display_order", "price", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deposit__lte=F("price")),
                name="package_deposit_within_price",
                violation_error_message=_("The deposit cannot be more than the price."),
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__gt=0),
                name="package_duration_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def product_lines(self) -> list[str]:
        return [line.strip() for line in self.products.splitlines() if line.strip()]


class AddOn(models.Model):
    """Something a client can add to a session (a hair and make-up artist, an extra outfit,
    rush editing): a price, and optionally extra time or extra included images."""

    session_type = models.ForeignKey(
        SessionType,
        on_delete=models.CASCADE,
        related_name="add_ons",
        verbose_name=_("session type"),
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("what it is"), max_length=300, blank=True)
    price = models.PositiveIntegerField(_("price"))
    extra_minutes = models.PositiveSmallIntegerField(
        _("extra time (minutes)"),
        default=0,
        help_text=_("Added to the session's length, e.g. 45 for hair and make-up."),
    )
    extra_images = models.PositiveSmallIntegerField(
        _("extra images included"), default=0, help_text=_("Added to the favourites included.")
    )
    tax_rate = own_tax_rate_field()
    is_active = models.BooleanField(_("offered"), default=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("add-on")
        verbose_name_plural = _("add-ons")
        ordering = ["session_type", "display_order", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class BookingItem(models.Model):
    """A line of what a booking bought, as it was sold: its package, then each add-on. The
    booking's price is their sum; its invoice is built from them. `unit_price` is what the
    client pays (tax included); `net`, `tax` and `tax_rate` are the line's tax as sold."""

    class Kind(models.TextChoices):
        PACKAGE = "package", _("Package")
        ADD_ON = "add_on", _("Add-on")

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="items", verbose_name=_("booking")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Kept for reports; the name and money below are what was sold.
    package = models.ForeignKey(
        Package, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    add_on = models.ForeignKey(
        AddOn, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    unit_price = models.PositiveIntegerField(_("price"))
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    # The line's (unit price × quantity) rate (basis points), net and tax, worked out once
    # when sold (studio.pricing). Empty on items sold before they were kept: those are billed
    # at the booking's rate, tax inside.
    tax_rate = models.PositiveIntegerField(_("tax rate"), null=True, blank=True)
    net = models.IntegerField(_("net"), null=True, blank=True)
    tax = models.IntegerField(_("tax"), null=True, blank=True)
    extra_minutes = models.PositiveSmallIntegerField(_("extra time (minutes)"), default=0)
    included_images = models.PositiveSmallIntegerField(_("images included"), default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("item bought")
        verbose_name_plural = _("items bought")
        ordering = ["booking", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="booking_item_quantity"),
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(kind="package"),
                name="booking_item_one_package",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def amount(self) -> int:
        return self.unit_price * self.quantity
