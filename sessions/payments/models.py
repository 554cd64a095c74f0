"""Money: payments through Stripe Checkout or recorded by the studio (a bank transfer, cash),
their refunds, and Stripe's webhook events. Their app is still `shoots` (the tables are
unchanged); `sessions.models` imports them so they load with it."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sessions.models.booking import Booking
from studio.fields import CurrencyField
from studio.models import ActedBy


class Payment(ActedBy):
    """Money a client pays for a booking: the deposit, the balance, or extra images. Paid by
    card through Stripe Checkout (`method` card), whose webhook is the source of truth for
    its status; or received by the studio another way (a bank transfer, cash, a card
    terminal) and recorded by a staff member, received from the start. Its actor is who
    asked for it (the client booking, a staff member, Sitting's balance scan), or, for money
    the studio recorded, the staff member who recorded it.

    `amount` is what Sitting expects (recomputed for a balance when a page is opened);
    `amount_received` and `currency_received` are what Stripe says it collected, set when
    the payment is seen paid, or the amount the studio recorded. Every sum of money received
    uses the latter. `paid_at` is when it was paid: for a recorded payment, when the studio
    says the money arrived."""

    class Method(models.TextChoices):
        CARD = "card", _("Card (online)")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CASH = "cash", _("Cash")
        CARD_TERMINAL = "card_terminal", _("Card terminal")
        OTHER = "other", _("Other")

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit")
        BALANCE = "balance", _("Balance")
        EXTRAS = "extras", _("Extra images")
        INSTALLMENT = "installment", _("Installment")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for payment")
        PROCESSING = "processing", _("Paid by bank, not yet cleared")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Not paid in time")
        REFUNDED = "refunded", _("Refunded")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partly refunded")

    # Money was received: what a payment in one of these statuses brought in, before refunds.
    RECEIVED_STATUSES = (Status.PAID, Status.PARTIALLY_REFUNDED, Status.REFUNDED)

    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, related_name="payments", verbose_name=_("booking")
    )
    kind = models.CharField(_("for"), max_length=12, choices=Kind.choices)
    amount = models.PositiveIntegerField(_("amount"))
    currency = CurrencyField(_("currency"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    amount_received = models.PositiveIntegerField(_("received"), null=True, blank=True)
    currency_received = CurrencyField(_("currency received"), blank=True)
    amount_refunded = models.PositiveIntegerField(_("refunded"), default=0)
    method = models.CharField(
        _("paid by"), max_length=20, choices=Method.choices, default=Method.CARD
    )
    # What identifies a payment recorded by the studio: a bank reference, a receipt number.
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    stripe_checkout_session_id = models.CharField(
        _("Stripe Checkout Session"), max_length=255, unique=True, null=True, blank=True
    )
    stripe_payment_intent_id = models.CharField(
        _("Stripe PaymentIntent"), max_length=255, unique=True, null=True, blank=True
    )
    checkout_url = models.URLField(max_length=2000, blank=True, editable=False)
    # Where Checkout sends the client back (a path on this site); empty: the booking's page.
    return_path = models.CharField(max_length=300, blank=True, editable=False)
    checkout_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Numbers each Checkout Session made for this payment, for its idempotency key.
    checkout_attempt = models.PositiveSmallIntegerField(default=0, editable=False)
    # The client agreed, when paying this, to keep their card for the booking's installments.
    save_card = models.BooleanField(default=False, editable=False)
    failure_reason = models.CharField(_("why it failed"), max_length=300, blank=True)
    disputed_at = models.DateTimeField(_("disputed"), null=True, blank=True)
    stripe_dispute_id = models.CharField(_("Stripe dispute"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        # Money leaving or asked for: refunds, balance requests, cancelling with a refund.
        permissions = [("manage_payments", _("Can ask clients to pay and give refunds"))]
        indexes = [models.Index(fields=["status", "paid_at"], name="payment_status_paid")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded=0) | Q(amount_refunded__lte=F("amount_received")),
                name="payment_refund_within_received",
            ),
            # Money counted as received is always Stripe's figure (or, for money the studio
            # recorded, the amount it recorded), never the amount asked.
            models.CheckConstraint(
                condition=~Q(status__in=["paid", "partially_refunded", "refunded"])
                | (Q(amount_received__isnull=False) & ~Q(currency_received="")),
                name="payment_received_from_stripe",
            ),
            # Money the studio recorded is received in full the moment it is recorded, and
            # Stripe knows nothing of it: no Stripe id may make it look like a card payment.
            # The one row neither online nor received: extra photos owed to the studio
            # (payments off), until recorded (or closed, its selection reopened).
            models.CheckConstraint(
                condition=Q(method="card")
                | (
                    Q(status__in=["paid", "partially_refunded", "refunded"])
                    & Q(amount_received=F("amount"), currency_received=F("currency"))
                )
                | Q(kind="extras", status__in=["pending", "expired"], amount_received__isnull=True),
                name="payment_recorded_received_in_full",
            ),
            models.CheckConstraint(
                condition=Q(method="card")
                | Q(
                    stripe_checkout_session_id__isnull=True,
                    stripe_payment_intent_id__isnull=True,
                    stripe_dispute_id="",
                    checkout_url="",
                ),
                name="payment_recorded_not_stripe",
            ),
            # Retrying a deposit reuses its payment: a booking never owes two deposits.
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(kind="deposit"),
                name="payment_one_deposit_per_booking",
            ),
            models.UniqueConstraint(
                fields=["booking", "kind"],
                condition=Q(status="pending", kind="balance"),
                name="payment_one_open_balance_per_booking",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.booking.reference}"

    @property
    def recorded(self) -> bool:
        """Received by the studio outside Sitting and recorded by staff: not Stripe's."""
        return self.method != self.Method.CARD

    @property
    def owed_to_studio(self) -> bool:
        """Waiting to be paid to the studio itself, not online (extra photos chosen while
        payments are off): recorded by staff when it comes. `owed_to_studio_q` in a query."""
        return self.status == self.Status.PENDING and self.method != self.Method.CARD

    @classmethod
    def owed_to_studio_q(cls) -> Q:
        return Q(status=cls.Status.PENDING) & ~Q(method=cls.Method.CARD)

    @property
    def net_received(self) -> int:
        """What the studio keeps of this payment so far, in the payment's currency. Money
        Stripe took in another currency is not added to it (it is flagged instead)."""
        if self.status not in self.RECEIVED_STATUSES or self.currency_received != self.currency:
            return 0
        return self.amount_received - self.amount_refunded

    @property
    def display_amount(self) -> int:
        """The amount to show a person: what Stripe took once it has, else what is asked."""
        return self.amount if self.amount_received is None else self.amount_received

    @property
    def display_currency(self) -> str:
        return self.currency_received or self.currency

    @property
    def received_differs(self) -> bool:
        """Stripe took another amount or currency than Sitting expected for this payment."""
        return self.status in self.RECEIVED_STATUSES and (
            self.amount_received != self.amount or self.currency_received != self.currency
        )


# Payments whose `received_differs`, as a filter.
PAYMENT_RECEIVED_DIFFERS = Q(status__in=Payment.RECEIVED_STATUSES) & (
    ~Q(amount_received=F("amount")) | ~Q(currency_received=F("currency"))
)


class Refund(ActedBy):
    """Money given back on a payment: asked for by Sitting, or made in Stripe's dashboard;
    for a payment the studio recorded, given back by the studio itself and recorded here."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Being sent to Stripe")
        PENDING = "pending", _("Sent, waiting for the bank")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")

    class Reason(models.TextChoices):
        CANCELLATION = "cancellation", _("Booking cancelled")
        LATE_PAYMENT = "late_payment", _("Paid after the time was released")
        STUDIO = "studio", _("Refunded by the studio")
        STRIPE = "stripe", _("Made in the Stripe dashboard")
        DUPLICATE = "duplicate", _("Paid twice")
        WITHDRAWN = "withdrawn", _("Paid for a selection the client had changed")

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    amount = models.PositiveIntegerField(_("amount"))
    currency = CurrencyField(_("currency"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    stripe_refund_id = models.CharField(
        _("Stripe refund"), max_length=255, unique=True, null=True, blank=True
    )
    # Set only for a second payment made for the same thing (two payment pages paid):
    # that PaymentIntent is refunded, not the payment's own.
    stripe_payment_intent_id = models.CharField(
        _("Stripe PaymentIntent refunded"), max_length=255, blank=True
    )
    failure_reason = models.CharField(_("why it failed"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("asked for"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.payment}"


class StripeEvent(models.Model):
    """A webhook event from Stripe, recorded (unique id) so that each is acted on once."""

    event_id = models.CharField(_("event"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    livemode = models.BooleanField(_("live"), default=False)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    # Null while a request is acting on it; a claim left by a crashed request goes stale.
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    payment = models.ForeignKey(
        Payment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stripe_events",
        verbose_name=_("payment"),
    )
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
