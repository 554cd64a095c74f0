"""British English as Sitting writes it: Django's own, with the 24-hour clock the rest of
Sitting uses (emails, calendars, client pages), so the admin never mixes "17:52" with
"5:52 p.m."."""

from django.conf.locale.en_GB.formats import *  # noqa: F403

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
