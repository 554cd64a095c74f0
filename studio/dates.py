"""Dates and times for people to read: Django's localisation, on the studio's clock."""

import zoneinfo
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format

from studio.selectors import studio_get


def studio_time_text(moment: datetime) -> str:
    """`moment` as "3 Jun 2026, 14:05" on the studio's clock, month names in the active
    language, whichever zone is active (a worker's, the shell's). Queries the studio."""
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(studio_get().time_zone))
    return date_format(local, "j M Y, H:i")


def studio_date_text(moment: datetime) -> str:
    """`moment`'s day on the studio's clock, as "3 June 2026". Queries the studio."""
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(studio_get().time_zone))
    return date_format(local, "j F Y")
