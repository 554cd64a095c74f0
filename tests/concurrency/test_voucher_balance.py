"""Two clients paying with the same gift voucher at the same moment, each booking another
photographer: together they never take more than its balance. Nothing but the voucher's row
lock (PostgreSQL) or SQLite's one writer at a time stands between them."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from sessions.models import AvailabilityRule, Booking, CodeRedemption, GiftVoucher
from sessions.payments.vouchers import voucher_remaining
from sessions.services import booking_create
from tests.concurrency.races import at_once
from tests.factories import ClientFactory, PhotographerFactory, SessionTypeFactory
from tests.payment_fixtures import LONDON

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("value", [15000, 20000])  # one booking's worth, and a bit more
def test_two_bookings_at_once_never_take_more_than_the_balance(value):
    team = PhotographerFactory.create_batch(2)
    for photographer in team:
        AvailabilityRule.objects.create(
            photographer=photographer, weekday=TEN.weekday(), start_time=time(9), end_time=time(17)
        )
    portrait = SessionTypeFactory(
        name="Portrait", slug="portrait", price=15000, deposit=0, photographers=team
    )
    gift = GiftVoucher.objects.create(
        code="GIFT-RACE-TEST",
        value=value,
        currency=portrait.currency,
        buyer_name="Rosa",
        recipient_name="Amy",
        status=GiftVoucher.Status.PAID,
        paid_at=NOW,
        expires_on=date(2028, 6, 1),
    )
    clients = ClientFactory.create_batch(2)

    def press(client, photographer):
        return lambda: booking_create(
            client=client,
            session_type=portrait,
            starts_at=TEN,
            tz=LONDON,
            photographer=photographer,
            code="GIFT-RACE-TEST",
            now=NOW,
        )

    with time_machine.travel(NOW, tick=True):
        outcomes = at_once(*(press(c, p) for c, p in zip(clients, team, strict=True)))

    taken = sum(CodeRedemption.objects.values_list("amount", flat=True))
    assert (
        taken
        == min(value, 2 * 15000)
        == sum(Booking.objects.values_list("gift_voucher_amount", flat=True))
    )
    assert voucher_remaining(gift) == 0
    if value == 15000:
        assert outcomes == ["That gift voucher has been used up.", "done"]
    else:
        assert outcomes == ["done", "done"]
        assert sorted(Booking.objects.values_list("gift_voucher_amount", flat=True)) == [
            5000,
            15000,
        ]
