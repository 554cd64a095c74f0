"""The admin's sign-in is throttled per username and address (django-axes): waits that
grow with each wrong password, a plain message saying how long, and never a lock on the
owner from another address, nor for ever."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from studio.login_limits import LOGIN_LONGEST_WAIT, login_wait
from tests.factories import UserFactory

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
LOGIN = reverse("admin:login")
PASSWORD = "correct horse battery staple"
ATTACKER = "203.0.113.66"
OWNER_AT_HOME = "198.51.100.7"


@pytest.fixture
def owner(db):
    user = UserFactory(username="owner", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client, password, *, address=ATTACKER, username="owner", **headers):
    client.logout()
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        **headers,
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_five_wrong_passwords_make_that_address_wait_with_a_plain_message(client, owner, studio):
    with time_machine.travel(NOW, tick=False):
        answers = [sign_in(client, f"guess {n}") for n in range(5)]
        assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
        locked = sign_in(client, PASSWORD)  # even the right password waits
    assert locked.status_code == 429
    assert not signed_in(locked)
    text = locked.content.decode()
    assert "Too many wrong passwords for “owner” from your connection" in text
    assert "Please wait 1\xa0minute, then try again" in text
    assert 'id="login-form"' in text  # the sign-in page itself, not an error page
    with time_machine.travel(NOW + timedelta(seconds=61), tick=False):
        assert signed_in(sign_in(client, PASSWORD))


def test_the_owner_signs_in_from_their_own_address_while_someone_guesses(client, owner, studio):
    with time_machine.travel(NOW, tick=False):
        for n in range(12):
            sign_in(client, f"guess {n}")
        assert sign_in(client, PASSWORD).status_code == 429
        assert signed_in(sign_in(client, PASSWORD, address=OWNER_AT_HOME))


def test_each_wrong_password_after_a_wait_doubles_the_next_wait(client, owner, studio):
    moment = NOW
    with time_machine.travel(moment, tick=False):
        for n in range(5):
            sign_in(client, f"guess {n}")
    for failures, wait in [(6, 2), (7, 4), (8, 8)]:
        moment += login_wait(failures - 1) + timedelta(seconds=1)
        with time_machine.travel(moment, tick=False):
            assert sign_in(client, "another guess").status_code == 429
        with time_machine.travel(moment + timedelta(minutes=wait) - timedelta(seconds=5)):
            assert sign_in(client, PASSWORD).status_code == 429, failures
        assert login_wait(failures) == timedelta(minutes=wait)
    with time_machine.travel(moment + timedelta(minutes=8, seconds=1), tick=False):
        assert signed_in(sign_in(client, PASSWORD))


def test_tries_while_waiting_are_not_counted_so_retrying_never_lengthens_the_wait(
    client, owner, studio
):
    with time_machine.travel(NOW, tick=False):
        for n in range(5):
            sign_in(client, f"guess {n}")
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        for _ in range(20):
            assert sign_in(client, "typo").status_code == 429
    with time_machine.travel(NOW + timedelta(seconds=61), tick=False):
        assert signed_in(sign_in(client, PASSWORD))


def test_no_wait_is_longer_than_a_day(client, owner, studio):
    assert login_wait(10_000) == LOGIN_LONGEST_WAIT == timedelta(days=1)
    moment = NOW
    for failures in range(1, 30):
        with time_machine.travel(moment, tick=False):
            sign_in(client, "guess")
        moment += login_wait(failures) + timedelta(seconds=1)
    with time_machine.travel(moment, tick=False):
        assert signed_in(sign_in(client, PASSWORD))


def test_the_right_password_forgets_earlier_mistakes(client, owner, studio):
    with time_machine.travel(NOW, tick=False):
        for n in range(4):
            sign_in(client, f"guess {n}")
        assert signed_in(sign_in(client, PASSWORD))
        for n in range(4):
            assert sign_in(client, f"guess {n}").status_code == 200  # four free tries again


def test_without_the_proxy_a_forged_forwarded_for_changes_nothing(client, owner, studio, settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    with time_machine.travel(NOW, tick=False):
        for n in range(5):
            sign_in(client, "guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        answer = sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert answer.status_code == 429


def test_behind_the_proxy_the_address_it_appended_is_the_one_counted(
    client, owner, studio, settings
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxy = "10.0.0.2"
    with time_machine.travel(NOW, tick=False):
        for n in range(5):  # the guesser forges the first entry; the proxy appends the real one
            sign_in(client, "guess", address=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}")
        assert sign_in(client, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=ATTACKER).status_code
        assert (
            sign_in(client, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=ATTACKER).status_code
            == 429
        )
        # Everyone comes through the proxy's address; the owner is told apart by theirs.
        assert signed_in(
            sign_in(client, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=OWNER_AT_HOME)
        )
