"""Two clients typing the last use of a code at the same moment: one gets it, the other is
told it has been used up. Each books a different photographer, so nothing but the code's
row lock (PostgreSQL) or SQLite's one writer at a time stands between them."""

import html
import threading
from datetime import UTC, datetime, time
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test import Client as Browser
from django.urls import reverse

from sessions.models import AvailabilityRule, Booking, CodeRedemption, DiscountCode
from sessions.services import booking_create
from tests.concurrency.races import at_once
from tests.factories import ClientFactory, PhotographerFactory, SessionTypeFactory
from tests.payment_fixtures import LONDON

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


def two_photographers_and_a_last_use():
    team = PhotographerFactory.create_batch(2)
    for photographer in team:
        AvailabilityRule.objects.create(
            photographer=photographer, weekday=TEN.weekday(), start_time=time(9), end_time=time(17)
        )
    portrait = SessionTypeFactory(
        name="Portrait", slug="portrait", price=15000, deposit=0, photographers=team
    )
    DiscountCode.objects.create(code="LAST", percent_off=2500, usage_limit=1)
    return team, portrait


@pytest.mark.django_db(transaction=True)
def test_two_clients_taking_the_last_use_at_once_one_gets_it():
    team, portrait = two_photographers_and_a_last_use()
    clients = ClientFactory.create_batch(2)

    def press(client, photographer):
        return lambda: booking_create(
            client=client,
            session_type=portrait,
            starts_at=TEN,
            tz=LONDON,
            photographer=photographer,
            code="last",
            now=NOW,
        )

    with time_machine.travel(NOW, tick=True):
        outcomes = at_once(*(press(c, p) for c, p in zip(clients, team, strict=True)))

    assert outcomes == ["That code has been used up.", "done"]
    assert Booking.objects.count() == 1
    assert CodeRedemption.objects.get().booking == Booking.objects.get()


@pytest.mark.django_db(transaction=True)
def test_on_the_site_the_second_client_sees_used_up_and_keeps_what_they_typed(studio):
    team, _portrait = two_photographers_and_a_last_use()
    start = threading.Barrier(2)
    answers: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def press_book(n, photographer):
        try:
            browser = Browser()
            query = urlencode({"start": TEN.isoformat(), "photographer": photographer.pk})
            url = reverse("sessions:booking-create", args=["portrait"]) + "?" + query
            form = {"name": f"Person {n}", "email": f"person{n}@example.com", "code": "LAST"}
            start.wait()
            response = browser.post(url, {**form, "agree": "on"})
            answers.append((response.status_code, html.unescape(response.content.decode())))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    with time_machine.travel(NOW, tick=True):
        threads = [threading.Thread(target=press_book, args=(n, p)) for n, p in enumerate(team)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    assert sorted(status for status, _page in answers) == [200, 302]
    (refused,) = [page for status, page in answers if status == 200]
    assert "That code has been used up." in refused
    assert 'value="LAST"' in refused
    assert Booking.objects.count() == 1
    assert Booking.objects.get().discount == 3750
