"""Calendars both ways: each photographer's bookings as a subscription (parsed back here), and
outside calendars read from a local HTTP server, their busy times blocking the slot engine."""

import contextlib
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
    """A local HTTP server serving .ics files by path, as Google or Apple would."""

    def __init__(self):
        self.files: dict[str, tuple[int, bytes]] = {}
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
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
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()


@pytest.fixture
def ics_server():
    server = CalendarServer()
    yield server
    server.stop()


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


def test_a_redirect_to_a_private_address_is_not_followed(studio, ics_server, clock):
    maya = PhotographerFactory()
    ics_server.files["/moved.ics"] = (302, f"{ics_server.url}/maya.ics".encode())
    ics_server.files["/maya.ics"] = (200, PERSONAL)
    moved = ExternalCalendar.objects.create(
        photographer=maya, name="Moved", url=ics_server.url + "/moved.ics"
    )
    synced = external_calendar_sync(calendar_id=moved.pk)
    assert "redirects somewhere Sitting won't follow" in synced.problem
    assert not TimeOff.objects.exists()


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
