"""Refunding a gift voucher while it is being used, or twice at the same moment: the money
given back and the money the voucher paid on bookings never add up to more than was paid for
it, and Stripe makes one refund. Nothing but the rows' locks (PostgreSQL) or SQLite's one
writer at a time, and the refund's idempotency key, stand between them."""

from datetime import UTC, datetime, time

import pytest
import time_machine

from sessions.models import (
    AvailabilityRule,
    CodeRedemption,
    GiftVoucher,
    VoucherPayment,
    VoucherRefund,
)
from sessions.payments.voucher_refunds import voucher_refund
from sessions.payments.voucher_sales import (
    VoucherOrder,
    voucher_checkout_url,
    voucher_order_create,
    voucher_payment_refresh,
)
from sessions.services import booking_create
from tests.concurrency.races import at_once
from tests.factories import ClientFactory, PhotographerFactory, SessionTypeFactory
from tests.payment_fixtures import LONDON

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


def a_paid_voucher(stripe_standin) -> GiftVoucher:
    """A £200 voucher Rosa bought through Checkout (the stand-in's)."""
    sale = voucher_order_create(
        order=VoucherOrder(
            value=20000,
            currency="GBP",
            buyer_name="Rosa Diaz",
            buyer_email="rosa@example.com",
            recipient_name="Amy Santiago",
        )
    )
    voucher_checkout_url(voucher_payment_id=sale.pk)
    sale.refresh_from_db()
    stripe_standin.complete_session(sale.stripe_checkout_session_id)
    voucher_payment_refresh(voucher_payment_id=sale.pk)
    return GiftVoucher.objects.get(status=GiftVoucher.Status.PAID)


@pytest.mark.django_db(transaction=True)
def test_a_refund_and_a_booking_at_once_never_give_back_what_the_voucher_paid(
    studio, stripe_standin, eager_tasks
):
    maya = PhotographerFactory()
    AvailabilityRule.objects.create(
        photographer=maya, weekday=TEN.weekday(), start_time=time(9), end_time=time(17)
    )
    portrait = SessionTypeFactory(price=15000, deposit=0, photographers=[maya])
    with time_machine.travel(NOW, tick=True):
        voucher = a_paid_voucher(stripe_standin)
        outcomes = at_once(
            lambda: voucher_refund(voucher_id=voucher.pk),
            lambda: booking_create(
                client=ClientFactory(),
                session_type=portrait,
                starts_at=TEN,
                tz=LONDON,
                code=voucher.code,
            ),
        )

    used = sum(CodeRedemption.objects.values_list("amount", flat=True))
    refunded = VoucherPayment.objects.get().amount_refunded
    assert used + refunded == 20000  # all of it, once: used, or given back
    assert len(stripe_standin.refunds) == 1
    if used:  # the booking came first: the refund gave back what it left
        assert (outcomes, refunded) == (["done", "done"], 5000)
    else:  # the refund came first: the voucher was void for the booking
        assert outcomes == ["That gift voucher is no longer valid.", "done"]
    assert GiftVoucher.objects.get().status == GiftVoucher.Status.VOID


@pytest.mark.django_db(transaction=True)
def test_two_presses_at_once_refund_once(studio, stripe_standin, eager_tasks):
    with time_machine.travel(NOW, tick=True):
        voucher = a_paid_voucher(stripe_standin)
        outcomes = at_once(*[lambda: voucher_refund(voucher_id=voucher.pk)] * 2)

    assert len(stripe_standin.refunds) == 1
    assert VoucherRefund.objects.count() == 1
    assert VoucherPayment.objects.get().amount_refunded == 20000
    nothing_left = (
        f"Nothing is left on {voucher.code} to refund: it has been used or refunded in full."
    )
    assert outcomes in (["done", "done"], sorted(["done", nothing_left]))
