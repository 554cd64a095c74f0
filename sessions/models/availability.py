"""When photographers work: weekly hours, hours on dates, outside calendars and time off."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext_lazy as _

from sessions.models.booking import SessionType
from sessions.models.slot_version import SlotDataQuerySet
from studio.dates import studio_time_text
from studio.models import Photographer
from studio.validators import within_years


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
    valid_from = models.DateField(_("valid from"), null=True, blank=True, validators=[within_years])
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, validators=[within_years]
    )

    objects = SlotDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")
        ordering = ["photographer", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="availability_ends_after_start",
                violation_error_message=_("The end must come after the start."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="availability_valid_range",
                violation_error_message=_("“Valid until” comes before “valid from”."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.photographer}: {self.get_weekday_display()} {self.hours_text()}"

    def hours_text(self) -> str:
        return f"{time_format(self.start_time, 'H:i')}–{time_format(self.end_time, 'H:i')}"

    def clean(self) -> None:
        """Hours that overlap the same photographer's hours on the same weekday, while both
        apply, are refused with the ones they overlap: the calendar would join them without a
        word, and a studio that typed them almost always meant to change the first."""
        super().clean()
        if not (self.photographer_id and self.start_time and self.end_time) or (
            self.weekday is None or self.start_time >= self.end_time
        ):
            return
        overlapping = AvailabilityRule.objects.filter(
            photographer_id=self.photographer_id,
            weekday=self.weekday,
            start_time__lt=self.end_time,
            end_time__gt=self.start_time,
        ).exclude(pk=self.pk)
        if self.valid_until:
            overlapping = overlapping.filter(
                Q(valid_from__isnull=True) | Q(valid_from__lte=self.valid_until)
            )
        if self.valid_from:
            overlapping = overlapping.filter(
                Q(valid_until__isnull=True) | Q(valid_until__gte=self.valid_from)
            )
        other = overlapping.order_by("start_time").first()
        if other is None:
            return
        dates = ""
        if other.valid_from or other.valid_until:
            dates = f" ({other.dates_text()})"
        raise ValidationError(
            _(
                "These hours overlap %(name)s's %(weekday)s hours, %(hours)s%(dates)s. Change "
                "those hours instead, or give each their own dates."
            )
            % {
                "name": other.photographer,
                "weekday": other.get_weekday_display(),
                "hours": other.hours_text(),
                "dates": dates,
            }
        )

    def dates_text(self) -> str:
        """When the hours apply, in words: "from 1 June 2026 until 31 August 2026"."""
        parts = []
        if self.valid_from:
            parts.append(_("from %(day)s") % {"day": date_format(self.valid_from, "j F Y")})
        if self.valid_until:
            parts.append(_("until %(day)s") % {"day": date_format(self.valid_until, "j F Y")})
        return " ".join(str(part) for part in parts)


class DateHours(models.Model):
    """Hours on one date: extra hours, a day's replacement hours, or a mini-session day.

    With a session type, the hours are for that type only (and are the only hours a
    "dated only" type is offered in). Without one, they are a photographer's hours for
    any session type they offer.
    """

    photographer = models.ForeignKey(
        Photographer,
        on_delete=models.CASCADE,
        related_name="date_hours",
        verbose_name=_("photographer"),
    )
    session_type = models.ForeignKey(
        SessionType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="date_hours",
        verbose_name=_("only for session type"),
    )
    date = models.DateField(_("date"), validators=[within_years])
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    replaces_weekly = models.BooleanField(
        _("replaces the weekly hours"),
        default=False,
        help_text=_("Tick to work only these hours that day; leave unticked to add them."),
    )
    label = models.CharField(_("label"), max_length=120, blank=True)

    objects = SlotDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("hours on a date")
        verbose_name_plural = _("hours on dates")
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="date_hours_ends_after_start",
                violation_error_message=_("The end must come after the start."),
            ),
        ]

    def __str__(self) -> str:
        day = date_format(self.date, "j M Y")
        hours = f"{time_format(self.start_time, 'H:i')}–{time_format(self.end_time, 'H:i')}"
        return f"{self.photographer}: {day} {hours}"


class ExternalCalendar(models.Model):
    """A photographer's own calendar (Google, Apple, Outlook), read by its iCalendar address:
    its busy events become time off, refreshed by beat (sessions.calendar_feeds)."""

    photographer = models.ForeignKey(
        Photographer,
        on_delete=models.CASCADE,
        related_name="external_calendars",
        verbose_name=_("photographer"),
    )
    name = models.CharField(_("name"), max_length=80, help_text=_("e.g. Personal"))
    url = models.CharField(
        _("iCalendar address"),
        max_length=1000,
        help_text=_("The calendar's secret address in iCal format (https:// or webcal://)."),
    )
    synced_at = models.DateTimeField(_("last read"), null=True, blank=True, editable=False)
    busy_count = models.PositiveIntegerField(_("busy times"), default=0, editable=False)
    problem = models.CharField(_("problem"), max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SlotDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("outside calendar")
        verbose_name_plural = _("outside calendars")
        ordering = ["photographer", "name"]

    def __str__(self) -> str:
        return f"{self.photographer}: {self.name}"


class TimeOff(models.Model):
    """A blocked period: one photographer's, or the whole studio's when no photographer.
    Rows from an outside calendar are replaced each time it is read."""

    photographer = models.ForeignKey(
        Photographer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="time_off",
        verbose_name=_("photographer"),
        help_text=_("Leave empty to close the whole studio."),
    )
    starts_at = models.DateTimeField(_("from"), validators=[within_years])
    ends_at = models.DateTimeField(_("until"), validators=[within_years])
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    external_calendar = models.ForeignKey(
        ExternalCalendar,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="busy_times",
        verbose_name=_("from the calendar"),
    )

    objects = SlotDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="time_off_ends_after_start",
                violation_error_message=_("The end must come after the start."),
            ),
        ]

    def __str__(self) -> str:
        who = self.photographer or _("Studio")
        return f"{who}: {studio_time_text(self.starts_at)} – {studio_time_text(self.ends_at)}"
