from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from clients.models import Client
from sessions.access import booking_token
from sessions.emails import booking_email_send
from sessions.models import AvailabilityRule, Booking
from studio.background import _send_after_commit
from studio.celery import app as celery_app
from studio.models import SentEmail
from tests.factories import BookingFactory, PhotographerFactory, SessionTypeFactory
from tests.studio.test_background import queued

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # Monday 1 June, 09:00 in London
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # Wednesday 10 June, 10:00 in London


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def maya(db):
    photographer = PhotographerFactory(display_name="Maya Lind")
    AvailabilityRule.objects.create(
        photographer=photographer, weekday=2, start_time=time(9), end_time=time(17)
    )
    return photographer


@pytest.fixture
def headshot(studio, maya):
    return SessionTypeFactory(
        name="Headshot", slug="headshot", duration_minutes=60, photographers=[maya]
    )


def details_url(start=TEN, **extra):
    return (
        reverse("sessions:booking-create", args=["headshot"])
        + "?"
        + urlencode({"start": start.isoformat(), **extra})
    )


FORM = {"name": "Rosa Diaz", "email": "rosa@example.com", "phone": "", "notes": "", "agree": "on"}


def test_the_booking_page_lists_bookable_sessions(client, headshot, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get(reverse("sessions:session-type-list"))
    assert response.status_code == 200
    assert reverse("sessions:slot-pick", args=["headshot"]) in response.content.decode()


def test_the_calendar_links_free_days_and_lists_their_times_in_local_time(
    client, headshot, django_assert_max_num_queries
):
    url = reverse("sessions:slot-pick", args=["headshot"])
    # 2 of them: the packages and add-ons offered; the days a waitlist is offered for come
    # from the calendar's own reading of the diaries. (The cache's own count, with the
    # rows committed: tests/sessions/test_slot_cache.py; the page's own, kept whole:
    # tests/sessions/test_booking_page_kept.py, which reads the slot version once more.)
    with django_assert_max_num_queries(11):
        response = client.get(url, {"month": "2026-06", "day": "2026-06-10"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "June 2026" in html
    assert 'aria-current="date"' in html
    assert "Europe/London" in html
    assert 'class="studio-time">10:00<' in html  # 09:00 UTC in summer
    assert 'data-starts="2026-06-10T09:00:00+00:00"' in html  # the moment, for the local time
    assert 'class="studio-time">16:00<' in html
    assert 'class="studio-time">16:30<' not in html  # an hour-long session must end by 17:00
    # Thursdays have no hours: shown, but not as links.
    assert "Thursday 11 June, no times available" in html


@pytest.mark.parametrize(
    "query",
    [
        {"month": "not-a-month"},
        {"month": "2026-13"},
        {"day": "2026-02-30"},
        {"photographer": "someone"},
        {"photographer": "999999"},
        {"month": "1999-01"},
        {"month": "2099-01"},
        {"month": "99999999999-01"},
        {"day": "99999999999-01-01"},
    ],
)
def test_odd_calendar_addresses_show_a_calendar_not_an_error(client, headshot, query):
    response = client.get(reverse("sessions:slot-pick", args=["headshot"]), query)
    assert response.status_code == 200
    assert "month-calendar" in response.content.decode()


def test_an_unknown_or_retired_session_type_is_not_found(client, headshot):
    assert client.get(reverse("sessions:slot-pick", args=["nope"])).status_code == 404
    headshot.is_active = False
    headshot.save()
    assert client.get(reverse("sessions:slot-pick", args=["headshot"])).status_code == 404


@pytest.mark.parametrize("start", [None, "yesterday", "2026-06-10T10:00:00"])
def test_the_details_page_without_a_real_time_sends_people_back_to_choose(client, headshot, start):
    url = reverse("sessions:booking-create", args=["headshot"])
    response = client.get(url, {"start": start} if start else {}, follow=True)
    assert response.redirect_chain
    assert "Please choose a day and a time first." in response.content.decode()


def test_a_time_no_longer_free_sends_people_back_to_that_day(client, headshot, maya):
    BookingFactory(session_type=headshot, photographer=maya, starts_at=TEN)
    response = client.get(details_url(), follow=True)
    html = response.content.decode()
    assert "that time is no longer free" in html
    assert "Wednesday 10 June" in html


def test_booking_creates_the_client_and_the_booking_and_queues_the_email(
    client, headshot, django_capture_on_commit_callbacks
):
    celery_app.control.purge()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(details_url(), FORM)
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sessions:booking-detail", args=[booking_token(booking)])
    assert booking.client.email == "rosa@example.com"
    assert booking.starts_at == TEN
    assert booking.status == Booking.Status.CONFIRMED
    sends = [c for c in callbacks if getattr(c, "func", None) is _send_after_commit]
    assert len(sends) == 3  # besides the kept pages' versions moving on
    # The confirmation email, the studio's and the invoice's issue, for a worker to do.
    assert queued() == 3
    celery_app.control.purge()


def test_a_returning_client_is_recognised_by_email_whatever_its_case(client, headshot, anna):
    client.post(details_url(), {**FORM, "email": "ANNA@Example.com", "name": "Anna K"})
    assert Client.objects.count() == 1
    assert Booking.objects.get().client == anna


def test_a_form_with_mistakes_keeps_what_was_typed_and_writes_nothing(client, headshot, studio):
    studio.policies = "Cancel up to 48 hours before for a full refund."
    studio.save()
    response = client.post(details_url(), {**FORM, "email": "rosa-at-example", "agree": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address." in html
    assert "Please read and agree to the booking policy first." in html
    assert 'value="Rosa Diaz"' in html
    assert 'value="rosa-at-example"' in html
    assert not Booking.objects.exists()
    assert not Client.objects.exists()


def test_a_time_taken_meanwhile_offers_the_nearest_and_keeps_the_details(client, headshot, maya):
    page = client.get(details_url())
    assert page.status_code == 200
    BookingFactory(session_type=headshot, photographer=maya, starts_at=TEN)  # someone else
    response = client.post(details_url(), FORM)
    html = response.content.decode()
    assert response.status_code == 409
    assert "That time is no longer free." in html
    assert 'Wednesday 10 June, <span class="zoned-time"' in html
    assert 'class="studio-time">11:00<' in html
    assert not Client.objects.filter(email="rosa@example.com").exists()  # nothing half-written
    eleven = client.get(details_url(start=TEN + timedelta(hours=1)))
    assert 'value="Rosa Diaz"' in eleven.content.decode()


def test_the_booking_page_opens_with_its_link_only(client, headshot, anna, ben, maya):
    annas = BookingFactory(client=anna, session_type=headshot, photographer=maya, starts_at=TEN)
    bens = BookingFactory(
        client=ben, session_type=headshot, photographer=maya, starts_at=TEN + timedelta(hours=2)
    )
    own = client.get(reverse("sessions:booking-detail", args=[booking_token(annas)]))
    assert own.status_code == 200
    assert annas.reference in own.content.decode()
    assert "private" in own["Cache-Control"]
    assert "no-store" in own["Cache-Control"]
    assert "noindex" in own["X-Robots-Tag"]

    signature = booking_token(bens).split(":", 1)[1]
    for token in [f"{annas.reference}:{signature}", annas.reference, "XXXXXX:abc", "%00"]:
        for name in ("sessions:booking-detail", "sessions:booking-calendar"):
            assert client.get(reverse(name, args=[token])).status_code == 404


def test_the_downloaded_calendar_file_is_an_event_and_the_emailed_one_an_invitation(
    client, headshot, anna, maya
):
    booking = BookingFactory(client=anna, session_type=headshot, photographer=maya, starts_at=TEN)
    response = client.get(reverse("sessions:booking-calendar", args=[booking_token(booking)]))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    event = calendar.walk("VEVENT")[0]
    # PUBLISH: calendar apps add it, rather than show an invitation to accept or decline.
    assert calendar["METHOD"] == "PUBLISH"
    assert "ATTENDEE" not in event  # RFC 5546: a published event names no attendees
    assert "hello@lumen.example" in str(event["ORGANIZER"])
    assert str(event["UID"]) == f"booking-{booking.reference}@sitting"
    assert event.decoded("DTSTART") == TEN
    assert event.decoded("DTEND") == TEN + timedelta(hours=1)
    assert event["SEQUENCE"] == 0
    assert event.walk("VALARM")[0].decoded("TRIGGER") == timedelta(days=-1)

    booking_email_send(booking_id=booking.pk, kind="confirmed")
    (_name, emailed, mimetype) = mail.outbox[0].attachments[0]
    invitation = Calendar.from_ical(emailed)
    assert invitation["METHOD"] == "REQUEST"
    assert mimetype == "text/calendar; method=REQUEST"
    assert "anna@example.com" in str(invitation.walk("VEVENT")[0]["ATTENDEE"])
    assert str(invitation.walk("VEVENT")[0]["UID"]) == str(event["UID"])


def test_the_confirmation_email_is_sent_once_with_its_invite(headshot, anna, maya):
    booking = BookingFactory(client=anna, session_type=headshot, photographer=maya, starts_at=TEN)
    assert booking_email_send(booking_id=booking.pk, kind="confirmed") is True
    assert booking_email_send(booking_id=booking.pk, kind="confirmed") is False  # a retry, a replay
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Anna Kowalska <anna@example.com>"]
    assert "Wednesday 10 June" in message.subject
    assert "10:00" in message.body  # local time, not UTC
    assert booking.reference in message.body
    (_name, content, mimetype) = message.attachments[0]
    assert mimetype.startswith("text/calendar")
    assert Calendar.from_ical(content).walk("VEVENT")[0].decoded("DTSTART") == TEN


def test_a_failed_send_can_be_retried(headshot, anna, maya, settings):
    settings.EMAIL_BACKEND = "tests.sessions.failing_mail.Backend"
    booking = BookingFactory(client=anna, session_type=headshot, photographer=maya, starts_at=TEN)
    with pytest.raises(ConnectionRefusedError):
        booking_email_send(booking_id=booking.pk, kind="confirmed")
    failed = SentEmail.objects.get()  # recorded, with its error, for the retry to take back
    assert (failed.status, failed.attempts) == (SentEmail.Status.FAILED, 1)
    assert "ConnectionRefusedError" in failed.error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert booking_email_send(booking_id=booking.pk, kind="confirmed") is True
    sent = SentEmail.objects.get()
    assert (sent.status, sent.attempts, sent.error) == (SentEmail.Status.SENT, 2, "")
    assert (sent.bookings.get(), sent.clients.get(), sent.kind) == (
        booking,
        anna,
        "booking-confirmed",
    )
    assert booking_email_send(booking_id=booking.pk, kind="confirmed") is False
    assert len(mail.outbox) == 1


def test_a_booking_under_a_known_email_keeps_the_name_typed_and_shows_the_studio_both(
    client, headshot, staff_user, eager_tasks, django_capture_on_commit_callbacks
):
    # Anyone can type any address: what they typed stays with the booking, not the client.
    ola = Client.objects.create(name="Ola First", email="ola@example.com")
    typed = {**FORM, "email": "OLA@example.com", "name": "Ola Second", "phone": "0000"}
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(details_url(), {**typed, "notes": "x"}, follow=True)
    booking = Booking.objects.get()
    ola.refresh_from_db()
    assert (ola.name, ola.phone) == ("Ola First", "")
    assert (booking.client, booking.booked_as, booking.client_notes) == (ola, "Ola Second", "x")
    assert "Ola Second" in page.content.decode()  # the booking page

    # Her emails are addressed to the name she typed, and so is her calendar invite.
    [confirmation] = [m for m in mail.outbox if m.subject.startswith("You're booked")]
    assert confirmation.to == ["Ola Second <ola@example.com>"]
    attendee = Calendar.from_ical(confirmation.attachments[0][1]).walk("VEVENT")[0]["ATTENDEE"]
    assert attendee.params["CN"] == "Ola Second"
    # The studio sees both names wherever it meets the booking.
    both = "Ola Second (client record: Ola First)"
    [to_studio] = [m for m in mail.outbox if m.subject.startswith("New booking")]
    assert (
        to_studio.subject == f"New booking: Headshot session for {both}, Wednesday 10 June, 10:00"
    )
    client.force_login(staff_user)
    listed = client.get(reverse("admin:shoots_booking_changelist"), {"q": "Ola Second"})
    assert both in listed.content.decode()
    story = client.get(reverse("admin:shoots_booking_change", args=[booking.pk])).content.decode()
    assert "<strong>Ola Second</strong> (client record:" in story
    assert ">Ola First</a>)" in story
    # And is told plainly that the record was left as it was.
    assert "their record still says “Ola First”. Nothing was changed on it" in story


@pytest.mark.parametrize(
    "query",
    [
        {"start": "0001-01-01T00:00:00+01:00"},
        {"start": "9999-12-31T23:00:00+00:00"},
        {"start": TEN.isoformat(), "photographer": "²"},
    ],
)
def test_extreme_or_odd_values_in_the_address_are_handled(client, headshot, query):
    url = reverse("sessions:booking-create", args=["headshot"])
    assert client.get(url, query).status_code in (200, 302)
    assert client.post(url + "?" + urlencode(query), FORM).status_code in (200, 302, 409)


def test_the_details_page_is_not_cached_anywhere(client, headshot):
    assert "no-store" in client.get(details_url())["Cache-Control"]


def test_when_this_month_is_fully_booked_the_calendar_opens_on_the_next(client, headshot, maya):
    with time_machine.travel(datetime(2026, 6, 29, 8, tzinfo=UTC), tick=False):
        html = client.get(reverse("sessions:slot-pick", args=["headshot"])).content.decode()
        asked = client.get(reverse("sessions:slot-pick", args=["headshot"]), {"month": "2026-06"})
    assert "July 2026" in html
    assert "day-free" in html
    assert "June 2026" in asked.content.decode()  # asking for a month gets that month
