"""Payment plans: a package's schedule (deposit at booking, then parts on dates relative to
the booking or the session), each booking's installments as they were scheduled (or as the
studio edited them), and the card a client saved so that the installments collect
themselves (autopay). The services are in `sessions.payments.installments`."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sessions.models.booking import Booking
from sessions.payments.catalogue import Package
from sessions.payments.models import Payment
from studio.fields import CurrencyField
from studio.validators import within_years


class Anchor(models.TextChoices):
    BOOKING = "booking", _("the day it was booked")
    SESSION = "session", _("the session day")


class PlanStep(models.Model):
    """One part of a package's payment plan after the deposit: a percentage of the price
    (or, left empty, everything still left to pay) due a number of days before or after the
    session, or after the day of booking. 50% 14 days before the session; the rest 7 days
    after it."""

    package = models.ForeignKey(
        Package, on_delete=models.CASCADE, related_name="plan_steps", verbose_name=_("package")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    label = models.CharField(
        _("name"), max_length=60, blank=True, help_text=_("e.g. “Second payment”, “Balance”.")
    )
    # Basis points of the price (5000 is 50%); empty: what is left after the earlier parts.
    percent = models.PositiveIntegerField(_("share of the price"), null=True, blank=True)
    anchor = models.CharField(
        _("counted from"), max_length=10, choices=Anchor.choices, default=Anchor.SESSION
    )
    days = models.SmallIntegerField(
        _("days"), default=0, help_text=_("Before (negative) or after (positive) that day.")
    )

    class Meta:
        verbose_name = _("payment plan part")
        verbose_name_plural = _("payment plan")
        ordering = ["package", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gt=0, percent__lte=10_000),
                name="plan_step_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.label or str(_("Payment"))


class Installment(models.Model):
    """A part of a booking's price due on a day: charged to the saved card on that day
    (autopay), or asked for by email with a link to pay. `amount` is as scheduled; the last
    part still open takes whatever is left to pay (a discount given later, a balance paid
    early), never more."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CHARGING = "charging", _("Being collected")
        ACTION_NEEDED = "action_needed", _("Waiting for the client")
        PAID = "paid", _("Paid")
        COVERED = "covered", _("Paid another way")
        CANCELLED = "cancelled", _("Not needed")

    OPEN_STATUSES = (Status.SCHEDULED, Status.CHARGING, Status.ACTION_NEEDED)

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="installments", verbose_name=_("booking")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    label = models.CharField(_("name"), max_length=60)
    amount = models.PositiveIntegerField(_("amount"))
    currency = CurrencyField(_("currency"))
    due_on = models.DateField(_("due on"), validators=[within_years])
    # How due_on was worked out, so that it follows the session when the booking moves.
    # Empty anchor: a date the studio set by hand.
    anchor = models.CharField(max_length=10, choices=Anchor.choices, blank=True)
    days = models.SmallIntegerField(default=0)
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.SCHEDULED
    )
    payment = models.OneToOneField(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="installment",
        verbose_name=_("payment"),
    )
    # Each charge of the saved card: its number keys the charge at Stripe, so a retried
    # attempt can never charge twice.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    charging_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(_("what went wrong"), max_length=300, blank=True)
    # The off-session PaymentIntent of the last attempt (a refused one is never the payment's).
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, editable=False)
    asked_at = models.DateTimeField(_("client asked"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["booking", "due_on", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="installment_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="installment_status_due")]

    def __str__(self) -> str:
        return f"{self.label} · {self.booking.reference}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class SavedCard(models.Model):
    """The card a client saved at their first payment, with their consent, so the studio
    can take the installments on their dates. Removed by the client (or the studio) at any
    time: it is then detached at Stripe and never charged again."""

    booking = models.OneToOneField(
        Booking, on_delete=models.CASCADE, related_name="saved_card", verbose_name=_("booking")
    )
    stripe_customer_id = models.CharField(max_length=255)
    stripe_payment_method_id = models.CharField(max_length=255)
    brand = models.CharField(_("card"), max_length=30, blank=True)
    last4 = models.CharField(_("ending"), max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    consented_at = models.DateTimeField(_("consent given"))
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("saved card")
        verbose_name_plural = _("saved cards")

    def __str__(self) -> str:
        return f"{self.brand.title()} •••• {self.last4}".strip()

    @property
    def active(self) -> bool:
        return self.removed_at is None
