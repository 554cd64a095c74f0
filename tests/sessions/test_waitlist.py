"""Waitlists for full days: joining, a freed time held for the first one waiting and emailed
once, taking it on the booking page, leaving, and the next one offered when an offer runs
out; and booking for someone else."""

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse

from clients.models import Client
from sessions.booking_changes import booking_cancel, booking_reschedule
from sessions.documents.merge import document_facts
from sessions.models import AvailabilityRule, Booking, DateHours, WaitlistEntry
from sessions.payments.checkout import booking_holds_expire
from sessions.selectors import booking_list_for_client
from sessions.services import SlotUnavailable, booking_create
from sessions.waitlist import (
    WaitlistRefused,
    offer_booking_url,
    waitlist_full_days,
    waitlist_join,
    waitlist_offer_take,
    waitlist_offers_make,
    waitlist_offers_scan,
)
from sessions.waitlist_emails import waitlist_offer_email_send
from studio.models import SentEmail
from tests.factories import BookingFactory, PhotographerFactory, SessionTypeFactory

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # Monday 1 June, 09:00 in London
WEDNESDAY = date(2026, 6, 10)
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # Wednesday 10 June, 10:00 in London
ELEVEN = TEN + timedelta(hours=1)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def maya(db):
    """Works Wednesdays 10:00–12:00: two hour-long sessions a day."""
    photographer = PhotographerFactory(display_name="Maya Lind")
    AvailabilityRule.objects.create(
        photographer=photographer, weekday=2, start_time=time(10), end_time=time(12)
    )
    return photographer


@pytest.fixture
def headshot(studio, maya):
    return SessionTypeFactory(
        name="Headshot", slug="headshot", duration_minutes=60, slot_step_minutes=60,
        photographers=[maya],
    )  # fmt: skip


@pytest.fixture
def full(headshot, maya):
    """Wednesday 10 June fully booked: two clients' sessions."""
    return [
        BookingFactory(session_type=headshot, photographer=maya, starts_at=moment)
        for moment in (TEN, ELEVEN)
    ]


def join(headshot, email="zoe@example.com", name="Zoe Quinn", day=WEDNESDAY):
    return waitlist_join(
        session_type=headshot,
        package=headshot.package,
        day=day,
        name=name,
        email=email,
        tz=headshot_tz(),
    )


def headshot_tz():
    return ZoneInfo("Europe/London")


def test_full_days_are_days_with_hours_and_no_free_time_not_days_off(headshot, full):
    days = waitlist_full_days(
        session_type=headshot, first_day=date(2026, 6, 8), last_day=date(2026, 6, 17),
        tz=headshot_tz(),
    )  # fmt: skip
    assert days == [WEDNESDAY]  # the 17th is free, the other days have no hours


def test_a_day_with_free_times_or_no_hours_has_no_waitlist(headshot, full):
    with pytest.raises(WaitlistRefused, match="still has free times"):
        join(headshot, day=date(2026, 6, 17))
    with pytest.raises(WaitlistRefused, match="can't be booked"):
        join(headshot, day=date(2026, 6, 11))
    assert not WaitlistEntry.objects.exists()


def test_joining_twice_keeps_one_place(headshot, full):
    first = join(headshot)
    assert join(headshot, email="ZOE@example.com") == first
    assert WaitlistEntry.objects.count() == 1


def test_a_cancellation_holds_the_time_for_the_first_one_waiting_and_emails_them_once(
    client, staff_user, headshot, full, run_tasks
):
    zoe, ian = join(headshot), join(headshot, email="ian@example.com", name="Ian Moss")
    with run_tasks():
        booking_cancel(booking_id=full[1].pk, by_client=False)
    zoe.refresh_from_db()
    ian.refresh_from_db()
    assert (zoe.status, ian.status) == (WaitlistEntry.Status.OFFERED, WaitlistEntry.Status.WAITING)
    hold = zoe.hold
    assert (hold.status, hold.starts_at, hold.photographer) == (
        "held",
        ELEVEN,
        full[1].photographer,
    )
    assert hold.hold_expires_at == NOW + timedelta(hours=2)  # the studio's default
    assert hold.client.email == "zoe@example.com"
    client.force_login(staff_user)  # the studio sees why the time is held
    story = client.get(reverse("admin:shoots_booking_change", args=[hold.pk])).content.decode()
    assert "Held for this person from the waitlist until 1 Jun, 11:00" in story
    assert booking_list_for_client(client_id=hold.client_id) == []  # not a session of hers yet
    listed = client.get(reverse("admin:shoots_waitlistentry_changelist")).content.decode()
    assert "Zoe Quinn" in listed
    assert "Ian Moss" in listed
    [offer] = [m for m in mail.outbox if "came free" in m.subject]
    assert offer.to == ["Zoe Quinn <zoe@example.com>"]
    assert offer.subject == "A time came free: Headshot session on Wednesday 10 June at 11:00"
    assert f"/waitlist/{zoe.token}/" in offer.body
    assert f"/waitlist/{zoe.token}/leave/" in offer.body
    assert "until Monday 1 June, 11:00" in offer.body
    logged = SentEmail.objects.get(kind="waitlist-offer")
    assert zoe.token not in logged.text_body + logged.html_body  # the log keeps no live link
    assert f"/waitlist/[private-link:waitlist:{zoe.pk}]/leave/" in logged.text_body
    # The time held counts as taken: nobody else is offered it, nor sees it free.
    assert waitlist_offers_make(day=WEDNESDAY) == 0
    assert WEDNESDAY in waitlist_full_days(
        session_type=headshot, first_day=WEDNESDAY, last_day=WEDNESDAY, tz=headshot_tz()
    )
    assert waitlist_offer_email_send(entry_id=zoe.pk) is False  # sent once
    assert len([m for m in mail.outbox if "came free" in m.subject]) == 1


def test_an_offer_not_taken_goes_to_the_next_one_when_it_runs_out(headshot, full, run_tasks):
    zoe, ian = join(headshot), join(headshot, email="ian@example.com", name="Ian Moss")
    with run_tasks():
        booking_cancel(booking_id=full[0].pk, by_client=False)
    zoe.refresh_from_db()
    later = NOW + timedelta(hours=2, minutes=1)
    with time_machine.travel(later, tick=False), run_tasks():
        assert booking_holds_expire() == 1  # beat's sweep, which hears of the freed time
    zoe.refresh_from_db()
    ian.refresh_from_db()
    assert (zoe.status, ian.status) == (WaitlistEntry.Status.LAPSED, WaitlistEntry.Status.OFFERED)
    assert ian.hold.starts_at == TEN
    assert ian.hold.hold_expires_at == later + timedelta(hours=2)
    assert [m.to for m in mail.outbox if "came free" in m.subject] == [
        ["Zoe Quinn <zoe@example.com>"],
        ["Ian Moss <ian@example.com>"],
    ]


def test_beat_offers_a_time_freed_while_no_worker_ran(headshot, full, settings):
    zoe = join(headshot)
    booking_cancel(booking_id=full[0].pk, by_client=False)  # its task never ran
    zoe.refresh_from_db()
    assert zoe.status == WaitlistEntry.Status.WAITING
    assert waitlist_offers_scan() == 1
    zoe.refresh_from_db()
    assert zoe.status == WaitlistEntry.Status.OFFERED
    assert waitlist_offers_scan() == 0  # nothing twice
    ian = join(headshot, email="ian@example.com", name="Ian Moss")
    with time_machine.travel(datetime(2026, 6, 11, 8, tzinfo=UTC), tick=False):
        assert waitlist_offers_scan() == 0
    ian.refresh_from_db()
    assert ian.status == WaitlistEntry.Status.PASSED  # the day went by without a time


def test_a_moved_session_frees_its_old_time_for_the_waitlist(headshot, full, run_tasks):
    zoe = join(headshot)
    with run_tasks():
        booking_reschedule(
            booking_id=full[0].pk, starts_at=datetime(2026, 6, 17, 9, tzinfo=UTC),
            tz=headshot_tz(), by_client=False,
        )  # fmt: skip
    zoe.refresh_from_db()
    assert (zoe.status, zoe.hold.starts_at) == (WaitlistEntry.Status.OFFERED, TEN)


def test_two_freed_times_go_to_two_people_never_one_time_to_both(headshot, full, run_tasks):
    zoe, ian = join(headshot), join(headshot, email="ian@example.com", name="Ian Moss")
    with run_tasks():
        booking_cancel(booking_id=full[0].pk, by_client=False)
        booking_cancel(booking_id=full[1].pk, by_client=False)
    zoe.refresh_from_db()
    ian.refresh_from_db()
    assert {zoe.hold.starts_at, ian.hold.starts_at} == {TEN, ELEVEN}
    # The held time can't be booked by anyone else meanwhile.
    with pytest.raises(SlotUnavailable):
        booking_create(
            client=Client.objects.create(name="Al", email="al@example.com"),
            session_type=headshot, starts_at=TEN, tz=headshot_tz(),
        )  # fmt: skip


def test_an_offer_is_taken_only_for_its_time_and_only_while_open(headshot, full, run_tasks):
    zoe = join(headshot)
    with run_tasks():
        booking_cancel(booking_id=full[0].pk, by_client=False)
    zoe.refresh_from_db()
    with pytest.raises(SlotUnavailable):
        waitlist_offer_take(entry_id=zoe.pk, starts_at=ELEVEN)
    with pytest.raises(SlotUnavailable):
        waitlist_offer_take(entry_id=zoe.pk, starts_at=TEN, now=NOW + timedelta(hours=3))


def test_the_offer_link_books_the_held_time_and_the_details_are_filled_in(
    client, headshot, full, run_tasks
):
    zoe = join(headshot)
    with run_tasks():
        booking_cancel(booking_id=full[0].pk, by_client=False)
    zoe.refresh_from_db()
    page = client.get(reverse("sessions:waitlist-entry", args=[zoe.token]))
    assert "A time came free for you" in page.content.decode()
    url = offer_booking_url(zoe)
    assert url in page.content.decode().replace("&amp;", "&")
    form = client.get(url)
    html = form.content.decode()
    assert form.status_code == 200
    assert 'value="Zoe Quinn"' in html
    assert "kept for you from the waitlist" in html
    # Without the link the time is not free.
    plain = reverse("sessions:booking-create", args=["headshot"])
    assert client.get(plain + "?" + urlencode({"start": TEN.isoformat()})).status_code == 302
    with run_tasks():
        done = client.post(url, {"name": "Zoe Quinn", "email": "zoe@example.com", "for_whom": "me"})
    assert done.status_code == 302
    zoe.refresh_from_db()
    booking = zoe.booking
    assert (zoe.status, booking.starts_at, booking.status) == ("booked", TEN, "confirmed")
    assert zoe.hold.status == Booking.Status.EXPIRED
    assert (
        "You booked the time"
        in client.get(reverse("sessions:waitlist-entry", args=[zoe.token])).content.decode()
    )


def test_leaving_from_the_email_passes_the_held_time_to_the_next_one(
    client, headshot, full, run_tasks
):
    zoe, ian = join(headshot), join(headshot, email="ian@example.com", name="Ian Moss")
    with run_tasks():
        booking_cancel(booking_id=full[0].pk, by_client=False)
    leave = reverse("sessions:waitlist-leave", args=[zoe.token])
    assert "Leave the waitlist?" in client.get(leave).content.decode()
    with run_tasks():
        page = client.post(leave, {"leave": "1"}, follow=True)
    assert "You&#x27;ve left the waitlist" in page.content.decode()
    zoe.refresh_from_db()
    ian.refresh_from_db()
    assert (zoe.status, ian.status) == ("left", "offered")
    assert ian.hold.starts_at == TEN
    assert client.get(reverse("sessions:waitlist-entry", args=["x" * 32])).status_code == 404


def test_the_calendar_offers_the_waitlist_for_full_days_and_joining_works(client, headshot, full):
    pick = client.get(reverse("sessions:slot-pick", args=["headshot"]), {"month": "2026-06"})
    html = pick.content.decode()
    join_url = reverse("sessions:waitlist-join", args=["headshot"])
    assert "Join the waitlist for Wednesday 10 June" in html
    assert "Join the waitlist for Wednesday 17 June" not in html  # it has free times
    url = f"{join_url}?day=2026-06-10&package={headshot.package.pk}"
    assert client.get(url).status_code == 200
    page = client.post(url, {"name": "Zoe Quinn", "email": "zoe@example.com"})
    assert "You're on the waitlist" in page.content.decode()
    entry = WaitlistEntry.objects.get()
    assert (entry.day, entry.package, entry.email) == (
        WEDNESDAY,
        headshot.package,
        "zoe@example.com",
    )
    assert entry.token not in page.content.decode()  # the link is only in the emails
    free_day = client.post(f"{join_url}?day=2026-06-17", {"name": "Al", "email": "al@example.com"})
    assert free_day.status_code == 302
    assert WaitlistEntry.objects.count() == 1


def test_a_sold_out_mini_session_day_has_a_waitlist(studio, maya):
    minis = SessionTypeFactory(
        name="Minis", slug="minis", duration_minutes=30, slot_step_minutes=30, dated_only=True,
        photographers=[maya],
    )  # fmt: skip
    DateHours.objects.create(
        photographer=maya, session_type=minis, date=date(2026, 6, 13),
        start_time=time(10), end_time=time(11),
    )  # fmt: skip
    for minute in (0, 30):
        BookingFactory(
            session_type=minis, photographer=maya,
            starts_at=datetime(2026, 6, 13, 9, minute, tzinfo=UTC),
        )  # fmt: skip
    entry = join(minis, day=date(2026, 6, 13))
    assert entry.status == WaitlistEntry.Status.WAITING


def test_someone_booking_for_their_child_keeps_both_names_apart(
    client, studio, headshot, staff_user, run_tasks
):
    url = reverse("sessions:booking-create", args=["headshot"])
    url += "?" + urlencode({"start": TEN.isoformat()})
    typed = {"name": "Rosa Diaz", "email": "rosa@example.com", "for_whom": "someone_else"}
    missing = client.post(url, typed)
    assert "Please tell us the name of who is photographed." in missing.content.decode()
    with run_tasks():
        page = client.post(
            url, {**typed, "photographed_name": "Mia Diaz", "photographed_note": "daughter, 4"},
            follow=True,
        )  # fmt: skip
    booking = Booking.objects.get()
    assert (booking.client.name, booking.booked_as) == ("Rosa Diaz", "Rosa Diaz")
    assert (booking.photographed_name, booking.photographed_note) == ("Mia Diaz", "daughter, 4")
    assert "Mia Diaz (daughter, 4)" in page.content.decode()  # "Session for" on her page
    [confirmation] = [m for m in mail.outbox if m.subject.startswith("You're booked")]
    assert confirmation.to == ["Rosa Diaz <rosa@example.com>"]  # the contact, not the child
    assert "For:    Mia Diaz (daughter, 4)" in confirmation.body
    [to_studio] = [m for m in mail.outbox if m.subject.startswith("New booking")]
    assert "Rosa Diaz, for Mia Diaz (daughter, 4)" in to_studio.subject
    facts = document_facts(booking, studio)
    assert (facts["photographed_name"], facts["person_name"], facts["client_name"]) == (
        "Mia Diaz",
        "Mia Diaz",
        "Rosa Diaz",
    )
    client.force_login(staff_user)
    story = client.get(reverse("admin:shoots_booking_change", args=[booking.pk])).content.decode()
    assert 'booked for <strong class="story-photographed">Mia Diaz (daughter, 4)</strong>' in story


def test_booking_for_yourself_drops_a_name_typed_for_someone_else(client, headshot):
    url = reverse("sessions:booking-create", args=["headshot"])
    url += "?" + urlencode({"start": TEN.isoformat()})
    client.post(
        url,
        {"name": "Rosa Diaz", "email": "rosa@example.com", "for_whom": "me",
         "photographed_name": "Mia"},
    )  # fmt: skip
    booking = Booking.objects.get()
    assert (booking.photographed_name, booking.photographed) == ("", "Rosa Diaz")
    assert booking.name_for_studio == "Rosa Diaz"


@pytest.mark.parametrize(
    ("day", "said"),
    [
        ("9999-12-31", "further ahead than we take bookings for"),
        ("0001-01-01", "That day has passed"),
        ("2026-05-31", "That day has passed"),
        ("2027-06-10", "further ahead than we take bookings for"),
    ],
)
def test_a_day_no_one_could_book_sends_back_to_the_calendar_saying_why(
    client, headshot, full, day, said
):
    url = reverse("sessions:waitlist-join", args=["headshot"]) + f"?day={day}"
    page = client.get(url)
    assert page.status_code == 302
    assert page["Location"] == reverse("sessions:slot-pick", args=["headshot"])
    assert said in client.get(page["Location"]).content.decode()
    assert client.post(url, {"name": "Al", "email": "al@example.com"}).status_code == 302
    assert not WaitlistEntry.objects.exists()
    assert client.get(url.replace(day, "not-a-day")).status_code == 404


def test_one_photographers_full_day_is_no_waitlist_day_while_another_is_free(
    client, headshot, full
):
    theo = PhotographerFactory(display_name="Theo Grant")
    AvailabilityRule.objects.create(
        photographer=theo, weekday=2, start_time=time(10), end_time=time(12)
    )
    headshot.photographers.add(theo)
    maya = full[0].photographer
    pick = client.get(
        reverse("sessions:slot-pick", args=["headshot"]),
        {"month": "2026-06", "photographer": maya.pk},
    )
    assert "Join the waitlist for Wednesday 10 June" not in pick.content.decode()  # Theo is free


def test_the_studio_deletes_the_places_it_chose_from_a_list_filtered_by_status(
    admin_client, headshot, full
):
    entry = join(headshot)
    response = admin_client.post(
        reverse("admin:shoots_waitlistentry_changelist") + "?status__exact=waiting",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not WaitlistEntry.objects.exists()


def test_beat_sends_an_offer_whose_email_was_lost_with_its_worker(headshot, full, run_tasks):
    zoe = join(headshot)
    booking_cancel(booking_id=full[0].pk, by_client=False)
    assert waitlist_offers_scan() == 1  # offered; its email's task then dies with the worker
    assert not [m for m in mail.outbox if "came free" in m.subject]
    with run_tasks():
        waitlist_offers_scan()
    with run_tasks():
        waitlist_offers_scan()  # sent already: not again
    zoe.refresh_from_db()
    assert zoe.status == WaitlistEntry.Status.OFFERED
    assert [m.to for m in mail.outbox if "came free" in m.subject] == [
        ["Zoe Quinn <zoe@example.com>"]
    ]


def test_one_address_filling_the_waitlist_is_stopped_with_a_reason(client, headshot, full):
    url = reverse("sessions:waitlist-join", args=["headshot"]) + "?day=2026-06-10"
    for n in range(10):
        assert client.post(url, {"name": "Al", "email": f"al{n}@example.com"}).status_code == 200
    eleventh = client.post(url, {"name": "Al", "email": "al10@example.com"})
    assert eleventh.status_code == 429
    assert "a lot of waitlist places" in eleventh.content.decode()
    assert 'value="al10@example.com"' in eleventh.content.decode()  # what was typed stays
    assert WaitlistEntry.objects.count() == 10


def test_joining_emails_the_place_once_with_a_link_to_leave_before_any_offer(
    client, headshot, full, run_tasks
):
    url = reverse("sessions:waitlist-join", args=["headshot"])
    url += f"?day=2026-06-10&package={headshot.package.pk}"
    with run_tasks():
        page = client.post(url, {"name": "Zoe Quinn", "email": "zoe@example.com"})
    assert "We've sent you an email" in page.content.decode()
    with run_tasks():  # the same person again, another tab: the same place, no second email
        client.post(url, {"name": "Zoe Quinn", "email": "ZOE@example.com"})
    [joined] = [m for m in mail.outbox if "on the waitlist" in m.subject]
    assert joined.subject == "You're on the waitlist for Wednesday 10 June"
    assert joined.to == ["Zoe Quinn <zoe@example.com>"]
    assert "You're on the waitlist for a Headshot session on Wednesday 10 June." in joined.body
    assert "keep it for you for 2 hours" in joined.body
    entry = WaitlistEntry.objects.get()
    leave = reverse("sessions:waitlist-leave", args=[entry.token])
    assert f"{settings.SITE_URL}{leave}" in joined.body
    assert SentEmail.objects.get(key=f"waitlist-joined:{entry.pk}").kind == "waitlist-joined"
    client.post(leave, {"leave": "1"})
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.LEFT


def test_beat_sends_a_place_confirmation_lost_with_its_worker_but_not_after_an_offer(
    headshot, full, run_tasks
):
    zoe = join(headshot)  # its confirmation's task dies with the worker
    ian = join(headshot, email="ian@example.com", name="Ian Moss")
    booking_cancel(booking_id=full[0].pk, by_client=False)
    waitlist_offers_make(day=WEDNESDAY)  # Zoe is offered the time before any email went
    assert not mail.outbox
    with run_tasks():
        waitlist_offers_scan()
    with run_tasks():
        waitlist_offers_scan()  # sent already: not again
    joined = [m.to for m in mail.outbox if "on the waitlist" in m.subject]
    assert joined == [["Ian Moss <ian@example.com>"]]  # Zoe's offer says more than that
    assert [m.to for m in mail.outbox if "came free" in m.subject] == [
        ["Zoe Quinn <zoe@example.com>"]
    ]
    assert {zoe.pk, ian.pk} == set(WaitlistEntry.objects.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("day", "said"),
    [
        ("2026-06-17", "That day still has free times: you can book one now."),
        ("2026-06-11", "That day can&#x27;t be booked, so there is no waitlist for it."),
    ],
)
def test_the_join_page_of_a_day_that_is_not_full_says_so_before_anything_is_typed(
    client, headshot, full, day, said
):
    url = reverse("sessions:waitlist-join", args=["headshot"]) + f"?day={day}"
    page = client.get(url)
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("sessions:slot-pick", args=["headshot"]))
    assert f"day={day}" in page["Location"]
    assert said in client.get(page["Location"]).content.decode()
    assert client.get(url.replace(day, "2026-06-10")).status_code == 200  # the full day
