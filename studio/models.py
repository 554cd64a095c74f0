import secrets
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studio.actors import ActorKind, actor_kind_default, actor_user_default
from studio.fields import CurrencyField, TimeZoneField


def branding_upload_to(instance: models.Model, filename: str) -> str:
    # The server names the file; the uploaded name is never trusted as a path.
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"branding/{secrets.token_hex(8)}{suffix}"


class ActedBy(models.Model):
    """Who made this row: a staff member, the client, Sitting itself or Stripe, taken from
    the current actor (studio.actors) unless given. Rows from before it was recorded: blank."""

    actor = models.CharField(
        _("by"), max_length=10, choices=ActorKind.choices, blank=True, default=actor_kind_default
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        default=actor_user_default,
        verbose_name=_("staff member"),
    )

    class Meta:
        abstract = True

    @property
    def actor_label(self) -> str:
        """ "Maya Lind", "the client", "Sitting", "Stripe", or "" when not recorded. Queries
        the user unless it was selected with the row."""
        if self.actor == ActorKind.STAFF:
            user = self.actor_user
            if user is None:
                return str(_("a former staff member"))
            return user.get_full_name() or user.get_username()
        if self.actor == ActorKind.CLIENT:
            return str(_("the client"))
        return str(self.get_actor_display()) if self.actor else ""

    actor_label.fget.short_description = _("by")  # its column heading in the admin


class Studio(models.Model):
    """The one studio this deployment runs. There is exactly one row, id 1."""

    name = models.CharField(_("studio name"), max_length=120)
    intro = models.TextField(
        _("introduction"),
        blank=True,
        max_length=3000,
        help_text=_("A few sentences for the home page: who you are and how you photograph."),
    )
    time_zone = TimeZoneField(_("time zone"))
    currency = CurrencyField(
        _("currency"), help_text=_("New session types are priced in this currency.")
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.TextField(_("address"), blank=True, max_length=500)
    policies = models.TextField(
        _("booking policies"),
        blank=True,
        max_length=10_000,
        help_text=_("Deposits, rescheduling and cancellation: clients agree to this when booking."),
    )
    payment_instructions = models.TextField(
        _("how to pay"),
        blank=True,
        max_length=2000,
        help_text=_(
            "Without online payments, told to clients asked for a balance, e.g. “Bank "
            "transfer to Lumen Portraits, sort code 12-34-56, account 12345678, or cash on "
            "the day.”"
        ),
    )
    logo = models.ImageField(_("logo"), upload_to=branding_upload_to, blank=True)
    brand_colour = models.CharField(
        _("brand colour"),
        max_length=7,
        default="#8a5a44",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a hex colour such as #8a5a44."))],
        help_text=_(
            "Used for buttons and accents on your pages and in the emails clients receive; "
            "a light colour is darkened wherever text must stay readable."
        ),
    )
    cancellation_cutoff_hours = models.PositiveSmallIntegerField(
        _("changes allowed until (hours before)"),
        default=48,
        help_text=_(
            "Clients can reschedule or cancel online until this many hours before a session."
        ),
    )
    cancellation_refund_percent = models.PositiveSmallIntegerField(
        _("deposit refunded on cancellation (%)"),
        default=100,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "How much of the deposit a client gets back when they cancel in time. "
            "After the cut-off above the deposit is kept."
        ),
    )
    waitlist_offer_hours = models.PositiveSmallIntegerField(
        _("a freed time is held for the waitlist (hours)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
        help_text=_(
            "When a full day's time frees up, the first person on its waitlist is emailed and "
            "the time is kept for them this long before the next person is offered it."
        ),
    )
    face_features = models.BooleanField(
        _("find faces in galleries"),
        default=True,
        help_text=_(
            "Finds faces in each gallery, on this server only, to flag closed eyes and to let "
            "clients filter a gallery by person. Faces are never compared across galleries. "
            "Turn this off and every face found so far is deleted."
        ),
    )
    questionnaire_cutoff_hours = models.PositiveSmallIntegerField(
        _("questionnaire answers may change until (hours before)"),
        default=24,
        help_text=_("After this, clients see their answers but can no longer change them."),
    )
    reminder_days = models.CharField(
        _("session reminders (days before)"),
        max_length=40,
        default="7, 1",
        validators=[
            RegexValidator(r"^\s*\d{1,2}(\s*,\s*\d{1,2})*\s*$", _("Numbers of days, e.g. 7, 1"))
        ],
        help_text=_(
            "Emails reminding clients of their session, at the same time of day. Leave empty "
            "for none. Never sent between 21:00 and 08:00: held until the morning."
        ),
        blank=True,
    )
    favorites_nudge_days = models.PositiveSmallIntegerField(
        _("favorites reminder (days after publishing)"),
        default=7,
        validators=[MaxValueValidator(60)],
        help_text=_(
            "If the client hasn't sent their selection this long after the gallery opened, "
            "they get a friendly reminder. 0 for none."
        ),
    )
    questionnaire_nudge_days = models.PositiveSmallIntegerField(
        _("questionnaire reminder (days before)"),
        default=5,
        validators=[MaxValueValidator(60)],
        help_text=_(
            "If the questionnaire isn't sent by then, the client is reminded; and once more the "
            "day before it closes. 0 for no reminders."
        ),
    )
    documents_due_hours = models.PositiveSmallIntegerField(
        _("documents signed by (hours before the session)"),
        default=48,
        validators=[MaxValueValidator(720)],
        help_text=_(
            "Clients are asked to sign their contract and releases by this many hours before "
            "the session; reminders stop then."
        ),
    )
    documents_nudge_days = models.PositiveSmallIntegerField(
        _("documents reminder (days after sending)"),
        default=2,
        validators=[MaxValueValidator(60)],
        help_text=_(
            "If a required document is still unsigned this many days after it was sent, the "
            "client is reminded; and once more the day before the sign-by time. 0 for no "
            "reminders."
        ),
    )
    watermark = models.ImageField(
        _("watermark"),
        upload_to=branding_upload_to,
        blank=True,
        help_text=_("A PNG with transparency works best; it is laid over proofing previews."),
    )
    watermark_position = models.CharField(
        _("watermark position"),
        max_length=12,
        default="center",
        choices=[
            ("center", _("Centre")),
            ("bottom-right", _("Bottom right")),
            ("bottom-left", _("Bottom left")),
            ("top-right", _("Top right")),
            ("top-left", _("Top left")),
        ],
    )
    watermark_opacity = models.PositiveSmallIntegerField(
        _("watermark strength (%)"), default=40, validators=[MaxValueValidator(100)]
    )
    watermark_scale = models.PositiveSmallIntegerField(
        _("watermark width (% of the photo)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(100)],
    )
    share_pin_digits = models.PositiveSmallIntegerField(
        _("share link PINs (digits)"),
        default=6,
        validators=[MinValueValidator(6), MaxValueValidator(12)],
        help_text=_(
            "How many digits a new share link PIN has. Links given a PIN earlier keep theirs. "
            "With 6 digits, guessing takes centuries from one connection."
        ),
    )
    tax_name = models.CharField(
        _("tax name"),
        max_length=20,
        blank=True,
        help_text=_("VAT, GST, sales tax… Leave empty if you don't charge tax."),
    )
    # Basis points: 2000 is 20%, 550 is 5.5% (studio.tax).
    tax_rate = models.PositiveIntegerField(
        _("tax rate"), default=0, validators=[MaxValueValidator(10_000)]
    )
    prices_include_tax = models.BooleanField(
        _("prices include tax"),
        default=True,
        help_text=_(
            "Ticked: the prices you enter are what clients pay, tax included. Unticked: tax "
            "is added on top of them."
        ),
    )
    tax_number = models.CharField(
        _("tax number"),
        max_length=40,
        blank=True,
        help_text=_("Your VAT or tax registration number, printed on invoices."),
    )
    invoice_prefix = models.CharField(
        _("invoice numbers start with"), max_length=12, default="INV-", blank=True
    )
    credit_note_prefix = models.CharField(
        _("credit note numbers start with"), max_length=12, default="CN-", blank=True
    )
    gift_voucher_amounts = models.CharField(
        _("gift voucher amounts"),
        max_length=100,
        default="50, 100, 200",
        blank=True,
        help_text=_(
            "Amounts offered on the gift voucher page, in whole units of your currency, "
            "separated by commas. Buyers may also type an amount between the two below."
        ),
    )
    gift_voucher_min = models.PositiveIntegerField(_("smallest gift voucher"), default=25)
    gift_voucher_max = models.PositiveIntegerField(_("largest gift voucher"), default=1000)
    gift_voucher_months = models.PositiveSmallIntegerField(
        _("gift vouchers valid for (months)"),
        default=24,
        help_text=_("From the day of purchase. Two years is usual in the UK."),
    )
    # The next numbers to give: read and raised under this row's lock, in the transaction that
    # issues the document, so numbers have no gaps and no duplicates (sessions.payments.invoices).
    invoice_next_number = models.PositiveIntegerField(default=1, editable=False)
    credit_note_next_number = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("studio")
        verbose_name_plural = _("studio")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="studio_single_row"),
            models.CheckConstraint(
                condition=Q(cancellation_refund_percent__lte=100),
                name="studio_refund_percent_max_100",
            ),
            models.CheckConstraint(condition=Q(tax_rate__lte=10_000), name="studio_tax_rate_max"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)


class SentEmail(ActedBy):
    """Every email Sitting sends, keyed so that a given email about a given thing goes once.

    The key names the email and its subject, e.g. "booking:42:cancelled:3". It is claimed
    (inserted, status "sending") before the mail server is asked; the row then says "sent", or
    "failed" with the error, and a failed row is claimed again by the retry. A row left in
    "sending" (its worker died mid-send) is never re-sent by itself: it may have gone, so the
    studio sees it as unconfirmed and can send it again. The message is kept for the log and
    for sending again; erasing a client blanks it. Its actor is Sitting, or the staff member
    who pressed Send again.
    """

    class Status(models.TextChoices):
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(_("email"), max_length=40, blank=True, db_index=True)
    to = models.CharField(_("to"), max_length=300)
    subject = models.CharField(_("subject"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SENT
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    created_at = models.DateTimeField(_("first tried"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("last tried"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    reply_to = models.CharField(max_length=300, blank=True)
    text_body = models.TextField(_("text"), blank=True)
    html_body = models.TextField(_("HTML"), blank=True)
    # [{"filename", "mimetype", "content" (base64)}]: calendar invites, a few kilobytes.
    attachments = models.JSONField(default=list, blank=True)
    resend_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resends",
        verbose_name=_("sent again from"),
    )

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["-created_at"]
        permissions = [("resend_sentemail", _("Can send an email again"))]
        indexes = [models.Index(fields=["status", "updated_at"], name="sentemail_status_idx")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"

    @property
    def unconfirmed(self) -> bool:
        """Still "sending" long after it was tried: its worker stopped mid-send."""
        from datetime import timedelta

        return self.status == self.Status.SENDING and self.updated_at < timezone.now() - (
            timedelta(minutes=15)
        )


def sent_emails_field(*, about: str, about_plural: str) -> models.ManyToManyField:
    """The field by which a model above files emails under its rows (`Booking.sent_emails`):
    `SentEmail.objects.filter(<about>=row)` and `email.<about_plural>` read it. The log
    itself points at nothing above it; `email_send_once` adds the links."""
    return models.ManyToManyField(
        "studio.SentEmail",
        related_name=about_plural,
        related_query_name=about,
        editable=False,
        verbose_name=_("emails"),
    )


class EmailTemplate(models.Model):
    """The studio's choices for one kind of email: whether it goes at all, and, for the
    main ones, its own wording with {placeholders}. Blank wording means Sitting's own."""

    kind = models.CharField(_("email"), max_length=40, unique=True)
    enabled = models.BooleanField(
        _("send this email"),
        default=True,
        help_text=_("Untick to stop sending it. Emails already sent are not affected."),
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    heading = models.CharField(_("heading"), max_length=200, blank=True)
    body = models.TextField(
        _("message"),
        blank=True,
        max_length=10_000,
        help_text=_(
            "Leave a blank line between paragraphs. A paragraph that uses a placeholder with "
            "nothing to show (say, no deadline was set) is left out."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("email wording and switch")
        verbose_name_plural = _("emails to send")
        ordering = ["kind"]

    def __str__(self) -> str:
        # Not at the top: studio.email_kinds imports this module.
        from studio.email_kinds import KINDS

        return str(KINDS[self.kind].label) if self.kind in KINDS else self.kind


def feed_token() -> str:
    return secrets.token_urlsafe(32)


class Photographer(models.Model):
    """A staff member who photographs sessions."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="photographer",
        verbose_name=_("staff account"),
    )
    display_name = models.CharField(_("display name"), max_length=80)
    bio = models.TextField(_("short bio"), blank=True, max_length=2000)
    calendar_colour = models.CharField(
        _("calendar colour"),
        max_length=7,
        default="#3d6b8e",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a hex colour such as #3d6b8e."))],
    )
    is_active = models.BooleanField(
        _("taking bookings"),
        default=True,
        help_text=_("Untick to stop offering this photographer for new bookings."),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    # The secret in the photographer's calendar subscription address; a new one cuts off
    # every calendar app that had the old.
    calendar_feed_token = models.CharField(
        max_length=64, unique=True, default=feed_token, editable=False
    )
    max_sessions_per_day = models.PositiveSmallIntegerField(
        _("at most sessions per day"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit."),
    )

    class Meta:
        verbose_name = _("photographer")
        verbose_name_plural = _("photographers")
        ordering = ["display_order", "display_name"]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        if self.user_id and not self.user.is_staff:
            raise ValidationError(
                {"user": _("Photographers sign in to the studio admin: tick “Staff status” first.")}
            )


class QueuedTask(models.Model):
    """A Celery task, written in the transaction that asked for it and deleted once the
    broker has it (`studio.background`). A row still here was never handed over: the broker
    was down, or the process stopped between commit and sending; beat's sweep sends it."""

    task_id = models.CharField(_("task id"), max_length=36, unique=True)
    name = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(_("asked for"), default=timezone.now)
    send_after = models.DateTimeField(_("sweep may send after"), db_index=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("task waiting for the queue")
        verbose_name_plural = _("tasks waiting for the queue")

    def __str__(self) -> str:
        return f"{self.name}[{self.task_id}]"
