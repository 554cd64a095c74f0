"""Calendars both ways. Out: each photographer's bookings as an iCalendar subscription
(Google Calendar, Apple Calendar, Outlook), by a secret address. In: a photographer's own
calendars, read by beat; their busy events become time off, so the slot engine keeps clear
of them exactly as it does of any time off."""

import logging
import ssl
import urllib.error
import urllib.request
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from sessions.models import Booking, ExternalCalendar, TimeOff
from studio.models import Photographer

log = logging.getLogger(__name__)

FEED_PAST = timedelta(days=30)
FEED_STATUSES = (
    Booking.Status.HELD,
    Booking.Status.REQUESTED,
    Booking.Status.CONFIRMED,
    Booking.Status.COMPLETED,
)
FETCH_TIMEOUT = 15  # seconds
FETCH_LIMIT = 5 * 1024 * 1024  # bytes; a personal calendar is far smaller
BUSY_AHEAD = timedelta(days=400)  # as far as anyone can book, and more


def feed_url(photographer: Photographer, *, absolute: bool = True) -> str:
    path = reverse("sessions:calendar-feed", args=[photographer.calendar_feed_token])
    return settings.SITE_URL + path if absolute else path


def photographer_feed(*, photographer: Photographer, tz: ZoneInfo, now: datetime) -> bytes:
    """The photographer's bookings from 30 days back onwards, in the studio's local time
    (TZID, with its VTIMEZONE), each with the UID its invitations use."""
    calendar = Calendar()
    calendar.add("prodid", "-//Sitting//Portrait studio bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Sessions: %(name)s") % {"name": photographer.display_name})
    calendar.add("x-wr-timezone", str(tz))
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    bookings = Booking.objects.select_related("client", "session_type").filter(
        photographer=photographer,
        status__in=FEED_STATUSES,
        ends_at__gte=now - FEED_PAST,
    )
    for booking in bookings.order_by("starts_at"):
        event = Event()
        event.add("uid", f"booking-{booking.reference}@sitting")
        event.add("dtstamp", now)
        event.add("sequence", booking.calendar_sequence)
        event.add("dtstart", booking.starts_at.astimezone(tz))
        event.add("dtend", booking.ends_at.astimezone(tz))
        event.add(
            "summary",
            _("%(type)s: %(client)s")
            % {"type": booking.session_type.name, "client": booking.client.name},
        )
        lines = [
            _("Booking %(ref)s") % {"ref": booking.reference},
            booking.client.email,
            booking.client.phone,
            booking.client_notes,
            settings.SITE_URL + reverse("admin:shoots_booking_change", args=[booking.pk]),
        ]
        event.add("description", "\n".join(line for line in lines if line))
        tentative = booking.status in (Booking.Status.HELD, Booking.Status.REQUESTED)
        event.add("status", "TENTATIVE" if tentative else "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


class CalendarUnreadable(Exception):
    """Why an outside calendar could not be read, in words for the studio."""


def _fetch(url: str) -> bytes:
    if url.startswith("webcal://"):
        url = "https://" + url.removeprefix("webcal://")
    if not url.startswith(("https://", "http://")):
        raise CalendarUnreadable(_("The address should start with https:// or webcal://."))
    # http(s) only, checked above; urllib follows redirects to http(s) and ftp only.
    request = urllib.request.Request(url, headers={"User-Agent": "Sitting calendar sync"})  # noqa: S310
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=FETCH_TIMEOUT, context=ssl.create_default_context()
        ) as response:
            body = response.read(FETCH_LIMIT + 1)
    except urllib.error.HTTPError as error:
        raise CalendarUnreadable(
            _("The calendar's server answered %(code)s; check the address.") % {"code": error.code}
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise CalendarUnreadable(
            _("The calendar could not be reached (%(why)s).") % {"why": reason}
        ) from None
    if len(body) > FETCH_LIMIT:
        raise CalendarUnreadable(_("The calendar is larger than 5 MB; Sitting reads up to 5 MB."))
    return body


def busy_times(data: bytes, *, tz: ZoneInfo, since: datetime, until: datetime) -> list:
    """(start, end) of each busy moment between `since` and `until`: recurring
    events expanded, exceptions applied, cancelled and "free" (transparent) events left out,
    all-day events taken as whole local days in the studio's zone."""
    try:
        calendar = Calendar.from_ical(data)
    except ValueError as error:
        raise CalendarUnreadable(_("That address does not give an iCalendar file.")) from error
    if calendar.name != "VCALENDAR":
        raise CalendarUnreadable(_("That address does not give an iCalendar file."))
    try:
        events = recurring_ical_events.of(calendar).between(since, until)
    except Exception as error:  # a broken rule in one event must not hide the others' times
        log.warning("Calendar rules could not be expanded: %s", error)
        raise CalendarUnreadable(
            _("The calendar has a repeating event Sitting can't read.")
        ) from error
    busy = []
    for event in events:
        if str(event.get("status", "")).upper() == "CANCELLED":
            continue
        if str(event.get("transp", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if event.get("dtstart") is None:
            continue
        start = event["dtstart"].dt
        end = event["dtend"].dt if event.get("dtend") is not None else None
        if isinstance(start, datetime):
            start = start if start.tzinfo else start.replace(tzinfo=tz)
            if not isinstance(end, datetime):
                length = event["duration"].dt if event.get("duration") is not None else None
                end = start + (length or timedelta())
            end = end if end.tzinfo else end.replace(tzinfo=tz)
        else:  # an all-day event: midnight to midnight, local
            last = end if isinstance(end, date) else start + timedelta(days=1)
            start = datetime.combine(start, time.min, tz)
            end = datetime.combine(last, time.min, tz)
        if end > start:
            busy.append((start, end))  # what it is stays private: it shows as "Busy"
    return busy


def external_calendar_sync(*, calendar_id: int, now: datetime | None = None) -> ExternalCalendar:
    """Read one outside calendar and replace its busy times. If it cannot be read, the last
    busy times stay (stale beats none) and the problem is recorded for the studio."""
    from studio.selectors import studio_get

    now = now or timezone.now()
    external = ExternalCalendar.objects.select_related("photographer").get(pk=calendar_id)
    tz = ZoneInfo(studio_get().time_zone)
    try:
        busy = busy_times(
            _fetch(external.url), tz=tz, since=now - timedelta(days=1), until=now + BUSY_AHEAD
        )
    except CalendarUnreadable as problem:
        ExternalCalendar.objects.filter(pk=calendar_id).update(problem=str(problem)[:300])
        log.info("Outside calendar %s: %s", calendar_id, problem)
        external.refresh_from_db()
        return external
    label = _("Busy (%(calendar)s)") % {"calendar": external.name}
    with transaction.atomic():
        TimeOff.objects.filter(external_calendar=external).delete()
        TimeOff.objects.bulk_create(
            TimeOff(
                photographer=external.photographer,
                starts_at=start,
                ends_at=end,
                reason=label,
                external_calendar=external,
            )
            for start, end in busy
        )
        ExternalCalendar.objects.filter(pk=calendar_id).update(
            synced_at=now, busy_count=len(busy), problem=""
        )
    external.refresh_from_db()
    return external


def external_calendars_sync(*, now: datetime | None = None) -> int:
    """Every outside calendar, one after the other; one that fails never stops the rest."""
    count = 0
    for calendar_id in ExternalCalendar.objects.values_list("pk", flat=True):
        try:
            external_calendar_sync(calendar_id=calendar_id, now=now)
            count += 1
        except Exception:
            log.exception("Outside calendar %s could not be synced", calendar_id)
    return count
