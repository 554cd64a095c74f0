"""A freed time and the waitlist at the same moment: two workers offering it (a lost task sent
again, beat's sweep), or a worker and a client on the booking page. One time, one person."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clients.models import Client
from sessions.models import AvailabilityRule, Booking, WaitlistEntry
from sessions.services import booking_create
from sessions.waitlist import waitlist_offers_make
from tests.concurrency.races import at_once
from tests.factories import BookingFactory, PhotographerFactory, SessionTypeFactory

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
WEDNESDAY = date(2026, 6, 10)
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # 10:00 in London, the day's one time


@pytest.fixture
def one_time_day(studio):
    """Wednesday 10 June has one hour-long time; it was booked and is now free again, and
    three people wait for it."""
    maya = PhotographerFactory()
    AvailabilityRule.objects.create(
        photographer=maya, weekday=2, start_time=time(10), end_time=time(11)
    )
    headshot = SessionTypeFactory(duration_minutes=60, photographers=[maya])
    BookingFactory(
        session_type=headshot, photographer=maya, starts_at=TEN, status=Booking.Status.CANCELLED
    )
    for n in range(3):
        WaitlistEntry.objects.create(
            session_type=headshot, day=WEDNESDAY, name=f"Waiting {n}", email=f"w{n}@example.com"
        )
    return headshot


@pytest.mark.django_db(transaction=True)
def test_two_workers_offering_one_freed_time_offer_it_once(one_time_day):
    with time_machine.travel(NOW, tick=False):
        outcomes = at_once(*[lambda: waitlist_offers_make(day=WEDNESDAY)] * 4)
    assert outcomes == ["done"] * 4
    offered = WaitlistEntry.objects.filter(status=WaitlistEntry.Status.OFFERED)
    assert [entry.name for entry in offered] == ["Waiting 0"]  # the first to join
    assert Booking.objects.filter(status=Booking.Status.HELD).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_worker_offering_and_a_client_booking_never_both_get_the_time(one_time_day):
    client = Client.objects.create(name="Quick", email="quick@example.com")

    def book():
        booking_create(
            client=client, session_type=one_time_day, starts_at=TEN, tz=ZoneInfo("Europe/London")
        )

    with time_machine.travel(NOW, tick=False):
        outcomes = at_once(book, lambda: waitlist_offers_make(day=WEDNESDAY))
    # Both ran to an answer: the loser was told the time is gone, nothing deadlocked.
    assert all(o == "done" or o.startswith("SlotUnavailable(") for o in outcomes), outcomes
    taken = Booking.objects.filter(
        status__in=[Booking.Status.HELD, Booking.Status.CONFIRMED], starts_at=TEN
    )
    assert taken.count() == 1
    offered = WaitlistEntry.objects.filter(status=WaitlistEntry.Status.OFFERED).count()
    assert offered == (1 if taken.get().status == Booking.Status.HELD else 0)
