"""Session types, availability and bookings."""

import secrets
from datetime import timedelta
from pathlib import PurePath

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from sessions.models.slot_version import SlotDataQuerySet
from sessions.overlap import BOOKING_OVERLAP_CONSTRAINT
from studio.fields import CurrencyField
from studio.models import ActedBy, Photographer, sent_emails_field


def cover_upload_to(instance: models.Model, filename: str) -> str:
    # Not under branding/ (public): the file as uploaded still has its camera's metadata.
    return f"covers/{secrets.token_hex(8)}{PurePath(filename).suffix.lower()[:8]}"


class SessionType(models.Model):
    """A kind of portrait session a client can book: a headshot, a family session..."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("web address"), max_length=100, unique=True)
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=5000,
        help_text=_("Markdown: **bold**, *italic*, lists and links work."),
    )
    cover = models.ImageField(
        _("cover picture"),
        upload_to=cover_upload_to,
        blank=True,
        help_text=_(
            "Shown on the home page and the booking pages; a landscape photograph works best."
        ),
    )
    # The cover as pages show it, made by the photo pipeline (gallery.public_images) from `cover`
    # (its name kept in cover_made_from): upright, sRGB, no metadata, two sizes.
    cover_large = models.FileField(max_length=200, blank=True, editable=False)
    cover_medium = models.FileField(max_length=200, blank=True, editable=False)
    cover_made_from = models.CharField(max_length=200, blank=True, editable=False)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        help_text=_("A package or an add-on can make a session longer or shorter."),
        validators=[MinValueValidator(1, _("A session lasts a minute at least."))],
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("buffer before (minutes)"),
        default=0,
        help_text=_("Time kept free before the session: setting up, changing the backdrop."),
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        _("buffer after (minutes)"),
        default=0,
        help_text=_("Time kept free after the session: a quick look at the pictures, a tidy."),
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        _("start times every (minutes)"),
        default=30,
        validators=[MinValueValidator(5)],
        help_text=_("Sessions can start every this many minutes from the start of the hours."),
    )
    minimum_notice_hours = models.PositiveSmallIntegerField(
        _("minimum notice (hours)"),
        default=24,
        help_text=_("How long before a session it can still be booked online."),
    )
    booking_window_days = models.PositiveSmallIntegerField(
        _("bookable up to (days ahead)"), default=90
    )
    max_per_day = models.PositiveSmallIntegerField(
        _("at most per photographer per day"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit."),
    )
    requires_approval = models.BooleanField(
        _("requires approval"),
        default=False,
        help_text=_("Clients request a time; the studio approves or declines it."),
    )
    dated_only = models.BooleanField(
        _("only on set dates"),
        default=False,
        help_text=_(
            "Offered only in its own dated hours (a mini-session day), not in weekly hours."
        ),
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    reminder_days = models.CharField(
        _("session reminders (days before)"),
        max_length=40,
        blank=True,
        validators=[
            RegexValidator(r"^\s*\d{1,2}(\s*,\s*\d{1,2})*\s*$", _("Numbers of days, e.g. 7, 1"))
        ],
        help_text=_("Leave empty to use the studio's reminders."),
    )
    cancellation_cutoff_hours = models.PositiveSmallIntegerField(
        _("changes allowed until (hours before)"),
        null=True,
        blank=True,
        help_text=_("Leave empty to use the studio's rule."),
    )
    # Money: integer minor units (pence, cents) of `currency`, for the type's packages and
    # add-ons (sessions.payments.catalogue).
    currency = CurrencyField(_("currency"))
    photographers = models.ManyToManyField(
        Photographer, related_name="session_types", verbose_name=_("photographers"), blank=True
    )
    is_active = models.BooleanField(_("bookable"), default=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    objects = SlotDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("session type")
        verbose_name_plural = _("session types")
        ordering = ["display_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0),
                name="session_type_duration_positive",
                violation_error_message=_("A session lasts a minute at least."),
            ),
            models.CheckConstraint(
                condition=Q(slot_step_minutes__gte=5), name="session_type_step_at_least_5"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def called(self) -> str:
        """The type as a sentence says it to a client: "your Family session", "a Headshot
        session", and "your Mini session" (a name that says "session" already)."""
        name = self.name.strip()
        if name.casefold().endswith(("session", "sessions")):
            return name
        return _("%(name)s session") % {"name": name}

    @property
    def a_called(self) -> str:
        """`called` after "a" or "an", as English says it: "a Family session", "an
        Engagement session"."""
        called = str(self.called)
        article = _("an") if called[:1].casefold() in "aeiou" else _("a")
        return f"{article} {called}"

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint on PostgreSQL; nothing elsewhere.

    SQLite has no exclusion constraints: there, booking_create serialises writers
    (BEGIN IMMEDIATE) and checks for overlaps inside the transaction instead.
    """

    def constraint_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using="default"):
        from django.db import connections

        if connections[using].vendor != "postgresql":
            return
        super().validate(model, instance, exclude=exclude, using=using)


class Booking(models.Model):
    """A portrait session booked by a client: the spine everything else hangs off."""

    class Status(models.TextChoices):
        HELD = "held", _("Held while paying")
        REQUESTED = "requested", _("Waiting for approval")
        CONFIRMED = "confirmed", _("Confirmed")
        COMPLETED = "completed", _("Completed")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Hold expired")

    # Statuses whose time is taken. A held booking past its hold_expires_at is not really
    # active: booking_create expires it before it takes the time.
    ACTIVE_STATUSES = (Status.HELD, Status.REQUESTED, Status.CONFIRMED)
    # Statuses of a booking that will not go ahead: nothing more is asked of its client.
    ENDED_STATUSES = (Status.CANCELLED, Status.DECLINED, Status.EXPIRED)

    reference = models.CharField(_("reference"), max_length=8, unique=True, editable=False)
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("client")
    )
    session_type = models.ForeignKey(
        SessionType,
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("session type"),
    )
    photographer = models.ForeignKey(
        Photographer,
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("photographer"),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # The time taken from the photographer's day: the session plus its buffers.
    blocked_from = models.DateTimeField(editable=False)
    blocked_until = models.DateTimeField(editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.HELD
    )
    hold_expires_at = models.DateTimeField(_("hold expires"), null=True, blank=True)
    client_notes = models.TextField(_("client's notes"), blank=True, max_length=2000)
    # What was typed when booking: anyone may book under a known address, and the client's
    # record is never changed from the public form (clients.services.client_get_or_create).
    booked_as = models.CharField(
        _("booked as"),
        max_length=120,
        blank=True,
        help_text=_("The name typed when booking; empty when the studio booked it."),
    )
    # Someone booking for another person (a gift, a child, a partner): who is photographed,
    # apart from who booked and is contacted. Empty when they booked for themselves.
    photographed_name = models.CharField(
        _("who is photographed"),
        max_length=120,
        blank=True,
        help_text=_("Empty when the person who booked is photographed."),
    )
    photographed_note = models.CharField(
        _("about them"),
        max_length=120,
        blank=True,
        help_text=_("e.g. my daughter, 4 years old"),
    )
    # Copied when booked, so later price changes never rewrite history: the price is the
    # sum of the booking's items (its package and add-ons), the rest comes from the package.
    package = models.ForeignKey(
        "shoots.Package",
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("package"),
    )
    currency = CurrencyField(_("currency"))
    price = models.PositiveIntegerField(_("price"))
    deposit = models.PositiveIntegerField(_("deposit"))
    included_images = models.PositiveSmallIntegerField(_("images included"), default=0)
    extra_image_price = models.PositiveIntegerField(_("price per extra image"), default=0)
    discount = models.PositiveIntegerField(
        _("discount"),
        default=0,
        help_text=_("Taken off the balance the client is asked to pay after the session."),
    )
    # A gift voucher is a way to pay, not a discount: the bill (and its tax) stays whole.
    gift_voucher_amount = models.PositiveIntegerField(
        _("paid by gift voucher"),
        default=0,
        editable=False,
        help_text=_("What a gift voucher paid; nothing while the booking is called off."),
    )
    created_at = models.DateTimeField(_("booked"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_by_staff = models.BooleanField(_("booked by the studio"), default=False)
    # Bumped whenever the time changes, so calendar apps update the same event.
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)
    sent_emails = sent_emails_field(about="booking", about_plural="bookings")

    objects = SlotDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["photographer", "starts_at"], name="booking_photographer_start"),
            models.Index(fields=["status", "hold_expires_at"], name="booking_status_hold"),
            # Pages that show a stretch of time (calendar, dashboard) read only it: "ends after
            # the first day shown" skips the years before, whatever the photographer.
            models.Index(fields=["starts_at"], name="booking_start"),
            models.Index(fields=["ends_at"], name="booking_end"),
            models.Index(fields=["created_at"], name="booking_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(blocked_from__lte=F("starts_at"), blocked_until__gte=F("ends_at")),
                name="booking_blocked_covers_session",
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(hold_expires_at__isnull=False),
                name="booking_held_has_expiry",
            ),
            models.CheckConstraint(
                condition=Q(discount__lte=F("price")), name="booking_discount_within_price"
            ),
            models.CheckConstraint(
                condition=Q(gift_voucher_amount__lte=F("price") - F("discount")),
                name="booking_voucher_within_total",
            ),
            PostgresExclusionConstraint(
                name=BOOKING_OVERLAP_CONSTRAINT,
                expressions=[
                    (TsTzRange("blocked_from", "blocked_until"), RangeOperators.OVERLAPS),
                    ("photographer", RangeOperators.EQUAL),
                ],
                condition=Q(status__in=["held", "requested", "confirmed"]),
                violation_error_message=_("That time was just taken."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.client.name} · {self.session_type}"

    @property
    def duration(self) -> timedelta:
        """How long the session lasts, as sold (its package and add-ons)."""
        return self.ends_at - self.starts_at

    @property
    def duration_minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    @property
    def total(self) -> int:
        return self.price - self.discount

    @property
    def booked_as_name(self) -> str:
        """The name this booking's emails and pages use: the one typed when booking, else
        the client's. Reads the client unless it was selected."""
        return self.booked_as or self.client.name

    @property
    def photographed(self) -> str:
        """Who is photographed, for people: the name given for someone else (with the note,
        if any), else the booked-as name."""
        if not self.photographed_name:
            return self.booked_as_name
        if self.photographed_note:
            return f"{self.photographed_name} ({self.photographed_note})"
        return self.photographed_name

    @property
    def name_for_studio(self) -> str:
        """The booked-as name, with the client record's when the two differ, and who is
        photographed when that is someone else."""
        return booking_name_for_studio(
            client_name=self.client.name,
            booked_as=self.booked_as,
            photographed_name=self.photographed_name,
            photographed_note=self.photographed_note,
        )


def booking_name_for_studio(
    *, client_name: str, booked_as: str, photographed_name: str, photographed_note: str
) -> str:
    """Booking.name_for_studio from plain values (a page listing bookings as values)."""
    name = client_name
    if booked_as and booked_as != client_name:
        name = _("%(booked_as)s (client record: %(client)s)") % {
            "booked_as": booked_as,
            "client": client_name,
        }
    if not photographed_name:
        return name
    photographed = (
        f"{photographed_name} ({photographed_note})" if photographed_note else photographed_name
    )
    return _("%(name)s, for %(photographed)s") % {"name": name, "photographed": photographed}


class BookingEvent(ActedBy):
    """A line in a booking's history: it was made, its status changed, or it moved. Written
    by sessions.history on every save that changes them, so no path can forget to; and a
    payment the studio recorded (`payment`), written by the service that records it."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("when"), default=timezone.now)
    status = models.CharField(_("status"), max_length=20, choices=Booking.Status.choices)
    starts_at = models.DateTimeField(_("session time"))
    moved = models.BooleanField(_("moved"), default=False)
    # A move's end and photographer, when it changed them (the calendar's drag): blank before.
    ends_at = models.DateTimeField(_("session end"), null=True, blank=True)
    photographer = models.ForeignKey(
        "studio.Photographer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("photographer"),
    )
    payment = models.ForeignKey(
        "shoots.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment recorded"),
    )

    class Meta:
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.status}"
