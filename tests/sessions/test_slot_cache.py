"""The booking calendar's cache (sessions.slot_cache): the same answers as the database,
whatever changes and whenever; one query and a cache read while nothing does."""

import contextlib
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection, transaction
from django.urls import reverse
from django.utils.http import urlencode

from sessions.booking_changes import booking_cancel, booking_reschedule
from sessions.models import AvailabilityRule, Booking, DateHours, SlotVersion, TimeOff
from sessions.payments.checkout import booking_holds_expire
from sessions.selectors import _engine_inputs, session_type_calendar, session_type_slots
from sessions.services import SlotUnavailable, booking_create
from sessions.slots import available_slots
from studio.models import Studio
from tests.factories import (
    BookingFactory,
    ClientFactory,
    SessionTypeFactory,
    photographer_every_day,
)

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)  # the clocks change on the 25th
FIRST, LAST = date(2026, 10, 21), date(2026, 11, 3)

pytestmark = pytest.mark.django_db(transaction=True)  # commits, so versions move on


@pytest.fixture
def setting():
    Studio.objects.create(name="Lumen", time_zone="Europe/London", currency="GBP")
    team = [photographer_every_day(start=9, end=13, display_name=f"P{n}") for n in range(3)]
    portrait = SessionTypeFactory(
        slug="portrait",
        duration_minutes=60,
        buffer_after_minutes=15,
        minimum_notice_hours=2,
        max_per_day=2,
        photographers=team,
    )
    return portrait, team


def the_range(portrait, photographer=None):
    return {
        "session_type": portrait,
        "first_day": FIRST,
        "last_day": LAST,
        "tz": LONDON,
        "photographer_ids": [photographer.pk] if photographer else None,
    }


def calendar(portrait, *, cached, day=None, photographer=None, exclude=None):
    return session_type_calendar(
        **the_range(portrait, photographer),
        day=day,
        full_days=True,
        exclude_booking_id=exclude,
        cached=cached,
    )


def every_time(portrait, photographer, cached=True):
    """Every day's times and who is free then, as the calendar's diaries give them."""
    engine, _rows = _engine_inputs(**the_range(portrait, photographer), cached=cached)
    return available_slots(**engine)


def free_start(portrait, rng, photographer=None):
    days = session_type_slots(**the_range(portrait, photographer))
    times = [slot for slots in days.values() for slot in slots]
    return rng.choice(times) if times else None


def change(portrait, team, rng, now):
    """One random change of what the slot engine reads, through the services where there
    is one, else as the admin or a bulk write would make it."""
    kind = rng.choice(
        ["book", "hold", "cancel", "expire", "move", "off", "unoff", "hours", "dated", "team"]
    )
    active = list(Booking.objects.filter(status__in=["confirmed", "held"]))
    someone = rng.choice(team)
    if kind == "book" and (slot := free_start(portrait, rng)):
        booking_create(
            client=ClientFactory(), session_type=portrait, starts_at=slot.starts_at, tz=LONDON
        )
    elif kind == "hold" and (slot := free_start(portrait, rng, someone)):
        BookingFactory(
            session_type=portrait,
            photographer=someone,
            starts_at=slot.starts_at,
            status=Booking.Status.HELD,
            hold_expires_at=now + timedelta(minutes=rng.choice([5, 30, 90])),
        )
    elif kind == "cancel" and active:
        booking_cancel(booking_id=rng.choice(active).pk, by_client=False)
    elif kind == "expire":
        booking_holds_expire(now=now)  # a bulk update
    elif kind == "move" and active:
        booking = rng.choice([b for b in active if b.status == "confirmed"] or active)
        slot = free_start(portrait, rng, booking.photographer)
        # Its own buffer may stand in the way of the time chosen.
        with contextlib.suppress(SlotUnavailable):
            if slot is not None:
                booking_reschedule(
                    booking_id=booking.pk, starts_at=slot.starts_at, tz=LONDON, by_client=False
                )
    elif kind == "off":
        at = datetime.combine(FIRST, time(8), UTC) + timedelta(hours=rng.randrange(14 * 24))
        TimeOff.objects.create(
            photographer=rng.choice([someone, None]), starts_at=at, ends_at=at + timedelta(hours=3)
        )
    elif kind == "unoff" and (off := TimeOff.objects.order_by("?").first()):
        off.delete()
    elif kind == "hours":
        rules = AvailabilityRule.objects.filter(photographer=someone, weekday=rng.randrange(7))
        rules.update(end_time=time(rng.choice([11, 13, 17])))  # a bulk update
    elif kind == "dated":
        DateHours.objects.create(
            photographer=someone,
            date=FIRST + timedelta(days=rng.randrange(14)),
            start_time=time(15),
            end_time=time(18),
            replaces_weekly=rng.choice([True, False]),
        )
    elif kind == "team":
        if portrait.photographers.filter(pk=someone.pk).exists():
            portrait.photographers.remove(someone)
        else:
            portrait.photographers.add(someone)


@pytest.mark.parametrize("seed", [1, 2])
def test_cached_and_uncached_calendars_agree_whatever_changes(setting, seed):
    portrait, team = setting
    rng = random.Random(seed)
    now = START
    for _step in range(40):
        with time_machine.travel(now, tick=False):
            change(portrait, team, rng, now)
            day = FIRST + timedelta(days=rng.randrange(14))
            for photographer in (None, rng.choice(team)):
                for _read in range(2):  # a miss, then a hit
                    assert calendar(portrait, cached=True, day=day, photographer=photographer) == (
                        calendar(portrait, cached=False, day=day, photographer=photographer)
                    )
                    assert every_time(portrait, photographer) == every_time(
                        portrait, photographer, cached=False
                    )
        now += timedelta(minutes=rng.choice([1, 10, 40]))  # holds run out on their own
    assert SlotVersion.objects.get(pk=1).number > 0


def test_a_moved_booking_is_left_out_of_its_own_calendar(setting):
    portrait, _team = setting
    with time_machine.travel(START, tick=False):
        booking = BookingFactory(
            session_type=portrait,
            photographer=portrait.photographers.first(),
            starts_at=datetime(2026, 10, 22, 9, tzinfo=UTC),
        )
        for exclude in (None, booking.pk, None):
            assert calendar(portrait, cached=True, exclude=exclude) == calendar(
                portrait, cached=False, exclude=exclude
            )


def test_a_warm_calendar_page_reads_the_version_not_the_diaries(
    setting, client, django_assert_max_num_queries
):
    url = reverse("sessions:slot-pick", args=["portrait"])
    query = {"month": "2026-10", "day": "2026-10-22"}
    with time_machine.travel(START, tick=False):
        cold = client.get(url, query).content
        # The session type, its packages and add-ons, its photographers, the version.
        with django_assert_max_num_queries(6):
            warm = client.get(url, query).content
    assert warm == cold


def test_a_cache_that_is_down_never_stops_the_calendar(setting, settings):
    portrait, _team = setting
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    with time_machine.travel(START, tick=False):
        assert calendar(portrait, cached=True, day=FIRST) == calendar(
            portrait, cached=False, day=FIRST
        )
        assert calendar(portrait, cached=True)[0]  # days with times, read around the cache
    cache.close()


# The calendar's answer is kept per minute (sessions.selectors.CLOCK_BUCKET_SECONDS).
ELEVEN = datetime(2026, 10, 20, 11, 0, tzinfo=UTC)  # the first start two hours after START
FORM = {"name": "Rosa Diaz", "email": "rosa@example.com", "phone": "", "notes": "", "agree": "on"}


def times_shown(client, photographer=None) -> str:
    query = {"month": "2026-10", "day": "2026-10-20"}
    if photographer:
        query["photographer"] = photographer.pk
    return client.get(reverse("sessions:slot-pick", args=["portrait"]), query).content.decode()


def shown(html: str, moment: datetime) -> bool:
    return f'data-starts="{moment.isoformat()}"' in html


def test_a_change_that_moves_the_version_shows_on_the_very_next_request(setting, client):
    portrait, team = setting
    with time_machine.travel(START - timedelta(seconds=50), tick=False):
        assert shown(times_shown(client, team[0]), ELEVEN)
        BookingFactory(session_type=portrait, photographer=team[0], starts_at=ELEVEN)
        assert not shown(times_shown(client, team[0]), ELEVEN)  # the same minute


def test_a_time_goes_off_the_page_before_its_notice_runs_out_never_after(setting, client):
    """Kept for a minute, the page is worked out for the end of its minute: it never offers
    a time that stops being bookable while it is kept (a client clicking the first time
    of a day at 10:00:30 was refused it when pages were worked out for 10:00:00)."""
    with time_machine.travel(START - timedelta(minutes=1), tick=False):
        assert shown(times_shown(client), ELEVEN)
    with time_machine.travel(START - timedelta(seconds=1), tick=False):
        assert shown(times_shown(client), ELEVEN)  # kept for the minute, and still bookable
    with time_machine.travel(START, tick=False):
        assert not shown(times_shown(client), ELEVEN)  # its notice runs out in this minute


def test_a_time_shown_from_the_cache_but_taken_meanwhile_is_refused_kindly(setting, client):
    portrait, team = setting
    details = reverse("sessions:booking-create", args=["portrait"])
    details += "?" + urlencode({"start": ELEVEN.isoformat(), "photographer": team[0].pk})
    with time_machine.travel(START - timedelta(seconds=50), tick=False):
        assert shown(times_shown(client, team[0]), ELEVEN)
        before = SlotVersion.objects.get().number
        BookingFactory(session_type=portrait, photographer=team[0], starts_at=ELEVEN)
        # A bump lost between a commit and its bump: the cache still shows the time.
        SlotVersion.objects.update(number=before)
        assert shown(times_shown(client, team[0]), ELEVEN)
        opened = client.get(details, follow=True)
        response = client.post(details, FORM)
    assert "Sorry, that time is no longer free." in opened.content.decode()
    assert response.status_code == 409
    assert "That time is no longer free." in response.content.decode()
    assert not Booking.objects.filter(client__email="rosa@example.com").exists()


def test_a_version_that_cannot_move_on_stops_nothing_else_the_commit_runs(setting):
    """The version's table gone (a real database error): the change still commits and what
    was to follow it (a booking's emails and tasks) still runs; only the cache is stale."""
    _portrait, team = setting
    table = SlotVersion._meta.db_table
    followed = []
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
    try:
        with transaction.atomic():
            TimeOff.objects.create(
                photographer=team[0],
                starts_at=datetime(2026, 10, 22, 9, tzinfo=UTC),
                ends_at=datetime(2026, 10, 22, 10, tzinfo=UTC),
            )
            transaction.on_commit(lambda: followed.append("the emails"))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table}_away RENAME TO {table}")
    assert followed == ["the emails"]
    assert TimeOff.objects.filter(photographer=team[0]).exists()


def test_a_database_restored_from_a_backup_never_meets_answers_of_the_undone_timeline(setting):
    """The backup's version comes back with it, while the changes made after the backup
    left answers in the cache under the versions they moved to. No change after the
    restore may land on one of those."""
    portrait, team = setting
    someone = team[1]
    with time_machine.travel(START, tick=False):
        every_time(portrait, someone)
        backup = SlotVersion.objects.get().number
        lost = BookingFactory(
            session_type=portrait,
            photographer=someone,
            starts_at=datetime(2026, 10, 22, 9, tzinfo=UTC),
        )
        every_time(portrait, someone)  # kept under the undone timeline's version
        Booking.objects.filter(pk=lost.pk).delete()  # the restore: the booking never was...
        SlotVersion.objects.filter(pk=1).update(number=backup)  # ...nor its version
        for day in (23, 26, 27):  # changes after the restore
            TimeOff.objects.create(
                photographer=someone,
                starts_at=datetime(2026, 10, day, 9, tzinfo=UTC),
                ends_at=datetime(2026, 10, day, 10, tzinfo=UTC),
            )
            assert every_time(portrait, someone) == every_time(portrait, someone, cached=False)
