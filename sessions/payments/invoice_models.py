"""Invoices and credit notes: what a booking was billed, issued once and never changed.

A booking's invoice is built from its items (sessions.payments.catalogue), its extras and its
discount; when those change, the invoice is credited in full and a new one issued, so each
number always means the same figures. A refund gets a credit note of its own. Numbers come
from the studio row's counters, raised under its lock in the issuing transaction
(sessions.payments.invoices): no gaps, no duplicates."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sessions.models.booking import Booking
from sessions.payments.models import Refund
from studio.fields import CurrencyField
from studio.models import ActedBy
from studio.tax import RateTotal, TaxTotals, rate_totals


class Invoice(ActedBy):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("booking")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    prefix = models.CharField(_("prefix"), max_length=12, blank=True)
    number = models.PositiveIntegerField(_("number"))
    # A credit note cancels an invoice in full (`credits`), or records a refund (`refund`).
    credits = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("credits invoice"),
    )
    refund = models.OneToOneField(
        Refund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_note",
        verbose_name=_("refund"),
    )
    # A new version of a booking's invoice names the one it replaces (credited in full by the
    # credit note issued with it).
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    issued_at = models.DateTimeField(_("issued"))
    currency = CurrencyField(_("currency"))
    # As they were when issued: who was billed, by whom, under which tax rules.
    bill_to = models.TextField(_("billed to"), max_length=500)
    about = models.CharField(_("for"), max_length=200, help_text=_("The booking, as it was."))
    studio_name = models.CharField(_("studio"), max_length=120)
    studio_address = models.TextField(_("studio address"), max_length=500, blank=True)
    tax_name = models.CharField(_("tax name"), max_length=20, blank=True)
    tax_number = models.CharField(_("tax number"), max_length=40, blank=True)
    prices_include_tax = models.BooleanField(_("prices include tax"))
    # The studio's rate when the booking was first invoiced: extra images, a cancelled
    # booking's payments and refunds are billed at it (items carry their own).
    tax_rate = models.PositiveIntegerField(_("tax rate"), default=0)  # basis points
    # Signed: a credit note's figures are negative.
    net = models.IntegerField(_("net"))
    tax = models.IntegerField(_("tax"))
    gross = models.IntegerField(_("total"))
    # Paid by gift voucher, printed below the total: a way to pay, so no line and no tax.
    voucher_paid = models.PositiveIntegerField(_("paid by gift voucher"), default=0)
    voucher_text = models.CharField(_("gift voucher code"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["issued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="invoice_number_unique"),
            models.CheckConstraint(
                condition=Q(net__gte=0, tax__gte=0, gross__gte=0, kind="invoice")
                | Q(net__lte=0, tax__lte=0, gross__lte=0, kind="credit_note"),
                name="invoice_signs_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", credits__isnull=True, refund__isnull=True)
                | Q(kind="credit_note", credits__isnull=False, refund__isnull=True)
                | Q(kind="credit_note", credits__isnull=True, refund__isnull=False),
                name="invoice_credit_note_credits_one_thing",
            ),
            # An invoice is credited in full once at most.
            models.UniqueConstraint(
                fields=["credits"], condition=Q(credits__isnull=False), name="invoice_credited_once"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """INV-0042: the prefix and the number, at least four digits."""
        return f"{self.prefix}{self.number:04d}"

    def tax_by_rate(self, lines=None) -> TaxTotals:
        """Net, tax and gross per rate, its lines' figures as issued, summed. Queries its
        lines unless given or prefetched."""
        return rate_totals(
            RateTotal(line.tax_rate, line.net, line.tax, line.net + line.tax)
            for line in (self.lines.all() if lines is None else lines)
        )


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice")
    )
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    # As entered (tax included or not, as the invoice says), signed, in minor units.
    unit_amount = models.IntegerField(_("unit price"))
    amount = models.IntegerField(_("amount"))
    tax_rate = models.PositiveIntegerField(_("tax rate"), default=0)  # basis points
    # The line's net and tax (studio.tax), worked out once at issue; summed per rate.
    net = models.IntegerField(_("net"), default=0)
    tax = models.IntegerField(_("tax"), default=0)

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position", "pk"]

    def __str__(self) -> str:
        return self.description
