import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from clients.emails import sign_in_link_send
from clients.models import SignInLink
from clients.services import sign_in_link_request
from tests.factories import BookingFactory

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
SIGN_IN = reverse("clients:sign-in")
MY = reverse("clients:my-sessions")


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def link_for(client_obj, django_capture_on_commit_callbacks):
    """Ask for a link as a person would, run the worker's task, return the emailed URL."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sign_in_link_request(email=client_obj.email)
    assert len(callbacks) == 1
    assert "token" not in callbacks[0].keywords["kwargs"]  # only the address is queued
    assert sign_in_link_send(**callbacks[0].keywords["kwargs"])
    assert re.search(r"It works once, until \d\d:\d\d \(London time\)\.", mail.outbox[-1].body)
    return re.search(r"https?://\S+/my/sign-in/\S+/", mail.outbox[-1].body).group(0)


def path_of(url):
    return "/" + url.split("/", 3)[3]


def test_known_and_unknown_addresses_get_the_same_answer(
    client, studio, anna, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        known = client.post(SIGN_IN, {"email": "anna@example.com"})
        unknown = client.post(SIGN_IN, {"email": "nobody@example.com"})
    assert len(queued) == 2  # the same work for both: the worker finds out who is who
    assert known.status_code == unknown.status_code == 200

    def without_address(response):
        html = response.content.decode()
        return html.replace("anna@example.com", "X").replace("nobody@example.com", "X")

    assert without_address(known) == without_address(unknown)
    assert [sign_in_link_send(**q.keywords["kwargs"]) for q in queued] == [True, False]
    assert SignInLink.objects.count() == 1
    assert mail.outbox[0].to == ["Anna Kowalska <anna@example.com>"]


def test_a_link_signs_in_once_and_shows_only_that_clients_sessions(
    client, studio, anna, ben, django_capture_on_commit_callbacks
):
    annas = BookingFactory(client=anna, starts_at=NOW + timedelta(days=3))
    bens = BookingFactory(client=ben, starts_at=NOW + timedelta(days=4))
    url = path_of(link_for(anna, django_capture_on_commit_callbacks))

    landing = client.get(url)  # a mail scanner's visit changes nothing
    assert "Show my sessions" in landing.content.decode()
    assert client.get(MY).status_code == 302

    response = client.post(url, follow=True)
    html = response.content.decode()
    assert "Hello, Anna Kowalska" in html
    assert annas.reference in html
    assert bens.reference not in html

    client.post(reverse("clients:sign-out"))
    again = client.post(url, follow=True)
    assert "expired or was already used" in again.content.decode()
    assert client.get(MY).status_code == 302


def test_only_a_hash_of_the_token_is_stored(studio, anna, django_capture_on_commit_callbacks):
    url = link_for(anna, django_capture_on_commit_callbacks)
    token = url.rstrip("/").rsplit("/", 1)[1]
    stored = SignInLink.objects.get().token_hash
    assert token not in stored
    assert len(stored) == 64


def test_a_link_expires_after_thirty_minutes(
    client, studio, anna, django_capture_on_commit_callbacks
):
    url = path_of(link_for(anna, django_capture_on_commit_callbacks))
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        response = client.post(url, follow=True)
    assert "expired or was already used" in response.content.decode()


def test_a_made_up_link_signs_nobody_in(client, studio):
    response = client.post(reverse("clients:sign-in-confirm", args=["made-up"]), follow=True)
    assert "expired or was already used" in response.content.decode()


def test_requests_are_limited_per_address(client, studio, anna, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answers = [
            client.post(SIGN_IN, {"email": email}, REMOTE_ADDR=f"203.0.113.{n}")
            for n, email in enumerate(["ANNA@example.com", " anna@example.com "] * 4)
        ]
    assert len(queued) == 5
    assert answers[6].content == answers[0].content  # past the limit, the same page


def test_requests_are_limited_per_ip(client, studio, anna, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        for n in range(30):
            client.post(SIGN_IN, {"email": f"someone{n}@example.com"}, REMOTE_ADDR="198.51.100.7")
    assert len(queued) == 20
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(SIGN_IN, {"email": "anna@example.com"}, REMOTE_ADDR="198.51.100.8")
    assert len(queued) == 1


def test_an_ipv6_household_counts_as_one_address(
    client, studio, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        for n in range(30):
            client.post(
                SIGN_IN, {"email": f"someone{n}@example.com"}, REMOTE_ADDR=f"2001:db8:1:2::{n:x}"
            )
    assert len(queued) == 20


def test_a_name_with_a_comma_still_gets_its_email(studio, django_capture_on_commit_callbacks):
    from tests.factories import ClientFactory

    kowalska = ClientFactory(name="Kowalska, Anna", email="ak@example.com")
    link_for(kowalska, django_capture_on_commit_callbacks)
    assert mail.outbox[0].to == ['"Kowalska, Anna" <ak@example.com>']
    from django.core.mail.message import sanitize_address

    assert sanitize_address(mail.outbox[0].to[0], "utf-8")  # what the SMTP backend does
