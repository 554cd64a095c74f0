"""Whatever the hours and bookings, any time the calendar offers can be booked."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions.models import AvailabilityRule
from sessions.selectors import session_type_slots
from sessions.services import booking_create
from tests.factories import BookingFactory, ClientFactory, PhotographerFactory, SessionTypeFactory

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
FIRST, LAST = date(2026, 3, 23), date(2026, 4, 5)  # across Europe/London's spring change
LONDON = ZoneInfo("Europe/London")


class Rollback(Exception):
    pass


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    hours=st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 40), st.integers(1, 16)), min_size=1, max_size=6
    ),
    busy=st.lists(st.tuples(st.integers(0, 13 * 48), st.sampled_from([30, 60, 90])), max_size=15),
    duration=st.sampled_from([20, 30, 60, 90]),
    buffers=st.sampled_from([(0, 0), (15, 15), (0, 10)]),
    pick=st.randoms(use_true_random=False),
)
def test_every_offered_time_can_be_booked(db, hours, busy, duration, buffers, pick):
    try:
        with transaction.atomic():
            maya = PhotographerFactory()
            for weekday, start, length in hours:
                end = min(start + length, 47)
                AvailabilityRule.objects.create(
                    photographer=maya,
                    weekday=weekday,
                    start_time=time(start // 2, 30 * (start % 2)),
                    end_time=time(end // 2, 30 * (end % 2)) if end > start else time(23, 59),
                )
            session_type = SessionTypeFactory(
                duration_minutes=duration,
                buffer_before_minutes=buffers[0],
                buffer_after_minutes=buffers[1],
                photographers=[maya],
            )
            other = SessionTypeFactory(duration_minutes=30, photographers=[maya])
            taken = []
            for offset, length in busy:
                # Arithmetic in UTC: a zone-aware datetime plus a timedelta is wall-clock
                # arithmetic in Python, which is wrong across a clock change.
                midnight = datetime.combine(FIRST, time(0), LONDON).astimezone(UTC)
                starts_at = midnight + timedelta(minutes=30 * offset)
                if any(
                    s < starts_at + timedelta(minutes=length) and starts_at < e for s, e in taken
                ):
                    continue
                taken.append((starts_at, starts_at + timedelta(minutes=length)))
                BookingFactory(session_type=other, photographer=maya, starts_at=starts_at)
            for _ in range(3):  # book, then book again from what is offered now
                days = session_type_slots(
                    session_type=session_type, first_day=FIRST, last_day=LAST, tz=LONDON, now=NOW
                )
                offered = [slot for day in days.values() for slot in day]
                if not offered:
                    break
                slot = pick.choice(offered)
                booking = booking_create(
                    client=ClientFactory(),
                    session_type=session_type,
                    starts_at=slot.starts_at,
                    tz=LONDON,
                    now=NOW,
                )
                assert booking.starts_at == slot.starts_at
                again = session_type_slots(
                    session_type=session_type, first_day=FIRST, last_day=LAST, tz=LONDON, now=NOW
                )
                assert slot.starts_at not in {s.starts_at for d in again.values() for s in d}
            raise Rollback
    except Rollback:
        pass
