"""Model fields whose choices come from the running system, not from migrations.

The list of time zones follows the installed tz database and currency names follow Babel;
as model `choices` they would be frozen into migrations and a routine upgrade of either
would make `makemigrations --check` fail. Here the database column is plain text, the
value is validated, and forms offer the current list.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from studio.money import CURRENCY_CHOICES, CURRENCY_CODES
from studio.timezones import TIME_ZONE_CHOICES, TIME_ZONE_NAMES


def validate_time_zone(value: str) -> None:
    if value not in TIME_ZONE_NAMES:
        raise ValidationError(
            _("“%(value)s” is not a time zone. Choose one such as Europe/London."),
            params={"value": value},
        )


def validate_currency(value: str) -> None:
    if value not in CURRENCY_CODES:
        raise ValidationError(
            _("“%(value)s” is not a currency Sitting can take payments in."),
            params={"value": value},
        )


class _ChoiceFromSystemField(models.CharField):
    form_choices: list[tuple[str, str]] = []
    default_max_length = 0

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", self.default_max_length)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        # A select whatever text widget the caller (the admin) proposes for a CharField.
        return forms.ChoiceField(
            choices=self.form_choices,
            label=capfirst(self.verbose_name),
            help_text=self.help_text,
            required=not self.blank,
            initial=kwargs.get("initial"),
        )


class TimeZoneField(_ChoiceFromSystemField):
    default_validators = [validate_time_zone]
    form_choices = TIME_ZONE_CHOICES
    default_max_length = 64


class CurrencyField(_ChoiceFromSystemField):
    default_validators = [validate_currency]
    form_choices = CURRENCY_CHOICES
    default_max_length = 3
