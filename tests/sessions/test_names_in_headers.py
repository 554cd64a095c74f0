"""A name with a line break in it (pasted, or sent by a script) is cleaned where it is typed,
and an email built from a name already stored with one still goes, its headers on one line:
a name can neither add headers of its own nor stop the client's or the studio's email."""

from datetime import UTC, datetime, time
from email import message_from_bytes
from email.utils import parseaddr
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from clients.models import Client
from sessions.emails import booking_email_send
from sessions.models import AvailabilityRule, Booking
from sessions.studio_emails import studio_email_send
from studio.models import SentEmail
from tests.factories import BookingFactory, ClientFactory, PhotographerFactory, SessionTypeFactory

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # Wednesday 10 June, 10:00 in London
INJECTED = "Anna\r\nBcc: x@evil.example"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def headshot(studio):
    maya = PhotographerFactory(display_name="Maya Lind")
    for weekday in range(7):
        AvailabilityRule.objects.create(
            photographer=maya, weekday=weekday, start_time=time(9), end_time=time(17)
        )
    return SessionTypeFactory(
        name="Headshot", slug="headshot", duration_minutes=60, photographers=[maya]
    )


def book_online(client, **details):
    url = reverse("sessions:booking-create", args=["headshot"])
    form = {"name": "Rosa Diaz", "email": "rosa@example.com", "phone": "", "notes": ""}
    return client.post(f"{url}?{urlencode({'start': TEN.isoformat()})}", {**form, **details})


HEADERS = {"Content-Type", "MIME-Version", "Content-Transfer-Encoding", "Subject", "From"}
HEADERS |= {"To", "Reply-To", "Date", "Message-ID"}


def assert_no_header_added(message, *, to: str):
    """The message as it goes on the wire has only Sitting's own headers, and goes to `to`
    alone."""
    sent = message_from_bytes(message.message().as_bytes())
    assert set(sent.keys()) <= HEADERS
    assert sent["Bcc"] is None
    assert [parseaddr(recipient)[1] for recipient in message.recipients()] == [to]


def by_recipient() -> dict:
    assert len(mail.outbox) == 2
    return {parseaddr(message.to[0])[1]: message for message in mail.outbox}


def test_a_line_break_in_a_booking_name_is_cleaned_and_both_emails_go(
    client, headshot, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = book_online(client, name=INJECTED)
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.client.name == "Anna Bcc: x@evil.example"
    sent = by_recipient()
    to_client, to_studio = sent["rosa@example.com"], sent["hello@lumen.example"]
    assert to_client.to == ['"Anna Bcc: x@evil.example" <rosa@example.com>']
    assert_no_header_added(to_client, to="rosa@example.com")
    assert_no_header_added(to_studio, to="hello@lumen.example")
    assert "for Anna Bcc: x@evil.example" in to_studio.subject
    assert sorted(SentEmail.objects.values_list("kind", "status")) == [
        ("booking-confirmed", "sent"),
        ("studio-new", "sent"),
    ]


def test_a_name_with_nothing_left_once_cleaned_is_refused_in_plain_words(client, headshot):
    response = book_online(client, name="\x01\u202e\x7f")
    assert response.status_code == 200
    assert (
        "Please type the name again: once line breaks and invisible characters are taken out, "
        "nothing is left." in response.content.decode()
    )
    assert not Booking.objects.exists()
    assert not Client.objects.exists()


def test_a_client_already_stored_with_a_line_break_still_gets_their_emails(studio):
    anna = ClientFactory(name="Anna\nKowalska\r\nBcc: x@evil.example", email="anna@example.com")
    booking = BookingFactory(client=anna, starts_at=TEN, status=Booking.Status.CONFIRMED)
    assert booking_email_send(booking_id=booking.pk, kind="confirmed") is True
    assert studio_email_send(booking_id=booking.pk, kind="new") is True
    sent = by_recipient()
    to_client, to_studio = sent["anna@example.com"], sent["hello@lumen.example"]
    assert to_client.to == ['"Anna Kowalska Bcc: x@evil.example" <anna@example.com>']
    assert_no_header_added(to_client, to="anna@example.com")
    assert_no_header_added(to_studio, to="hello@lumen.example")
    assert "Anna Kowalska Bcc: x@evil.example" in to_studio.subject
    assert set(SentEmail.objects.values_list("status", flat=True)) == {"sent"}


def test_staff_booking_a_new_client_store_the_name_on_one_line(client, staff_user, headshot):
    client.force_login(staff_user)
    maya = headshot.photographers.get()
    response = client.post(
        reverse("admin:shoots_booking_book_for_client"),
        {
            "new_client_name": "Walter\r\n  Phone",
            "new_client_email": "walter@example.com",
            "session_type": headshot.pk,
            "photographer": maya.pk,
            "date": "2026-06-10",
            "time": "10:00",
        },
    )
    assert response.status_code == 302
    assert Client.objects.get(email="walter@example.com").name == "Walter Phone"


def test_a_client_edited_in_the_admin_keeps_the_name_on_one_line(client, staff_user, studio):
    client.force_login(staff_user)
    walter = ClientFactory(name="Walter Phone", email="walter@example.com")
    response = client.post(
        reverse("admin:clients_client_change", args=[walter.pk]),
        {"name": "Walter\nBcc: x@evil.example", "email": "walter@example.com", "phone": ""},
    )
    assert response.status_code == 302
    walter.refresh_from_db()
    assert walter.name == "Walter Bcc: x@evil.example"
