"""One booking's whole life, by time travel, with beat's scans running every few minutes:
booked ten days out, the 7-day reminder, the questionnaire nudges, the 1-day reminder, the
session, the balance the next morning, the gallery, the favorites nudge and the expiry
warning. At each step exactly the expected emails exist, and none is ever sent twice."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from gallery.models import Gallery
from gallery.reminders import gallery_reminders_scan
from gallery.services import gallery_create_for_booking, gallery_publish
from sessions.emails import booking_email_send
from sessions.models import Booking, Questionnaire
from sessions.reminders import balance_requests_scan, reminders_scan
from studio.models import SentEmail
from tests.factories import BookingFactory, SessionTypeFactory

LONDON = ZoneInfo("Europe/London")


def local(y, m, d, hh, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=LONDON)


@pytest.fixture
def beat(eager_tasks, django_capture_on_commit_callbacks):
    """Run `step` at a moment (if given), then every scan beat runs, each twice; returns
    the kinds of email sent meanwhile."""

    def at(moment, step=None):
        before = set(SentEmail.objects.values_list("pk", flat=True))
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            if step:
                step()
            for _twice in range(2):
                reminders_scan()
                balance_requests_scan()
                gallery_reminders_scan()
        return sorted(SentEmail.objects.exclude(pk__in=before).values_list("kind", flat=True))

    return at


@pytest.fixture
def booking(studio, anna, settings):
    settings.PAYMENTS_ENABLED = True
    family = SessionTypeFactory(name="Family", duration_minutes=60, price=30000, deposit=5000)
    Questionnaire.objects.create(name="Wardrobe").session_types.add(family)
    return BookingFactory(
        client=anna,
        session_type=family,
        starts_at=local(2026, 6, 24, 10),
        price=30000,
        deposit=0,
        currency="GBP",
    )


def test_a_bookings_whole_life_sends_each_email_once_at_its_moment(booking, beat):
    confirm = lambda: booking_email_send(booking_id=booking.pk, kind="confirmed")  # noqa: E731
    assert beat(local(2026, 6, 14, 12), confirm) == ["booking-confirmed"]
    assert beat(local(2026, 6, 14, 12, 5), confirm) == []
    assert beat(local(2026, 6, 17, 10, 5)) == ["reminder-session"]  # 7 days before
    assert beat(local(2026, 6, 19, 10, 5)) == ["reminder-questionnaire"]  # 5 days before
    assert beat(local(2026, 6, 20, 10, 5)) == []
    assert beat(local(2026, 6, 22, 10, 5)) == ["reminder-questionnaire"]  # last call
    assert beat(local(2026, 6, 23, 10, 5)) == ["reminder-session"]  # tomorrow
    assert beat(local(2026, 6, 24, 11, 30)) == []  # the session has passed

    def completed():
        Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.COMPLETED)

    assert beat(local(2026, 6, 24, 18), completed) == []  # the balance waits for the morning
    assert beat(local(2026, 6, 25, 9, 55)) == []
    assert beat(local(2026, 6, 25, 10, 5)) == ["balance-due"]
    assert beat(local(2026, 6, 26, 10, 5)) == []  # asked once, not every day

    def publish():
        gallery = gallery_create_for_booking(booking=booking)
        Gallery.objects.filter(pk=gallery.pk).update(expires_on=datetime.date(2026, 7, 31))
        gallery_publish(gallery_id=gallery.pk)

    assert beat(local(2026, 6, 29, 14), publish) == ["gallery-ready"]
    assert beat(local(2026, 7, 6, 13)) == []
    assert beat(local(2026, 7, 6, 14, 5)) == ["gallery-nudge"]  # favorites, a week on
    assert beat(local(2026, 7, 20, 12)) == []
    assert beat(local(2026, 7, 24, 12)) == []
    assert beat(local(2026, 7, 25, 8, 5)) == ["gallery-expiring"]  # a week before closing
    assert beat(local(2026, 7, 30, 12)) == []

    kinds = list(SentEmail.objects.order_by("created_at").values_list("kind", flat=True))
    assert kinds == [
        "booking-confirmed",
        "reminder-session",
        "reminder-questionnaire",
        "reminder-questionnaire",
        "reminder-session",
        "balance-due",
        "gallery-ready",
        "gallery-nudge",
        "gallery-expiring",
    ]
    assert len(mail.outbox) == len(kinds)  # the log is what went, and nothing went twice
    assert set(SentEmail.objects.values_list("status", flat=True)) == {SentEmail.Status.SENT}
    assert SentEmail.objects.filter(booking=booking, client=booking.client).count() == len(kinds)
    balance = SentEmail.objects.get(kind="balance-due")
    assert "£300.00" in balance.subject  # the price, nothing paid yet
    assert "Pay £300.00" in balance.text_body
