from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from sessions.models import AvailabilityRule, Booking, TimeOff
from sessions.selectors import session_type_slots
from sessions.services import REFERENCE_ALPHABET, SlotUnavailable, booking_create
from tests.factories import BookingFactory, ClientFactory, PhotographerFactory, SessionTypeFactory

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
DAY = date(2026, 6, 10)  # a Wednesday
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # 10:00 in London


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def maya(db):
    photographer = PhotographerFactory(display_name="Maya Lind", display_order=1)
    AvailabilityRule.objects.create(
        photographer=photographer, weekday=DAY.weekday(), start_time=time(9), end_time=time(17)
    )
    return photographer


@pytest.fixture
def headshot(maya):
    return SessionTypeFactory(
        name="Headshot", duration_minutes=60, price=15000, deposit=5000, photographers=[maya]
    )


def book(session_type, starts_at=TEN, **kwargs):
    kwargs.setdefault("client", ClientFactory())
    return booking_create(session_type=session_type, starts_at=starts_at, tz=LONDON, **kwargs)


def test_an_offered_time_is_booked_and_confirmed_when_no_payment_is_due(headshot, anna, maya):
    booking = book(headshot, client=anna)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.confirmed_at == NOW
    assert booking.photographer == maya
    assert (booking.starts_at, booking.ends_at) == (TEN, TEN + timedelta(hours=1))
    assert len(booking.reference) == 6
    assert set(booking.reference) <= set(REFERENCE_ALPHABET)


def test_prices_are_copied_so_later_changes_do_not_rewrite_history(headshot, anna, settings):
    settings.PAYMENTS_ENABLED = True
    booking = book(headshot, client=anna)
    headshot.price = 99900
    headshot.save()
    booking.refresh_from_db()
    assert (booking.price, booking.deposit, booking.currency) == (15000, 5000, "GBP")


def test_with_payments_on_a_deposit_holds_the_time_for_thirty_minutes(headshot, settings):
    settings.PAYMENTS_ENABLED = True
    booking = book(headshot)
    assert booking.status == Booking.Status.HELD
    assert booking.hold_expires_at == NOW + timedelta(minutes=30)


def test_a_session_type_needing_approval_is_requested(headshot):
    headshot.requires_approval = True
    headshot.save()
    assert book(headshot).status == Booking.Status.REQUESTED


def test_a_taken_time_is_refused_with_the_nearest_free_times(headshot):
    book(headshot)
    with pytest.raises(SlotUnavailable) as refused:
        book(headshot)
    assert "no longer free" in refused.value.message
    nearest = [s.starts_at.astimezone(LONDON).strftime("%H:%M") for s in refused.value.nearest]
    assert nearest == ["09:00", "11:00", "11:30"] or nearest == ["11:00", "11:30", "12:00"]
    assert Booking.objects.count() == 1


def test_a_time_that_was_never_offered_is_refused(headshot):
    with pytest.raises(SlotUnavailable):
        book(headshot, starts_at=TEN + timedelta(minutes=10))  # off the half-hour grid
    with pytest.raises(SlotUnavailable):
        book(headshot, starts_at=datetime(2026, 6, 10, 20, tzinfo=UTC))  # after hours
    with pytest.raises(SlotUnavailable):
        book(headshot, starts_at=NOW + timedelta(hours=2))  # inside the minimum notice
    assert not Booking.objects.exists()


def test_an_expired_hold_frees_its_time_at_once(headshot, maya):
    stale = BookingFactory(
        session_type=headshot,
        photographer=maya,
        starts_at=TEN,
        status=Booking.Status.HELD,
        hold_expires_at=NOW - timedelta(minutes=1),
    )
    booking = book(headshot)
    stale.refresh_from_db()
    assert stale.status == Booking.Status.EXPIRED
    assert booking.status == Booking.Status.CONFIRMED


def test_a_live_hold_keeps_its_time(headshot, maya):
    BookingFactory(
        session_type=headshot,
        photographer=maya,
        starts_at=TEN,
        status=Booking.Status.HELD,
        hold_expires_at=NOW + timedelta(minutes=10),
    )
    with pytest.raises(SlotUnavailable):
        book(headshot)


def test_studio_time_off_closes_every_photographer(headshot):
    TimeOff.objects.create(
        starts_at=datetime(2026, 6, 10, 0, tzinfo=UTC),
        ends_at=datetime(2026, 6, 11, 0, tzinfo=UTC),
        reason="Bank holiday",
    )
    assert session_type_slots(session_type=headshot, first_day=DAY, last_day=DAY, tz=LONDON) == {}


def test_any_photographer_picks_one_who_is_free(headshot, maya):
    sam = PhotographerFactory(display_name="Sam Ortiz", display_order=2)
    AvailabilityRule.objects.create(
        photographer=sam, weekday=DAY.weekday(), start_time=time(9), end_time=time(17)
    )
    headshot.photographers.add(sam)
    first, second = book(headshot), book(headshot)
    assert {first.photographer, second.photographer} == {maya, sam}
    with pytest.raises(SlotUnavailable):
        book(headshot)


def test_a_month_of_slots_takes_five_queries_whatever_the_bookings(
    headshot, django_assert_max_num_queries
):
    photographers = [PhotographerFactory() for _ in range(3)]
    for photographer in photographers:
        headshot.photographers.add(photographer)
        for weekday in range(7):
            AvailabilityRule.objects.create(
                photographer=photographer, weekday=weekday, start_time=time(8), end_time=time(20)
            )
    start = datetime(2026, 6, 2, 7, tzinfo=UTC)
    for n in range(500):
        BookingFactory(
            session_type=headshot,
            photographer=photographers[n % 3],
            starts_at=start + timedelta(hours=n // 3 % 12, days=n // 36),
        )
    with django_assert_max_num_queries(5):
        days = session_type_slots(
            session_type=headshot,
            first_day=date(2026, 6, 1),
            last_day=date(2026, 7, 1),
            tz=LONDON,
        )
    assert date(2026, 6, 5) not in days  # a Friday the three have fully booked
    assert date(2026, 6, 10) in days  # Maya's Wednesday hours are still free
    assert date(2026, 6, 20) in days  # after the bookings run out


def test_the_database_refuses_overlapping_bookings_on_postgresql(headshot, maya):
    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints are PostgreSQL's; SQLite is covered by booking_create")
    BookingFactory(session_type=headshot, photographer=maya, starts_at=TEN)
    with (
        pytest.raises(IntegrityError, match="booking_no_overlap_per_photographer"),
        transaction.atomic(),
    ):
        BookingFactory(
            session_type=headshot, photographer=maya, starts_at=TEN + timedelta(minutes=30)
        )
    BookingFactory(session_type=headshot, photographer=maya, starts_at=TEN + timedelta(hours=1))


def test_with_payments_off_the_booking_confirms_and_its_deposit_is_due_at_the_studio(headshot):
    booking = book(headshot)
    assert (booking.price, booking.deposit) == (15000, 5000)
    assert booking.status == Booking.Status.CONFIRMED
    assert not booking.payments.exists()
