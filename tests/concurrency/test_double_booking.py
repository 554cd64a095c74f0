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


@pytest.mark.django_db(transaction=True)
def test_twenty_people_pressing_book_on_the_site_at_once_get_one_booking_and_19_kind_answers(
    studio,
):
    from urllib.parse import urlencode

    import time_machine
    from django.test import Client as Browser
    from django.urls import reverse

    from clients.models import Client

    maya = PhotographerFactory()
    AvailabilityRule.objects.create(
        photographer=maya, weekday=TEN.weekday(), start_time=time(9), end_time=time(17)
    )
    SessionTypeFactory(slug="headshot", duration_minutes=60, photographers=[maya])
    url = (
        reverse("sessions:booking-create", args=["headshot"])
        + "?"
        + urlencode({"start": TEN.isoformat()})
    )
    start = threading.Barrier(20)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def press_book(n):
        try:
            browser = Browser()
            start.wait()
            response = browser.post(
                url, {"name": f"Person {n}", "email": f"person{n}@example.com", "agree": "on"}
            )
            statuses.append(response.status_code)
            if response.status_code == 409:
                assert "That time" in response.content.decode()
                assert "nearest free times" in response.content.decode()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    with time_machine.travel(NOW, tick=True):
        threads = [threading.Thread(target=press_book, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert errors == []
    assert sorted(statuses) == [302] + [409] * 19
    assert Booking.objects.count() == 1
    # Only the winner is a client now: the others' details were not half-written.
    assert list(Client.objects.values_list("email", flat=True)) == [
        Booking.objects.get().client.email
    ]
