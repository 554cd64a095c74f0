from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from studio.fields import CurrencyField
from studio.models import Photographer


class SessionType(models.Model):
    """A kind of portrait session a client can book: a headshot, a family session..."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("web address"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    currency = CurrencyField(_("currency"))
    # Money: integer minor units (pence, cents) of `currency`.
    price = models.PositiveIntegerField(_("price"))
    deposit = models.PositiveIntegerField(_("deposit"), default=0)
    photographers = models.ManyToManyField(
        Photographer, related_name="session_types", verbose_name=_("photographers"), blank=True
    )
    is_active = models.BooleanField(_("bookable"), default=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("session type")
        verbose_name_plural = _("session types")
        ordering = ["display_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deposit__lte=F("price")),
                name="session_type_deposit_within_price",
                violation_error_message=_("The deposit cannot be more than the price."),
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="session_type_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AvailabilityRule(models.Model):
    """Weekly working hours of a photographer, in the studio's local time."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    photographer = models.ForeignKey(
        Photographer,
        on_delete=models.CASCADE,
        related_name="availability_rules",
        verbose_name=_("photographer"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")
        ordering = ["photographer", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="availability_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="availability_valid_range",
            ),
        ]

    def __str__(self) -> str:
        hours = f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"
        return f"{self.photographer}: {self.get_weekday_display()} {hours}"
