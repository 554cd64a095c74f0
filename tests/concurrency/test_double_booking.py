"""Twenty people press "Book" for the same time at once: exactly one gets it."""

import threading
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from sessions.models import AvailabilityRule, Booking
from sessions.services import SlotUnavailable, booking_create
from tests.factories import ClientFactory, PhotographerFactory, SessionTypeFactory

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_requests_make_exactly_one_booking():
    maya = PhotographerFactory()
    AvailabilityRule.objects.create(
        photographer=maya, weekday=TEN.weekday(), start_time=time(9), end_time=time(17)
    )
    headshot = SessionTypeFactory(duration_minutes=60, photographers=[maya])
    clients = ClientFactory.create_batch(20)
    start = threading.Barrier(20)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def attempt(client):
        try:
            start.wait()
            booking_create(client=client, session_type=headshot, starts_at=TEN, tz=LONDON, now=NOW)
            outcomes.append("booked")
        except SlotUnavailable as refused:
            outcomes.append("refused" if refused.nearest else "refused without alternatives")
        except BaseException as error:  # a 500 in the making: fail the test with it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(outcomes) == ["booked"] + ["refused"] * 19
    assert Booking.objects.count() == 1
    assert Booking.objects.get().status == Booking.Status.CONFIRMED
