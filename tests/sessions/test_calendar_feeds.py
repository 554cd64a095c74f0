"""Calendars both ways: each photographer's bookings as a subscription (parsed back here), and
outside calendars read from a local HTTP server, their busy times blocking the slot engine."""

import contextlib
import ipaddress
import socket
import ssl
import threading
import time
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from sessions import calendar_feeds
from sessions.calendar_feeds import external_calendar_sync, external_calendars_sync
from sessions.models import AvailabilityRule, Booking, ExternalCalendar, TimeOff
from sessions.selectors import session_type_slots
from studio.services import photographer_feed_token_rotate
from tests.factories import BookingFactory, ClientFactory, PhotographerFactory, SessionTypeFactory

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def at(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def book(photographer, starts, status=Booking.Status.CONFIRMED, **extra):
    return BookingFactory(
        photographer=photographer,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        status=status,
        **extra,
    )


def test_the_feed_lists_the_photographers_bookings_from_30_days_back(client, studio, clock):
    maya, theo = PhotographerFactory(display_name="Maya"), PhotographerFactory()
    anna = ClientFactory(name="Anna Kowalska", email="anna@example.com")
    recent = book(maya, at(2026, 9, 20, 10), client=anna)
    upcoming = book(maya, at(2026, 11, 2, 14), status=Booking.Status.HELD, hold_expires_at=NOW)
    book(maya, at(2026, 8, 20, 10))  # 42 days ago: left out
    book(maya, at(2026, 10, 9, 10), status=Booking.Status.CANCELLED)
    book(theo, at(2026, 10, 10, 10))  # someone else's
    url = reverse("sessions:calendar-feed", args=[maya.calendar_feed_token])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    events = {str(event["uid"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {
        f"booking-{recent.reference}@sitting",
        f"booking-{upcoming.reference}@sitting",
    }
    event = events[f"booking-{recent.reference}@sitting"]
    assert event["dtstart"].params["TZID"] == "Europe/London"
    assert event["dtstart"].dt == at(2026, 9, 20, 10)
    assert "Anna Kowalska" in str(event["summary"])
    assert "anna@example.com" in str(event["description"])
    assert str(events[f"booking-{upcoming.reference}@sitting"]["status"]) == "TENTATIVE"
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/London"
    # The same UIDs on the next read, so calendar apps update instead of duplicating.
    again = Calendar.from_ical(client.get(url).content)
    assert {str(e["uid"]) for e in again.walk("VEVENT")} == set(events)


def test_a_new_address_cuts_off_the_old_one(client, studio):
    maya = PhotographerFactory()
    old = reverse("sessions:calendar-feed", args=[maya.calendar_feed_token])
    token = photographer_feed_token_rotate(photographer_id=maya.pk)
    assert client.get(old).status_code == 404
    assert client.get(reverse("sessions:calendar-feed", args=[token])).status_code == 200
    assert client.get(reverse("sessions:calendar-feed", args=["guess"])).status_code == 404


class CalendarServer:
    """A local HTTP server serving .ics files by path, as Google or Apple would; it notes
    each request's path and Host header."""

    def __init__(self):
        self.files: dict[str, tuple[int, bytes]] = {}
        self.delay = 0.0
        self.requests: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append((self.path, self.headers.get("Host", "")))
                time.sleep(server.delay)
                status, body = server.files.get(self.path, (404, b"not found"))
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", body.decode())
                    body = b""
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> "CalendarServer":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.httpd.shutdown()


@pytest.fixture
def ics_server():
    server = CalendarServer().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _local_calendars_allowed(settings):
    """The calendar servers here are on this machine: allowed, as a studio may allow them,
    except where a test says otherwise."""
    settings.OUTSIDE_CALENDARS_ALLOW_PRIVATE = True


PERSONAL = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Personal//EN
BEGIN:VEVENT
UID:pilates@example.com
DTSTAMP:20260901T000000Z
SUMMARY:Pilates
DTSTART;TZID=Europe/London:20261014T100000
DTEND;TZID=Europe/London:20261014T110000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=Europe/London:20261021T100000
END:VEVENT
BEGIN:VEVENT
UID:pilates@example.com
DTSTAMP:20260901T000000Z
RECURRENCE-ID;TZID=Europe/London:20261028T100000
SUMMARY:Pilates (moved)
DTSTART;TZID=Europe/London:20261028T150000
DTEND;TZID=Europe/London:20261028T160000
END:VEVENT
BEGIN:VEVENT
UID:holiday@example.com
DTSTAMP:20260901T000000Z
SUMMARY:Holiday
DTSTART;VALUE=DATE:20261016
DTEND;VALUE=DATE:20261017
END:VEVENT
BEGIN:VEVENT
UID:reminder@example.com
DTSTAMP:20260901T000000Z
SUMMARY:Bins out (free)
TRANSP:TRANSPARENT
DTSTART;TZID=Europe/London:20261015T080000
DTEND;TZID=Europe/London:20261015T090000
END:VEVENT
BEGIN:VEVENT
UID:dentist@example.com
DTSTAMP:20260901T000000Z
SUMMARY:Dentist
STATUS:CANCELLED
DTSTART;TZID=Europe/London:20261015T120000
DTEND;TZID=Europe/London:20261015T130000
END:VEVENT
END:VCALENDAR
"""


def local_spans(calendar) -> list[tuple[str, str]]:
    return [
        (
            off.starts_at.astimezone(LONDON).strftime("%a %d %b %H:%M"),
            off.ends_at.astimezone(LONDON).strftime("%a %d %b %H:%M"),
        )
        for off in TimeOff.objects.filter(external_calendar=calendar).order_by("starts_at")
    ]


def test_busy_times_are_read_with_repeats_exceptions_and_all_day_events(studio, ics_server, clock):
    maya = PhotographerFactory()
    ics_server.files["/maya.ics"] = (200, PERSONAL)
    personal = ExternalCalendar.objects.create(
        photographer=maya, name="Personal", url=ics_server.url + "/maya.ics"
    )
    synced = external_calendar_sync(calendar_id=personal.pk)
    assert synced.problem == ""
    # Weekly at 10:00 from 14 October, four times: the 21st struck out, the 28th moved to
    # 15:00 (and the clocks change on the 25th: still 10:00 local on 4 November); a holiday
    # all day on the 16th; the free reminder and the cancelled dentist left out.
    assert local_spans(personal) == [
        ("Wed 14 Oct 10:00", "Wed 14 Oct 11:00"),
        ("Fri 16 Oct 00:00", "Sat 17 Oct 00:00"),
        ("Wed 28 Oct 15:00", "Wed 28 Oct 16:00"),
        ("Wed 04 Nov 10:00", "Wed 04 Nov 11:00"),
    ]
    assert synced.busy_count == 4
    assert set(TimeOff.objects.values_list("reason", flat=True)) == {"Busy (Personal)"}
    # Read again: replaced, not added to.
    external_calendar_sync(calendar_id=personal.pk)
    assert TimeOff.objects.count() == 4


def test_outside_busy_times_block_the_slots_like_time_off(studio, ics_server, clock):
    maya = PhotographerFactory()
    AvailabilityRule.objects.create(
        photographer=maya,
        weekday=2,
        start_time=datetime.min.time().replace(hour=9),
        end_time=datetime.min.time().replace(hour=13),
    )
    portrait = SessionTypeFactory(duration_minutes=60, photographers=[maya])
    day = date(2026, 10, 14)

    def starts():
        free = session_type_slots(session_type=portrait, first_day=day, last_day=day, tz=LONDON)
        return [slot.starts_at.astimezone(LONDON).strftime("%H:%M") for slot in free.get(day, [])]

    before = starts()
    assert "10:00" in before
    ics_server.files["/maya.ics"] = (200, PERSONAL)
    personal = ExternalCalendar.objects.create(
        photographer=maya, name="Personal", url=ics_server.url + "/maya.ics"
    )
    external_calendar_sync(calendar_id=personal.pk)
    after = starts()
    assert "10:00" not in after
    assert not any("09:05" < start < "11:00" for start in after)
    assert "11:00" in after


@pytest.mark.parametrize(
    ("served", "problem"),
    [
        ((404, b"gone"), "The calendar's server answered 404; check the address."),
        ((200, b"<html>Sign in</html>"), "That address does not give an iCalendar file."),
        ((200, b"BEGIN:VCALENDAR\n" + b"X" * (5 * 1024 * 1024 + 10)), "larger than 5 MB"),
    ],
)
def test_a_calendar_that_cannot_be_read_says_why_and_keeps_its_last_busy_times(
    studio, ics_server, clock, served, problem
):
    maya = PhotographerFactory()
    ics_server.files["/maya.ics"] = (200, PERSONAL)
    personal = ExternalCalendar.objects.create(
        photographer=maya, name="Personal", url=ics_server.url + "/maya.ics"
    )
    external_calendar_sync(calendar_id=personal.pk)
    ics_server.files["/maya.ics"] = served
    synced = external_calendar_sync(calendar_id=personal.pk)
    assert problem in synced.problem
    assert TimeOff.objects.filter(external_calendar=personal).count() == 4  # stale beats none


def test_a_slow_calendar_times_out_and_the_others_are_still_read(
    studio, ics_server, clock, monkeypatch
):
    monkeypatch.setattr(calendar_feeds, "FETCH_TIMEOUT", 0.5)
    maya, theo = PhotographerFactory(), PhotographerFactory()
    ics_server.files["/slow.ics"] = (200, PERSONAL)
    ics_server.files["/theo.ics"] = (200, PERSONAL)
    slow = ExternalCalendar.objects.create(
        photographer=maya, name="Slow", url=ics_server.url + "/slow.ics"
    )
    ok = ExternalCalendar.objects.create(
        photographer=theo, name="Ok", url=ics_server.url + "/theo.ics"
    )
    ics_server.delay = 1.0
    started = time.monotonic()
    slow_result = external_calendar_sync(calendar_id=slow.pk)
    assert time.monotonic() - started < 5
    assert "could not be reached" in slow_result.problem
    ics_server.delay = 0
    assert external_calendars_sync() == 2
    assert ExternalCalendar.objects.get(pk=ok.pk).busy_count == 4


def test_webcal_addresses_are_read_and_others_refused(studio, clock):
    maya = PhotographerFactory()
    bad = ExternalCalendar.objects.create(photographer=maya, name="File", url="file:///etc/passwd")
    assert (
        "should start with https:// or webcal://"
        in external_calendar_sync(calendar_id=bad.pk).problem
    )


def test_busy_times_from_a_calendar_cannot_be_edited_in_the_admin(
    client, staff_user, studio, ics_server, clock
):
    maya = PhotographerFactory()
    ics_server.files["/maya.ics"] = (200, PERSONAL)
    personal = ExternalCalendar.objects.create(
        photographer=maya, name="Personal", url=ics_server.url + "/maya.ics"
    )
    external_calendar_sync(calendar_id=personal.pk)
    client.force_login(staff_user)
    off = TimeOff.objects.first()
    page = client.get(reverse("admin:shoots_timeoff_change", args=[off.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.text  # shown, not editable
    delete = client.post(reverse("admin:shoots_timeoff_delete", args=[off.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert TimeOff.objects.filter(pk=off.pk).exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://host:abc/x.ics",
        "https://exa mple.com/x.ics",
        "http://[::1",
        "https://" + "a" * 70 + ".com/",
    ],
)
def test_a_broken_address_is_reported_not_crashed_on(studio, clock, url):
    maya = PhotographerFactory()
    broken = ExternalCalendar.objects.create(photographer=maya, name="Typo", url=url)
    synced = external_calendar_sync(calendar_id=broken.pk)
    assert synced.problem


def test_an_event_repeating_every_minute_is_refused_quickly(studio, ics_server, clock):
    maya = PhotographerFactory()
    ics_server.files["/spam.ics"] = (
        200,
        b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Spam//EN
BEGIN:VEVENT
UID:spam@example.com
DTSTAMP:20260901T000000Z
DTSTART:20261002T000000Z
DTEND:20261002T000030Z
RRULE:FREQ=MINUTELY
END:VEVENT
END:VCALENDAR
""",
    )
    spam = ExternalCalendar.objects.create(
        photographer=maya, name="Spam", url=ics_server.url + "/spam.ics"
    )
    started = time.monotonic()
    synced = external_calendar_sync(calendar_id=spam.pk)
    assert time.monotonic() - started < 10
    assert "more than 5000 busy times" in synced.problem
    assert not TimeOff.objects.exists()


def test_overlapping_busy_times_are_merged():
    first, second, apart = (at(2026, 10, 14, h) for h in (10, 11, 15))
    merged = calendar_feeds._merged(
        [
            (first, first + timedelta(hours=2)),
            (second, second + timedelta(hours=2)),
            (apart, apart + timedelta(hours=1)),
        ]
    )
    assert merged == [(first, second + timedelta(hours=2)), (apart, apart + timedelta(hours=1))]


# --- Only the public internet, unless the studio allows its own network ------------------


class Internet:
    """DNS and routing at the socket edge. A name answers the addresses the test lists, one
    per lookup, the last one repeating (`dns`); a connection to a "public" address reaches a
    real server on this machine (`routes`) and is noted (`connections`); any other address
    outside loopback is refused, so no test ever leaves the machine."""

    def __init__(self, monkeypatch):
        self.dns: dict[str, list[str]] = {}
        self.routes: dict[str, int] = {}
        self.lookups: list[str] = []
        self.connections: list[str] = []
        real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

        def getaddrinfo(host, port, *args, **kwargs):
            if host not in self.dns:
                return real_getaddrinfo(host, port, *args, **kwargs)
            self.lookups.append(host)
            answers = self.dns[host]
            address = answers.pop(0) if len(answers) > 1 else answers[0]
            if ":" in address:
                return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

        def connect(sock, address):
            host = address[0]
            if ipaddress.ip_address(host).is_loopback:  # this machine: the database, Redis
                return real_connect(sock, address)
            self.connections.append(host)
            if host in self.routes:
                return real_connect(sock, ("127.0.0.1", self.routes[host]))
            raise ConnectionRefusedError(f"no route to {host} in this test")

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def internet(monkeypatch, settings):
    settings.OUTSIDE_CALENDARS_ALLOW_PRIVATE = False  # as every studio starts
    return Internet(monkeypatch)


PUBLIC = "93.184.216.34"  # a public address; "reached" through `Internet.routes`


@pytest.fixture
def public_server(internet):
    """A calendar server "on the internet": at PUBLIC, which calendar.example answers."""
    server = CalendarServer().start()
    internet.routes[PUBLIC] = server.port
    internet.dns["calendar.example"] = [PUBLIC]
    yield server
    server.stop()


def calendar_at(url: str) -> ExternalCalendar:
    return ExternalCalendar.objects.create(photographer=PhotographerFactory(), name="Mine", url=url)


def test_a_calendar_on_this_machine_is_refused_unless_the_studio_allows_it(
    studio, ics_server, clock, settings, staff_user, client
):
    settings.OUTSIDE_CALENDARS_ALLOW_PRIVATE = False
    ics_server.files["/maya.ics"] = (200, PERSONAL)
    mine = calendar_at(ics_server.url + "/maya.ics")
    synced = external_calendar_sync(calendar_id=mine.pk)
    assert synced.problem == (
        "The calendar's address leads to 127.0.0.1, a private network address. Sitting reads "
        "calendars on private networks only if whoever runs it sets "
        "OUTSIDE_CALENDARS_ALLOW_PRIVATE=true."
    )
    assert ics_server.requests == []  # not even asked
    assert not TimeOff.objects.exists()
    client.force_login(staff_user)
    listed = client.get(reverse("admin:shoots_externalcalendar_changelist")).content.decode()
    assert "a private network address" in listed  # the studio sees why, on the calendar's row

    settings.OUTSIDE_CALENDARS_ALLOW_PRIVATE = True
    synced = external_calendar_sync(calendar_id=mine.pk)
    assert (synced.problem, synced.busy_count) == ("", 4)


@pytest.mark.parametrize(
    ("answer", "allowed_by_setting"),
    [
        ("127.0.0.1", True),
        ("::ffff:127.0.0.1", True),  # IPv4-mapped IPv6
        ("10.20.30.40", True),
        ("192.168.1.20", True),
        ("fd12:3456::1", True),
        ("169.254.169.254", False),  # the cloud's metadata service: never
        ("fd00:ec2::254", False),
        ("0.0.0.0", False),  # noqa: S104  (reaches this machine on Linux)
        ("::", False),
        ("fe80::1", False),
        ("224.0.0.251", False),
        ("240.0.0.1", False),
    ],
)
def test_a_name_leading_to_an_address_inside_is_refused_before_connecting(
    studio, clock, internet, settings, answer, allowed_by_setting
):
    internet.dns["calendar.example"] = [answer]
    mine = calendar_at("https://calendar.example/personal.ics")
    problem = external_calendar_sync(calendar_id=mine.pk).problem
    assert f"leads to {ipaddress.ip_address(answer)}" in problem
    assert internet.connections == []
    settings.OUTSIDE_CALENDARS_ALLOW_PRIVATE = True
    problem = external_calendar_sync(calendar_id=mine.pk).problem
    assert ("leads to" not in problem) is allowed_by_setting
    assert "never reads from" in problem or allowed_by_setting


def test_a_public_calendar_is_read_from_the_address_that_was_checked(
    studio, clock, internet, public_server
):
    public = public_server
    public.files["/personal.ics"] = (200, PERSONAL)
    mine = calendar_at("http://calendar.example:8080/personal.ics")
    synced = external_calendar_sync(calendar_id=mine.pk)
    assert (synced.problem, synced.busy_count) == ("", 4)
    assert public.requests == [("/personal.ics", "calendar.example:8080")]
    assert internet.lookups == ["calendar.example"]  # looked up once
    assert internet.connections == [PUBLIC]


def test_dns_rebinding_after_the_check_never_reaches_this_machine(
    studio, ics_server, clock, internet, public_server
):
    """The name answers a public address when checked, then this machine's: the connection
    goes to the address that was checked, so the server here is never asked."""
    ics_server.files["/secret.ics"] = (200, PERSONAL)
    public = public_server
    internet.dns["rebind.example"] = ["93.184.216.99", "127.0.0.1"]
    public.files["/moved.ics"] = (
        302,
        f"http://rebind.example:{ics_server.port}/secret.ics".encode(),
    )
    mine = calendar_at("http://calendar.example/moved.ics")
    synced = external_calendar_sync(calendar_id=mine.pk)
    assert ics_server.requests == []
    assert "could not be reached" in synced.problem  # 93.184.216.99 has no route here
    assert internet.connections == [PUBLIC, "93.184.216.99"]
    assert not TimeOff.objects.exists()

    # The same name answering this machine at once is refused by the check.
    internet.dns["rebind.example"] = ["127.0.0.1"]
    synced = external_calendar_sync(calendar_id=mine.pk)
    assert "leads to 127.0.0.1, a private network address" in synced.problem
    assert ics_server.requests == []


def test_redirects_are_checked_like_the_first_address(studio, ics_server, clock):
    """Even where the studio allows its own network, a redirect to the metadata service or
    to another kind of address is not followed, nor are endless redirects."""
    mine = calendar_at(ics_server.url + "/moved.ics")
    ics_server.files["/moved.ics"] = (302, b"http://169.254.169.254/latest/meta-data/")
    assert "169.254.169.254, an address for the server's own use" in (
        external_calendar_sync(calendar_id=mine.pk).problem
    )
    ics_server.files["/moved.ics"] = (302, b"file:///etc/passwd")
    assert "redirects somewhere Sitting won't follow" in (
        external_calendar_sync(calendar_id=mine.pk).problem
    )
    ics_server.files["/moved.ics"] = (302, b"/moved.ics")
    assert "redirects too many times" in external_calendar_sync(calendar_id=mine.pk).problem
    ics_server.files["/moved.ics"] = (302, b"/maya.ics")  # a relative redirect is followed
    ics_server.files["/maya.ics"] = (200, PERSONAL)
    assert external_calendar_sync(calendar_id=mine.pk).busy_count == 4
    assert not TimeOff.objects.exclude(external_calendar=mine).exists()


def _certificate(tmp_path, name: str):
    """A certificate authority (its file trusted through SSL_CERT_FILE) and a server
    certificate it signed for `name`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def made(subject, issuer, key, signer, *, ca):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            # OpenSSL checks these against the machine's clock, not the tests' frozen one.
            .not_valid_before(datetime(2000, 1, 1, tzinfo=UTC))
            .not_valid_after(datetime(2100, 1, 1, tzinfo=UTC))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = made("Test CA", "Test CA", ca_key, ca_key, ca=True)
    cert = made(name, "Test CA", key, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(pem))
    (tmp_path / "server.pem").write_bytes(
        cert.public_bytes(pem)
        + key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return tmp_path / "ca.pem", tmp_path / "server.pem"


@pytest.mark.parametrize(
    ("certified", "works"), [("calendar.example", True), ("elsewhere.example", False)]
)
def test_https_checks_the_certificate_of_the_name_not_the_address(
    studio, clock, internet, tmp_path, monkeypatch, certified, works
):
    ca, server_pem = _certificate(tmp_path, certified)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    names: list[str] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(server_pem)
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    public = CalendarServer()
    public.httpd.socket = context.wrap_socket(public.httpd.socket, server_side=True)
    public.start()
    public.files["/personal.ics"] = (200, PERSONAL)
    internet.routes[PUBLIC] = public.port
    internet.dns["calendar.example"] = [PUBLIC]
    synced = external_calendar_sync(
        calendar_id=calendar_at("https://calendar.example/personal.ics").pk
    )
    public.stop()
    assert names == ["calendar.example"]  # TLS asked for the name
    if works:
        assert (synced.problem, synced.busy_count) == ("", 4)
        assert public.requests == [("/personal.ics", "calendar.example")]
    else:
        assert "certificate verify failed" in synced.problem
        assert public.requests == []


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("not a url", "The address should start with https:// or webcal://."),
        ("ftp://example.com/cal.ics", "The address should start with https:// or webcal://."),
        ("https://", "That doesn't look like a calendar address."),
        ("http://127.0.0.1:8000/admin/", "a private network address"),
        ("https://169.254.169.254/latest/", "an address for the server's own use"),
    ],
)
def test_an_address_sitting_could_never_read_is_refused_as_it_is_saved(
    studio, staff_user, client, settings, typed, said
):
    settings.OUTSIDE_CALENDARS_ALLOW_PRIVATE = False
    maya = PhotographerFactory()
    client.force_login(staff_user)
    add = reverse("admin:shoots_externalcalendar_add")
    refused = client.post(add, {"photographer": maya.pk, "name": "Personal", "url": typed})
    page = refused.content.decode().replace("&#x27;", "'")
    assert refused.status_code == 200
    assert said in page
    assert not ExternalCalendar.objects.exists()
    saved = client.post(
        add, {"photographer": maya.pk, "name": "Personal", "url": "webcal://cal.example/p.ics"}
    )
    assert saved.status_code == 302
    assert ExternalCalendar.objects.get().url == "webcal://cal.example/p.ics"
