"""Share-link PINs: each address waits longer after each wrong PIN, nobody's guessing shuts
the family out, the studio hears of a guessing run, and the PIN's length is the studio's
setting."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.test import Client
from django.urls import reverse

from gallery.models import ShareLink, SharePinAttempt
from gallery.pins import (
    GUESSING_RUN_TRIES,
    PIN_FREE_TRIES,
    PIN_RUN_PACE,
    guessing_runs,
    pin_attempts_forget,
    pin_wait,
)
from studio.background import _send_after_commit
from studio.models import SentEmail
from tests.gallery.conftest import page_url

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
PIN = "258014"
GRANDMA = "198.51.100.10"
UNCLE = "198.51.100.11"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def link(published) -> ShareLink:
    return ShareLink.objects.create(
        gallery=published,
        label="Grandma",
        can_favorite=True,
        pin_hash=make_password(PIN),
        pin_length=len(PIN),
    )


def open_link(browser, link, pin=None, ip=GRANDMA):
    url = reverse("gallery:share-open", args=[link.token])
    if pin is None:
        return browser.get(url, REMOTE_ADDR=ip)
    return browser.post(url, {"pin": pin}, REMOTE_ADDR=ip)


def let_in(response, link) -> bool:
    return response.status_code == 302 and response["Location"] == page_url(link.gallery)


def guessing_run(link, *, addresses=30, tries=PIN_FREE_TRIES + 2, clock=None):
    """A stranger's script, from many addresses, each trying until it must wait; with
    `clock`, patient enough for the link to check each PIN (PIN_RUN_PACE apart)."""
    script = Client()
    for host in range(addresses):
        for guess in range(tries):
            open_link(script, link, pin=f"{host:03d}{guess:03d}", ip=f"203.0.113.{host + 1}")
            if clock is not None:
                clock.shift(PIN_RUN_PACE + timedelta(seconds=1))


def test_the_pin_form_asks_for_as_many_digits_as_the_pin_has(client, link, published):
    asked = open_link(client, link)
    assert asked.status_code == 200
    assert "protected by a 6-digit PIN" in asked.text
    assert 'pattern="[0-9]{6}" maxlength="6"' in asked.text
    assert client.get(page_url(published)).status_code == 404
    assert let_in(open_link(client, link, pin="258 014"), link)
    assert client.get(page_url(published)).status_code == 200


def test_a_four_digit_pin_set_before_still_works(client, published):
    old = ShareLink.objects.create(
        gallery=published, label="Tom", pin_hash=make_password("2580"), pin_length=4
    )
    assert "protected by a 4-digit PIN" in open_link(client, old).text
    assert let_in(open_link(client, old, pin="2580"), old)


def test_a_guessing_run_from_many_addresses_never_stops_the_family(client, link, published, clock):
    assert let_in(open_link(client, link, pin=PIN), link)  # Grandma, last week

    guessing_run(link)
    assert guessing_runs(now=NOW).filter(pk=link.pk).exists()

    # Grandma's browser keeps its way in, through the link or straight to the gallery.
    assert client.get(page_url(published)).status_code == 200
    assert let_in(open_link(client, link), link)
    # Its session gone (another week), the cookie saying it knew the PIN still lets it in,
    # even from an address the script used and that now has to wait.
    client.cookies.pop("sessionid")
    assert client.get(page_url(published)).status_code == 404
    assert let_in(open_link(client, link, ip="203.0.113.1"), link)
    assert client.get(page_url(published)).status_code == 200
    # Her son types the PIN for the first time, from his own connection: while the run is on
    # the link checks one PIN at a time, so he may be asked to try again in a moment.
    uncle = Client()
    asked = open_link(uncle, link, pin=PIN, ip=UNCLE)
    assert "checks one at a time: please try again in 1\xa0minute" in asked.text
    clock.shift(timedelta(seconds=31))
    assert let_in(open_link(uncle, link, pin=PIN, ip=UNCLE), link)
    assert uncle.get(page_url(published)).status_code == 200


def test_many_addresses_at_once_get_one_pin_checked_at_a_time(link, clock):
    """An IPv6 /48 holds 65,536 /64s, each with its own free tries: the link itself paces a
    run, so the PINs checked stay at two a minute however many addresses send them."""
    script = Client()

    def burst(addresses: range) -> None:
        for host in addresses:
            for guess in range(PIN_FREE_TRIES):
                open_link(script, link, pin=f"{host:03d}{guess:03d}", ip=f"2001:db8:0:{host:x}::1")

    def checked() -> int:
        return sum(
            SharePinAttempt.objects.filter(share_link=link).values_list("failures", flat=True)
        )

    burst(range(40))  # 200 PINs sent at once, from 40 fresh addresses
    assert checked() == GUESSING_RUN_TRIES + 1  # the run noticed, then one at a time
    for minute in range(1, 4):  # three minutes of the same
        clock.shift(timedelta(seconds=30))
        burst(range(40 * minute, 40 * minute + 4))
        clock.shift(timedelta(seconds=30))
        burst(range(40 * minute + 4, 40 * minute + 8))
    assert checked() == GUESSING_RUN_TRIES + 1 + 6


def test_one_address_waits_longer_after_each_wrong_pin(client, link, published, clock):
    answers = [open_link(client, link, pin=f"00000{n}").text for n in range(PIN_FREE_TRIES)]
    assert "That PIN isn&#x27;t right. Please check it and try again." in answers[0]
    assert "You can try again in 1\xa0minute" in answers[-1]
    waiting = open_link(client, link, pin=PIN)  # even the right PIN waits its turn
    assert "Please wait 1\xa0minute before trying again" in waiting.text
    assert client.get(page_url(published)).status_code == 404
    # Another address is not held up by this one.
    assert let_in(open_link(Client(), link, pin=PIN, ip=UNCLE), link)

    moment = NOW
    for failures in range(PIN_FREE_TRIES + 1, PIN_FREE_TRIES + 5):
        moment += pin_wait(failures - 1) + timedelta(seconds=1)
        clock.move_to(moment)
        open_link(client, link, pin="999999")
        wait = pin_wait(failures)
        assert wait == timedelta(minutes=2 ** (failures - PIN_FREE_TRIES))
        clock.move_to(moment + wait - timedelta(seconds=5))
        assert "Please wait" in open_link(client, link, pin=PIN).text
    clock.move_to(moment + pin_wait(PIN_FREE_TRIES + 4) + timedelta(seconds=1))
    assert let_in(open_link(client, link, pin=PIN), link)
    assert (
        not SharePinAttempt.objects.filter(share_link=link)
        .exclude(failures=0)
        .filter(last_failed_at__gte=moment)
    )  # the right PIN forgets this address's mistakes


def test_waits_stop_growing_at_a_day_and_are_forgotten_after_a_month(link):
    assert pin_wait(PIN_FREE_TRIES - 1) == timedelta(0)
    assert pin_wait(PIN_FREE_TRIES + 10) == timedelta(minutes=1024)
    assert pin_wait(PIN_FREE_TRIES + 11) == pin_wait(10_000) == timedelta(days=1)
    guessing_run(link, addresses=2)
    assert pin_attempts_forget(now=NOW + timedelta(days=29)) == 0
    assert pin_attempts_forget(now=NOW + timedelta(days=31)) == 2


def test_tries_at_the_same_moment_cannot_slip_past_the_wait(link):
    """Each try is counted before its PIN is checked, under the address's row lock."""
    from gallery.pins import PinWait, pin_try_claim

    claimed = []
    for _ in range(20):
        try:
            pin_try_claim(share_link_id=link.pk, address="203.0.113.7", now=NOW)
            claimed.append(True)
        except PinWait:
            claimed.append(False)
    assert claimed.count(True) == PIN_FREE_TRIES


def test_the_studio_is_told_of_a_guessing_run_once_a_day(
    link, studio, eager_tasks, django_capture_on_commit_callbacks, clock
):
    with django_capture_on_commit_callbacks(execute=True):
        guessing_run(link, addresses=3, tries=3)  # nine wrong PINs: family typos, maybe
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        guessing_run(link, addresses=10, tries=PIN_FREE_TRIES, clock=clock)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["Lumen Portraits <hello@lumen.example>"]
    assert "Someone is guessing the PIN of the link for Grandma" in sent.subject
    assert "wrong PINs from 10 connections in the last day" in sent.body  # the run's 3 too
    assert "give the link a new PIN or revoke it" in sent.body
    assert SentEmail.objects.get().kind == "studio-pin-guessing"

    clock.move_to(NOW + timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True) as later:
        guessing_run(link, addresses=5, tries=2, clock=clock)
    assert len(mail.outbox) == 1
    # Nothing even queued once today's email is sent (the dashboard's version moves on).
    assert [c for c in later if getattr(c, "func", None) is _send_after_commit] == []

    clock.move_to(NOW + timedelta(days=1, hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        guessing_run(link, addresses=12, tries=1)
    assert len(mail.outbox) == 2


def test_the_dashboard_says_which_link_is_being_guessed(client, link, staff_user, clock):
    guessing_run(link, addresses=4, tries=3, clock=clock)
    client.force_login(staff_user)
    page = client.get("/admin/").content.decode()
    assert "someone is guessing the PIN of the link for Grandma (12 wrong PINs in a day)" in page


def test_the_admin_asks_for_a_pin_of_the_studios_length(client, published, staff_user, studio):
    from tests.gallery.test_pipeline import admin_form_data

    client.force_login(staff_user)
    url = reverse("admin:gallery_gallery_change", args=[published.pk])
    page = client.get(url)
    assert "6 digits; leave empty to keep the current one." in page.text
    data = admin_form_data(page)
    data.update(
        {
            "share_links-TOTAL_FORMS": "1",
            "share_links-0-label": "Grandma",
            "share_links-0-can_favorite": "on",
            "share_links-0-new_pin": "2580",
        }
    )
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "A PIN is 6 digits, like 258014; this one has 4." in refused.text
    data["share_links-0-new_pin"] = "25a014"
    assert "A PIN is 6 digits (0 to 9 only), like 258014." in client.post(url, data).text
    data["share_links-0-new_pin"] = "258 014"
    assert client.post(url, data).status_code == 302
    made = ShareLink.objects.get()
    assert (made.pin_length, made.can_favorite) == (6, True)
    assert made.pin_hash.startswith("md5$")  # hashed (the tests' fast hasher), never stored
    assert PIN not in made.pin_hash
    assert f"/gallery/share/{made.token}/" in client.get(url).text

    studio.share_pin_digits = 8
    studio.save()
    page = client.get(url)
    assert "8 digits; leave empty to keep the current one." in page.text
    data = admin_form_data(page)
    data["share_links-0-new_pin"] = PIN
    assert "A PIN is 8 digits, like 25801473; this one has 6." in client.post(url, data).text


def test_the_studio_cannot_ask_for_pins_shorter_than_six_digits(studio):
    from django.core.exceptions import ValidationError

    studio.share_pin_digits = 4
    with pytest.raises(ValidationError, match="share_pin_digits"):
        studio.full_clean()


def test_a_share_link_cannot_be_given_a_day_already_past(client, published, staff_user, clock):
    from tests.gallery.test_pipeline import admin_form_data

    client.force_login(staff_user)
    url = reverse("admin:gallery_gallery_change", args=[published.pk])
    data = admin_form_data(client.get(url))
    data.update(
        {
            "share_links-TOTAL_FORMS": "1",
            "share_links-0-label": "Grandma",
            "share_links-0-expires_on": "31/05/2026",  # yesterday
        }
    )
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "That day has passed, so the link would not open at all." in refused.text
    assert 'value="Grandma"' in refused.text  # what was typed stays
    assert not ShareLink.objects.exists()
    data["share_links-0-expires_on"] = "01/06/2026"  # today: it works until tonight
    assert client.post(url, data).status_code == 302
    link = ShareLink.objects.get()
    # A link that ran out keeps its day when the page is saved for something else.
    ShareLink.objects.filter(pk=link.pk).update(expires_on=NOW.date() - timedelta(days=3))
    data = admin_form_data(client.get(url))
    data["share_links-0-label"] = "Grandma Rose"
    assert client.post(url, data).status_code == 302
    link.refresh_from_db()
    assert (link.label, link.expires_on) == ("Grandma Rose", NOW.date() - timedelta(days=3))
