"""Books that balance: whatever happens to a booking's money (payments by card or recorded,
refunds, discounts changed, the booking cancelled), its invoices and credit notes, the
ledger and its balance agree to the minor unit.

- Going ahead: billed (invoices less credit notes) = price − discount; what is still owed
  (billed − kept) is exactly the balance the client is asked for.
- Ended: billed = what the studio kept (received less refunded); nothing is owed.
- A gift voucher (sold through Stripe, then used on the booking) pays part of what is owed
  without being money received on the booking: billed − kept − paid by voucher is the
  balance; the bill and its tax stay whole; cancelling gives the voucher its amount back; the
  ledger holds the voucher's sale, never its use.
- A payment plan's open parts ask, together, exactly what is still owed; a paid part shows
  what its payment kept (after any refund).
- A voucher's sale refunded (what is left on it, by the studio; any amount, in Stripe's
  dashboard; a refund the bank fails later), as Stripe reports it to the webhook and again
  (a replay): what is left on the voucher is its value less its uses and what was refunded,
  never below zero; a sale refunded in full voids it; the ledger takes refunds not failed off
  the money received, once each.

The booking bought a package (sold before items kept their tax: billed at the booking's
rate) and an add-on sold at a rate of its own, so invoices mix rates and share discounts.
"""

from datetime import UTC, date, datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions.models import (
    Booking,
    BookingItem,
    CodeRedemption,
    GiftVoucher,
    Installment,
    Invoice,
    Payment,
    Refund,
    VoucherPayment,
    VoucherRefund,
)
from sessions.payments.installments import plan_left, plan_lines
from sessions.payments.invoices import booking_invoice_issue, refund_credit_note_issue
from sessions.payments.ledger import booking_balance_due, booking_received, money_ledger
from sessions.payments.redemptions import redemptions_release
from sessions.payments.voucher_refunds import voucher_refundable
from sessions.payments.voucher_sales import voucher_payment_apply
from sessions.payments.vouchers import voucher_remaining
from studio.models import Studio
from studio.tax import line_figures
from tests.factories import BookingFactory, SessionTypeFactory

PRICE = 59000
ADD_ON = 9975  # of PRICE

# 0: the studio refunds what is left on the latest voucher; otherwise that much of its sale,
# in Stripe's dashboard.
voucher_refunds = st.tuples(
    st.just("voucher_refund"), st.sampled_from([0, 0, 1, 2500, 30000, 2 * PRICE])
)
events = st.lists(
    st.one_of(
        st.tuples(
            st.just("pay"),
            st.sampled_from(["deposit", "balance", "installment"]),
            st.integers(1, 30000),
        ),
        st.tuples(st.just("refund"), st.integers(0, 5), st.integers(1, 30000)),
        st.tuples(st.just("discount"), st.integers(0, PRICE)),
        st.tuples(st.just("cancel")),
        st.tuples(st.just("voucher"), st.integers(1, 2 * PRICE)),
        voucher_refunds,
        st.tuples(st.just("voucher_refund_fails")),
    ),
    max_size=10,
)
# What may happen to a voucher sold (and used on the booking, if it can be) and then its
# booking: its sale refunded, a refund failing, the booking cancelled (the use given back).
after_a_voucher = st.lists(
    st.one_of(
        voucher_refunds,
        st.tuples(st.just("voucher_refund_fails")),
        st.tuples(st.just("cancel")),
        st.tuples(st.just("pay"), st.just("balance"), st.integers(1, 30000)),
    ),
    max_size=6,
)


def _pay(booking: Booking, kind: str, amount: int, n: int) -> None:
    owed = booking_balance_due(booking)
    if kind == "deposit" and booking.payments.filter(kind="deposit").exists():
        kind = "balance"
    part = None
    if kind == "installment":
        part = booking.installments.filter(status=Installment.Status.SCHEDULED).first()
        kind = "installment" if part else "balance"
    amount = min(amount, owed)
    if amount <= 0 or booking.status != Booking.Status.CONFIRMED:
        return
    recorded = n % 2  # every other one by bank transfer, the rest by card
    payment = Payment.objects.create(
        booking=booking,
        kind=kind,
        amount=amount,
        currency="GBP",
        status=Payment.Status.PAID,
        amount_received=amount,
        currency_received="GBP",
        paid_at=datetime(2026, 6, 3, 10, n, tzinfo=UTC),
        method=Payment.Method.BANK_TRANSFER if recorded else Payment.Method.CARD,
        stripe_payment_intent_id=None if recorded else f"pi_{booking.pk}_{n}",
    )
    if part is not None:  # a part of the payment plan, paid (as much as the client paid)
        part.payment, part.status = payment, Installment.Status.PAID
        part.save()


def _refund(booking: Booking, which: int, amount: int) -> None:
    payments = list(booking.payments.order_by("pk"))
    if not payments:
        return
    payment = payments[which % len(payments)]
    amount = min(amount, payment.amount_received - payment.amount_refunded)
    if amount <= 0:
        return
    refund = Refund.objects.create(
        payment=payment,
        amount=amount,
        currency="GBP",
        reason=Refund.Reason.STUDIO,
        status=Refund.Status.SUCCEEDED,
    )
    payment.amount_refunded += amount
    full = payment.amount_refunded == payment.amount_received
    payment.status = Payment.Status.REFUNDED if full else Payment.Status.PARTIALLY_REFUNDED
    payment.save(update_fields=["amount_refunded", "status"])
    refund_credit_note_issue(refund_id=refund.pk)  # what the worker does once it is made


def _voucher(booking: Booking, value: int, n: int) -> None:
    """A voucher sold through Stripe for `value`, then used on the booking as the code field
    uses it: what is left on it, up to what is still owed (one code per booking)."""
    paid_at = datetime(2026, 6, 2, 10, n, tzinfo=UTC)
    voucher = GiftVoucher.objects.create(
        value=value,
        currency="GBP",
        buyer_name="Rosa",
        recipient_name="Amy",
        status=GiftVoucher.Status.PAID,
        paid_at=paid_at,
        expires_on=datetime(2028, 6, 2, tzinfo=UTC).date(),
    )
    VoucherPayment.objects.create(
        voucher=voucher,
        amount=value,
        currency="GBP",
        status=VoucherPayment.Status.PAID,
        amount_received=value,
        currency_received="GBP",
        paid_at=paid_at,
        stripe_payment_intent_id=f"pi_voucher_{voucher.pk}",
    )
    if booking.status != Booking.Status.CONFIRMED or booking.redemptions.exists():
        return
    amount = min(voucher_remaining(voucher), booking_balance_due(booking))
    if amount <= 0:
        return
    CodeRedemption.objects.create(
        booking=booking,
        gift_voucher=voucher,
        code=voucher.code,
        amount=amount,
        currency="GBP",
        email="anna@example.com",
    )
    booking.gift_voucher_amount = amount
    booking.save(update_fields=["gift_voucher_amount"])


def _reported(row: VoucherRefund, status: str | None = None) -> dict:
    """A refund as Stripe lists it on the charge."""
    mine = row.reason == VoucherRefund.Reason.STUDIO
    return {
        "id": row.stripe_refund_id,
        "amount": row.amount,
        "currency": row.currency.lower(),
        "status": status or row.status,
        "metadata": {"gift_voucher_id": str(row.voucher_payment.voucher_id)} if mine else {},
    }


def _stripe_says(sale: VoucherPayment, refunds: list[dict]) -> None:
    """What the webhook has Sitting read again from Stripe about a voucher's sale (its
    session, with its charge and that charge's refunds), applied twice: a replay."""
    intent = sale.stripe_payment_intent_id
    charge = {
        "id": f"ch_{intent}",
        "payment_intent": intent,
        "amount_refunded": sum(r["amount"] for r in refunds if r["status"] != "failed"),
        "refunds": {"data": refunds},
    }
    session = {
        "id": f"cs_{intent}",
        "status": "complete",
        "payment_status": "paid",
        "metadata": {"voucher_payment_id": str(sale.pk)},
        "payment_intent": {
            "id": intent,
            "status": "succeeded",
            "amount_received": sale.amount_received,
            "currency": "gbp",
            "latest_charge": charge,
        },
    }
    for _replay in range(2):
        voucher_payment_apply(voucher_payment_id=sale.pk, session=session)


def _voucher_refund(amount: int, n: int) -> None:
    """The latest voucher's sale refunded: what is left on the voucher (the studio's), or an
    amount in Stripe's dashboard (at most what is left of the sale, as Stripe allows)."""
    sale = VoucherPayment.objects.select_related("voucher").order_by("-pk").first()
    if sale is None:
        return
    mine = amount == 0
    left_on_sale = sale.amount_received - sale.amount_refunded
    amount = voucher_refundable(sale.voucher, sale) if mine else min(amount, left_on_sale)
    if amount <= 0:
        return
    new = {
        "id": f"re_{sale.pk}_{n}",
        "amount": amount,
        "currency": "gbp",
        "status": "succeeded",
        "metadata": {"gift_voucher_id": str(sale.voucher_id)} if mine else {},
    }
    _stripe_says(sale, [*map(_reported, sale.refunds.order_by("pk")), new])


def _voucher_refund_fails() -> None:
    """The bank fails the latest voucher refund not failed yet, and Stripe says so."""
    failing = VoucherRefund.objects.exclude(status="failed").order_by("-pk").first()
    if failing is None:
        return
    sale = failing.voucher_payment
    rows = sale.refunds.order_by("pk")
    _stripe_says(sale, [_reported(r, "failed" if r == failing else None) for r in rows])


def _apply(booking: Booking, event: tuple, n: int) -> None:
    name = event[0]
    if name == "pay":
        _pay(booking, event[1], event[2], n)
    elif name == "refund":
        _refund(booking, event[1], event[2])
    elif name == "discount" and booking.status == Booking.Status.CONFIRMED:
        # The admin refuses a discount the client has already paid beyond.
        paid = booking_received(booking) + booking.gift_voucher_amount
        booking.discount = min(event[1], PRICE - paid)
        booking.save(update_fields=["discount"])
    elif name == "cancel":
        booking.status = Booking.Status.CANCELLED
        booking.save(update_fields=["status"])
        redemptions_release(booking_ids=[booking.pk], now=datetime(2026, 6, 4, tzinfo=UTC))
    elif name == "voucher":
        _voucher(booking, event[1], n)
    elif name == "voucher_refund":
        _voucher_refund(event[1], n)
    elif name == "voucher_refund_fails":
        _voucher_refund_fails()
    booking_invoice_issue(booking_id=booking.pk)  # what the worker does after each change


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=events,
    tax_rate=st.sampled_from([0, 500, 2000]),
    add_on_rate=st.sampled_from([0, 500, 2000]),
)
def test_the_books_agree_after_any_sequence_of_money_events(
    studio, settings, steps, tax_rate, add_on_rate
):
    settings.PAYMENTS_ENABLED = True
    with transaction.atomic():  # each example starts from the same empty books
        _check_books(studio, steps, tax_rate, add_on_rate)
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=st.integers(1, 2 * PRICE), steps=after_a_voucher)
def test_a_voucher_sale_refunded_keeps_the_voucher_and_the_books_whole(
    studio, settings, value, steps
):
    settings.PAYMENTS_ENABLED = True
    with transaction.atomic():
        _check_books(studio, [("voucher", value), *steps], 2000, 2000)
        transaction.set_rollback(True)


def _check_books(studio, steps, tax_rate, add_on_rate) -> None:
    Studio.objects.filter(pk=studio.pk).update(
        tax_name="VAT" if tax_rate else "", tax_rate=tax_rate, prices_include_tax=True
    )
    booking = BookingFactory(session_type=SessionTypeFactory(price=PRICE), price=PRICE)
    booking.items.update(unit_price=PRICE - ADD_ON)
    sold = line_figures(ADD_ON, add_on_rate, prices_include_tax=True)
    BookingItem.objects.create(
        booking=booking,
        kind=BookingItem.Kind.ADD_ON,
        name="Hair and make-up",
        unit_price=ADD_ON,
        tax_rate=add_on_rate,
        net=sold.net,
        tax=sold.tax,
        position=1,
    )
    booking_invoice_issue(booking_id=booking.pk)
    for position, (label, amount) in enumerate([("Second payment", 4000), ("Balance", 6000)]):
        Installment.objects.create(
            booking=booking,
            position=position,
            label=label,
            amount=amount,
            currency="GBP",
            due_on=date(2026, 6, 20 + position),
        )
    for n, event in enumerate(steps):
        booking.refresh_from_db()
        _apply(booking, event, n)

    booking = Booking.objects.get(pk=booking.pk)
    documents = Invoice.objects.filter(booking=booking)
    billed = sum(d.gross for d in documents)
    kept = booking_received(booking)
    by_voucher = booking.gift_voucher_amount
    if booking.status == Booking.Status.CANCELLED:
        assert billed == kept
        assert by_voucher == 0  # given back to the voucher
    else:
        assert billed == PRICE - booking.discount
        assert billed - kept - by_voucher == booking_balance_due(booking)
    # The payment plan asks, in its open parts, exactly what is still owed; its paid parts
    # show what their payments kept.
    lines = plan_lines(booking)
    still_open = [line.amount for line in lines if line.installment.is_open]
    if still_open and booking.status != Booking.Status.CANCELLED:
        assert sum(still_open) == plan_left(booking) == booking_balance_due(booking)
    for line in lines:
        if line.paid:
            assert line.amount == line.installment.payment.net_received
    # Each voucher: what is left on it, what it paid on the booking and what of its sale
    # was refunded make its value (never less than nothing left); refunded in full, void.
    voucher_refunded = 0
    for voucher in GiftVoucher.objects.select_related("payment"):
        used = sum(u.amount for u in voucher.redemptions.filter(released_at=None))
        sale = voucher.payment
        given_back = sum(r.amount for r in sale.refunds.exclude(status="failed"))
        assert sale.amount_refunded == given_back <= sale.amount_received
        assert voucher_remaining(voucher) == max(voucher.value - used - given_back, 0)
        assert used == (by_voucher if used else 0)
        if given_back == sale.amount_received:
            assert voucher.status == GiftVoucher.Status.VOID
        voucher_refunded += given_back
    # Every document's own figures add up: net + tax = gross, its lines make its total, and
    # its rates' figures (the lines', summed) make its net and tax.
    for document in documents:
        lines = list(document.lines.all())
        assert document.net + document.tax == document.gross
        assert sum(line.amount for line in lines) == document.gross
        assert all(line.net + line.tax == line.amount for line in lines)
        by_rate = document.tax_by_rate(lines)
        assert (by_rate.net, by_rate.tax, by_rate.gross) == (
            document.net,
            document.tax,
            document.gross,
        )
    # The ledger's month is the same money.
    months = money_ledger(
        since=datetime(2026, 1, 1, tzinfo=UTC), until=datetime(2027, 1, 1, tzinfo=UTC), zone=UTC
    )
    sold = sum(VoucherPayment.objects.values_list("amount_received", flat=True))
    assert sum(month.net for month in months) == kept + sold - voucher_refunded
    assert sum(month.refunded for month in months) >= voucher_refunded
    # No number twice, none skipped.
    for kind in Invoice.Kind.values:
        numbers = sorted(Invoice.objects.filter(kind=kind).values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1))
