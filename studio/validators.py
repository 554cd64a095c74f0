"""Validators shared by models and forms."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Dates people may type: beyond these the arithmetic around them (the end of a day in the
# studio's zone, a session's buffers, the days a search reads) leaves what Python can hold.
FIRST_YEAR, LAST_YEAR = 1901, 2199
FAR_OFF = _("That date is too far off: choose one between 1901 and 2199.")


@deconstructible
class WithinYears:
    """A date (or datetime) between FIRST_YEAR and LAST_YEAR."""

    def __call__(self, value: date) -> None:
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValidationError(FAR_OFF, code="far")

    def __eq__(self, other) -> bool:
        return isinstance(other, WithinYears)


within_years = WithinYears()
