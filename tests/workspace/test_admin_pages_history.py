"""The admin's dashboard and month calendar read what they show, not the studio's history:
the same queries with 500 bookings over three months as with 4,500 more in the years before."""

from datetime import UTC, datetime, timedelta
from itertools import cycle

import pytest
import time_machine

from sessions.models import Booking, Payment
from studio.page_cache import workspace_changed
from tests.factories import ClientFactory, PhotographerFactory, SessionTypeFactory

NOW = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)  # Wednesday 10 June, 09:00 in London
DASHBOARD_QUERIES = 17  # when made (the slot version is one); kept: test_dashboard_cache
CALENDAR_QUERIES = 11  # 7, and 4 for how full each photographer's days are


@pytest.fixture
def owner_client(client, staff_user, studio, settings):
    settings.PAYMENTS_ENABLED = True  # the unpaid balances' part too
    client.force_login(staff_user)
    with time_machine.travel(NOW, tick=False):
        yield client


def seed(count: int, *, first: datetime, days: int, start: int) -> None:
    """`count` bookings an hour long, from `first` over `days` days, for three photographers
    in turn (none overlaps: each has an hour of the day to themselves), the past ones
    completed with their deposit paid."""
    people = [PhotographerFactory() for _ in range(3)]
    kinds = [SessionTypeFactory(), SessionTypeFactory()]
    clients = cycle([ClientFactory() for _ in range(20)])
    rows = []
    for n in range(count):
        starts = first + timedelta(days=n // 9 % days, hours=n % 9)
        kind = kinds[n % 2]
        rows.append(
            Booking(
                reference=f"H{start + n:06d}",
                client=next(clients),
                session_type=kind,
                photographer=people[n % 3],
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                blocked_from=starts,
                blocked_until=starts + timedelta(hours=1),
                status=Booking.Status.COMPLETED if starts < NOW else Booking.Status.CONFIRMED,
                package=kind.package,
                currency="GBP",
                price=20000,
                deposit=5000,
            )
        )
    made = Booking.objects.bulk_create(rows)
    Payment.objects.bulk_create(
        Payment(
            booking=booking,
            kind=Payment.Kind.DEPOSIT,
            amount=5000,
            amount_received=5000,
            currency="GBP",
            currency_received="GBP",
            status="paid",
            method="card",
            paid_at=booking.starts_at - timedelta(days=20),
        )
        for booking in made
        if booking.starts_at < NOW
    )


def test_the_dashboard_and_calendar_take_the_same_queries_with_ten_times_the_history(
    owner_client, django_assert_max_num_queries
):
    # 500 bookings from 45 days back to 45 days ahead (9 an hour apart on 56 days), then
    # 4,500 more over the three years before.
    seed(500, first=NOW.replace(hour=8) - timedelta(days=45), days=90, start=0)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        dashboard = owner_client.get("/admin/").content.decode()
    with django_assert_max_num_queries(CALENDAR_QUERIES):
        month = owner_client.get("/admin/shoots/booking/calendar/").content.decode()
    seed(4500, first=NOW.replace(hour=8) - timedelta(days=45 + 3 * 365), days=3 * 365, start=500)
    assert Booking.objects.count() == 5000
    workspace_changed()  # bulk_create sends no signal: the dashboard is made again, with them
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        dashboard_later = owner_client.get("/admin/").content.decode()
    with django_assert_max_num_queries(CALENDAR_QUERIES):
        month_later = owner_client.get("/admin/shoots/booking/calendar/").content.decode()
    assert month_later.count('class="cal-block booking') == month.count('class="cal-block booking')
    assert month.count('class="cal-block booking') > 100
    assert dashboard_later.count("dash-sessions") == dashboard.count("dash-sessions")
