"""Fixtures for payment tests: a session with a deposit, a clock, a held booking."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sessions.models import AvailabilityRule, Booking, Payment
from sessions.services import booking_create
from tests.factories import PhotographerFactory, SessionTypeFactory

PAY_NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # Monday 1 June, 09:00 in London
PAY_TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # Wednesday 10 June, 10:00 in London
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def pay_clock():
    with time_machine.travel(PAY_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def portrait(studio):
    """A £150 portrait session with a £50 deposit, with Maya on Wednesdays 9 to 5."""
    maya = PhotographerFactory(display_name="Maya Lind")
    AvailabilityRule.objects.create(
        photographer=maya, weekday=2, start_time=time(9), end_time=time(17)
    )
    return SessionTypeFactory(
        name="Portrait",
        slug="portrait",
        duration_minutes=60,
        price=15000,
        deposit=5000,
        currency="GBP",
        photographers=[maya],
    )


@pytest.fixture
def held(stripe_standin, pay_clock, portrait, anna) -> Booking:
    """Anna's portrait at 10:00 on 10 June, held while she pays the deposit."""
    return booking_create(client=anna, session_type=portrait, starts_at=PAY_TEN, tz=LONDON)


def payment_received(booking: Booking, *, amount: int, paid_at: datetime, **fields) -> Payment:
    """A payment received in full, written straight to the table: the deposit, by card,
    unless `kind` or `method` say otherwise (a card's Stripe ids go in `fields` too)."""
    return Payment.objects.create(
        booking=booking,
        kind=fields.pop("kind", Payment.Kind.DEPOSIT),
        amount=amount,
        currency=booking.currency,
        amount_received=amount,
        currency_received=booking.currency,
        status=Payment.Status.PAID,
        paid_at=paid_at,
        **fields,
    )
