"""A waitlist place keeps the add-ons chosen with the package: the day is full for the
length they make, the time offered fits them, and booking it sells them."""

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse

from sessions.booking_changes import booking_cancel
from sessions.models import AvailabilityRule, Booking, WaitlistEntry
from sessions.waitlist import offer_booking_url
from tests.factories import BookingFactory, PhotographerFactory
from tests.package_fixtures import family_with_packages

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # Monday 1 June, 09:00 in London
WEDNESDAY = date(2026, 6, 10)
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # 10:00 in London
ELEVEN = TEN + timedelta(hours=1)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def family(studio):
    """Maya works Wednesdays 10:00–12:00; Essentials is an hour, make-up adds 45 minutes."""
    maya = PhotographerFactory(display_name="Maya Lind")
    AvailabilityRule.objects.create(
        photographer=maya, weekday=2, start_time=time(10), end_time=time(12)
    )
    family = family_with_packages([maya])
    family.maya = maya
    return family


def book(family, at):
    return BookingFactory(session_type=family, photographer=family.maya, starts_at=at)


def join_url_on_calendar(client, family, **chosen) -> str:
    """The "Join the waitlist" link the calendar shows for Wednesday with this choice."""
    pick = client.get(
        reverse("sessions:slot-pick", args=[family.slug]), {"month": "2026-06", **chosen}
    )
    html = pick.content.decode().replace("&amp;", "&")
    start = html.index(reverse("sessions:waitlist-join", args=[family.slug]) + "?day=2026-06-10")
    return html[start : html.index('"', start)]


def test_a_day_full_only_for_the_longer_session_takes_waitlist_places_for_it(client, family):
    book(family, TEN)  # 11:00–12:00 is free: an hour, not an hour and 45 minutes
    chosen = {"package": family.package.pk, "add_on": family.make_up.pk}
    url = join_url_on_calendar(client, family, **chosen)
    assert parse_qs(urlsplit(url).query)["add_on"] == [str(family.make_up.pk)]
    page = client.get(url).content.decode()
    assert "Package: Essentials, with Hair and make-up." in page
    joined = client.post(url, {"name": "Zoe Quinn", "email": "zoe@example.com"})
    assert "You're on the waitlist" in joined.content.decode()
    entry = WaitlistEntry.objects.get()
    assert (entry.package, list(entry.add_ons.all())) == (family.package, [family.make_up])
    # Without the make-up the hour that is free fits, and the calendar says so.
    plain = reverse("sessions:waitlist-join", args=[family.slug])
    plain += f"?day=2026-06-10&package={family.package.pk}"
    refused = client.post(plain, {"name": "Ian Moss", "email": "ian@example.com"}, follow=True)
    assert "That day still has free times" in refused.content.decode()
    assert WaitlistEntry.objects.count() == 1


def test_the_time_offered_fits_the_add_ons_and_booking_it_sells_them(client, family, run_tasks):
    first, second = book(family, TEN), book(family, ELEVEN)
    url = join_url_on_calendar(
        client, family, package=family.package.pk, add_on=[family.make_up.pk, family.rush.pk]
    )
    client.post(url, {"name": "Zoe Quinn", "email": "zoe@example.com"})
    zoe = WaitlistEntry.objects.get()
    with run_tasks():
        booking_cancel(booking_id=second.pk, by_client=False)
    zoe.refresh_from_db()
    assert zoe.status == WaitlistEntry.Status.WAITING  # an hour free: her session is longer
    with run_tasks():
        booking_cancel(booking_id=first.pk, by_client=False)
    zoe.refresh_from_db()
    hold = zoe.hold
    assert zoe.status == WaitlistEntry.Status.OFFERED
    assert (hold.starts_at, hold.ends_at) == (TEN, TEN + timedelta(minutes=105))
    assert [i.name for i in hold.items.all()] == ["Essentials", "Hair and make-up", "Rush editing"]
    offer_url = offer_booking_url(zoe)
    assert sorted(parse_qs(urlsplit(offer_url).query)["add_on"]) == sorted(
        [str(family.make_up.pk), str(family.rush.pk)]
    )
    with run_tasks():
        done = client.post(
            offer_url, {"name": "Zoe Quinn", "email": "zoe@example.com", "for_whom": "me"}
        )
    assert done.status_code == 302
    zoe.refresh_from_db()
    booking = zoe.booking
    assert (booking.starts_at, booking.ends_at) == (TEN, TEN + timedelta(minutes=105))
    assert booking.status == Booking.Status.CONFIRMED
    assert [i.name for i in booking.items.all()] == [i.name for i in hold.items.all()]
    assert booking.price == 32500 + 9500 + 7500
    assert booking.included_images == 15 + 5
    # Booked: the leave link no longer asks to leave, and leaving changes nothing.
    leave = reverse("sessions:waitlist-leave", args=[zoe.token])
    entry_page = reverse("sessions:waitlist-entry", args=[zoe.token])
    assert client.get(leave)["Location"] == entry_page
    left = client.post(leave, {"leave": "1"}, follow=True).content.decode()
    assert "You've left the waitlist" not in left
    assert "You booked the time" in left
    zoe.refresh_from_db()
    assert zoe.status == WaitlistEntry.Status.BOOKED


def test_an_add_on_the_studio_stopped_offering_is_left_out_of_the_offer(client, family, run_tasks):
    book(family, TEN)
    second = book(family, ELEVEN)
    url = join_url_on_calendar(client, family, package=family.package.pk, add_on=family.make_up.pk)
    client.post(url, {"name": "Zoe Quinn", "email": "zoe@example.com"})
    family.make_up.is_active = False
    family.make_up.save()
    with run_tasks():
        booking_cancel(booking_id=second.pk, by_client=False)
    zoe = WaitlistEntry.objects.get()
    # Without the make-up her session is an hour: the freed 11:00 is hers, at its price.
    assert (zoe.status, zoe.hold.starts_at, zoe.hold.ends_at) == (
        "offered",
        ELEVEN,
        ELEVEN + timedelta(hours=1),
    )
    assert zoe.hold.price == 32500
    assert "add_on" not in parse_qs(urlsplit(offer_booking_url(zoe)).query)


def test_a_link_with_an_add_on_no_longer_offered_keeps_the_others(client, family):
    book(family, TEN)
    book(family, ELEVEN)
    url = join_url_on_calendar(client, family, package=family.package.pk, add_on=family.make_up.pk)
    family.rush.is_active = False
    family.rush.save()
    stale = f"{url}&add_on={family.rush.pk}"  # an old link: rush editing is gone since
    assert "Package: Essentials, with Hair and make-up." in client.get(stale).content.decode()
    client.post(stale, {"name": "Zoe Quinn", "email": "zoe@example.com"})
    entry = WaitlistEntry.objects.get()
    assert list(entry.add_ons.all()) == [family.make_up]
