"""Times on the studio's clock, marked up so static/js/local-times.js can add the visitor's
own beside them ("10:00 in London · 05:00 your time") when their device is in another zone.
Without the script, or in the studio's zone, the studio's time is all that shows."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import time_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def zone_city(zone: str) -> str:
    """The place a zone is named after: "Europe/London" → "London",
    "America/Argentina/Buenos_Aires" → "Buenos Aires", "UTC" → "UTC"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


@register.simple_tag
def studio_time(starts_at: datetime, ends_at: datetime | None = None, *, zone_label=False):
    """A time ("10:00") or range ("10:00–11:00") on the active zone's clock, which is the
    studio's on every client page; `zone_label` adds "(Europe/London)" for pages with no
    note about the zone."""
    tz = timezone.get_current_timezone()
    shown = time_format(timezone.localtime(starts_at, tz), "H:i")
    if ends_at is not None:
        shown += "–" + time_format(timezone.localtime(ends_at, tz), "H:i")
    both = _("%(time)s in %(city)s · {local} your time") % {
        "time": shown,
        "city": zone_city(tz.key),
    }
    return format_html(
        '<span class="zoned-time" data-studio-zone="{}" data-starts="{}" data-ends="{}"'
        ' data-both="{}"><span class="studio-time">{}</span>{}</span>',
        tz.key,
        starts_at.isoformat(),
        ends_at.isoformat() if ends_at else "",
        both,
        shown,
        format_html(' <span class="small text-body-secondary zone-label">({})</span>', tz.key)
        if zone_label
        else "",
    )
