"""Calendars both ways. Out: each photographer's bookings as an iCalendar subscription
(Google Calendar, Apple Calendar, Outlook), by a secret address. In: a photographer's own
calendars, read by beat; their busy events become time off, so the slot engine keeps clear
of them exactly as it does of any time off."""

import http.client
import ipaddress
import logging
import socket
import ssl
import urllib.parse
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
from studio.selectors import studio_get

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
MAX_BUSY = 5000  # busy times in that span; a calendar with more is refused, not half-read


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
            % {"type": booking.session_type.name, "client": booking.name_for_studio},
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


REDIRECTS = 3  # Google and Apple redirect once; more is a loop or a trap
REDIRECT_CODES = (301, 302, 303, 307, 308)
# Cloud providers' instance metadata (AWS, Azure, GCP, Oracle, DigitalOcean share the first;
# AWS's IPv6 one; Alibaba's): credentials live there, so it is refused whatever the settings.
METADATA = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _address_refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why Sitting won't read a calendar from `ip`, in words for the studio; None if it may.
    Loopback and private addresses only when OUTSIDE_CALENDARS_ALLOW_PRIVATE is on."""
    inner = ip  # an IPv4 address wrapped in an IPv6 one is judged as itself
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped or ip.sixtofour:
            inner = ip.ipv4_mapped or ip.sixtofour
        elif ip in NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if not inner.is_loopback and (
        inner in METADATA
        or inner.is_unspecified
        or inner.is_link_local
        or inner.is_multicast
        or inner.is_reserved
    ):
        return _(
            "The calendar's address leads to %(ip)s, an address for the server's own use "
            "that Sitting never reads from."
        ) % {"ip": ip}
    if inner.is_global or settings.OUTSIDE_CALENDARS_ALLOW_PRIVATE:
        return None
    return _(
        "The calendar's address leads to %(ip)s, a private network address. Sitting reads "
        "calendars on private networks only if whoever runs it sets "
        "OUTSIDE_CALENDARS_ALLOW_PRIVATE=true."
    ) % {"ip": ip}


def calendar_url_problem(url: str) -> str | None:
    """What is wrong with an outside calendar's address as typed, for a person, before it
    is saved; None when it may be read (the server's addresses are checked when read)."""
    url = url.strip()
    if url.startswith("webcal://"):
        url = "https://" + url.removeprefix("webcal://")
    if not url.startswith(("https://", "http://")):
        return str(_("The address should start with https:// or webcal://."))
    try:
        host = urllib.parse.urlsplit(url).hostname
    except ValueError:
        host = None
    if not host:
        return str(_("That doesn't look like a calendar address."))
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: looked up, and each of its addresses checked, when read
    refused = _address_refused(ip)
    return str(refused) if refused else None


def _addresses_vetted(host: str, port: int) -> list[tuple[int, tuple]]:
    """The host's addresses (family, socket address), looked up once and each checked; the
    connection then goes to one of these, so a second answer from DNS can't redirect it."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise CalendarUnreadable(
            _("The calendar's server, %(host)s, could not be found.") % {"host": host}
        ) from None
    addresses = []
    for family, _type, _proto, _name, address in found:
        problem = _address_refused(ipaddress.ip_address(address[0].split("%")[0]))
        if problem:
            raise CalendarUnreadable(problem)
        addresses.append((family, address))
    return addresses


class _VettedConnection:
    """An HTTP(S) connection to addresses vetted beforehand. The Host header, TLS server
    name and certificate check stay those of the host name."""

    def __init__(self, host: str, port: int, *, addresses: list, **kwargs):
        super().__init__(host, port, **kwargs)
        self.addresses = addresses
        self._create_connection = self._connect_vetted  # http.client's one looks the name up

    def _connect_vetted(self, _address, timeout, source_address=None) -> socket.socket:
        error = OSError("no address to connect to")
        for family, address in self.addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(timeout)
                sock.connect(address)
            except OSError as failed:
                sock.close()
                error = failed
            else:
                return sock
        raise error


class _VettedHTTP(_VettedConnection, http.client.HTTPConnection):
    pass


class _VettedHTTPS(_VettedConnection, http.client.HTTPSConnection):
    pass


def _get(url: str) -> tuple[int, str, bytes]:
    """One GET: (status, Location header, up to FETCH_LIMIT + 1 bytes of body)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CalendarUnreadable(_("That doesn't look like a calendar address."))
    host = parts.hostname.encode("idna").decode("ascii")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = _addresses_vetted(host, port)
    if parts.scheme == "https":
        connection = _VettedHTTPS(
            host,
            port,
            addresses=addresses,
            timeout=FETCH_TIMEOUT,
            context=ssl.create_default_context(),
        )
    else:
        connection = _VettedHTTP(host, port, addresses=addresses, timeout=FETCH_TIMEOUT)
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", path, headers={"User-Agent": "Sitting calendar sync"})
        response = connection.getresponse()
        return response.status, response.getheader("Location", ""), response.read(FETCH_LIMIT + 1)
    finally:
        connection.close()


def _fetch(url: str) -> bytes:
    """The calendar at `url`, following a few redirects; every address it connects to,
    the first included, is checked first (see `_address_refused`)."""
    if url.startswith("webcal://"):
        url = "https://" + url.removeprefix("webcal://")
    if not url.startswith(("https://", "http://")):
        raise CalendarUnreadable(_("The address should start with https:// or webcal://."))
    try:
        for _hop in range(REDIRECTS + 1):
            status, location, body = _get(url)
            if status not in REDIRECT_CODES or not location:
                break
            url = urllib.parse.urljoin(url, location)
            if not url.startswith(("https://", "http://")):
                raise CalendarUnreadable(
                    _("The calendar's address redirects somewhere Sitting won't follow.")
                )
        else:
            raise CalendarUnreadable(_("The calendar's address redirects too many times."))
    except (TimeoutError, OSError) as error:  # socket and TLS errors, timeouts
        raise CalendarUnreadable(
            _("The calendar could not be reached (%(why)s).") % {"why": error}
        ) from None
    except (ValueError, UnicodeError, http.client.HTTPException):
        raise CalendarUnreadable(_("That doesn't look like a calendar address.")) from None
    if not 200 <= status < 300:
        raise CalendarUnreadable(
            _("The calendar's server answered %(code)s; check the address.") % {"code": status}
        )
    if len(body) > FETCH_LIMIT:
        raise CalendarUnreadable(_("The calendar is larger than 5 MB; Sitting reads up to 5 MB."))
    return body


def busy_times(data: bytes, *, tz: ZoneInfo, since: datetime, until: datetime) -> list:
    """(start, end) of each busy moment between `since` and `until`, overlapping ones merged:
    recurring events expanded, exceptions applied, cancelled and "free" (transparent) events
    left out, all-day events taken as whole local days in the studio's zone. A calendar with
    more than MAX_BUSY of them is refused rather than half-read."""
    try:
        calendar = Calendar.from_ical(data)
    except ValueError as error:
        raise CalendarUnreadable(_("That address does not give an iCalendar file.")) from error
    if calendar.name != "VCALENDAR":
        raise CalendarUnreadable(_("That address does not give an iCalendar file."))
    busy: list[tuple[datetime, datetime]] = []
    try:
        # In order of start, lazily: a rule repeating every minute stops at the cap.
        for event in recurring_ical_events.of(calendar, skip_bad_series=True).after(since):
            span = _busy_of(event, tz)
            if span is None:
                continue
            if span[0] >= until:
                break
            busy.append(span)
            if len(busy) > MAX_BUSY:
                raise CalendarUnreadable(
                    _("The calendar has more than %(max)d busy times in the next year.")
                    % {"max": MAX_BUSY}
                )
    except CalendarUnreadable:
        raise
    except Exception as error:  # a broken rule in one event must not hide the others' times
        log.warning("Calendar rules could not be expanded: %s", error)
        raise CalendarUnreadable(
            _("The calendar has a repeating event Sitting can't read.")
        ) from error
    return _merged(busy)


def _busy_of(event, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The busy time of one occurrence; None when cancelled, free, or without a start."""
    if str(event.get("status", "")).upper() == "CANCELLED":
        return None
    if str(event.get("transp", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if event.get("dtstart") is None:
        return None
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
    return (start, end) if end > start else None  # what it is stays private: "Busy"


def _merged(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping or touching busy times as one."""
    merged: list[list[datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def external_calendar_sync(*, calendar_id: int, now: datetime | None = None) -> ExternalCalendar:
    """Read one outside calendar and replace its busy times. If it cannot be read, the last
    busy times stay (stale beats none) and the problem is recorded for the studio."""
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
        # One reading at a time per calendar, so two never both add their busy times.
        list(ExternalCalendar.objects.select_for_update().filter(pk=calendar_id).values("pk"))
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
