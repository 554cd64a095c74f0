"""What is owed, paid and refundable, and money in and out per month: the payments' reads.

The ledger is the one sum of what Stripe collected, what the studio recorded receiving, and
what was given back, read by the payments list's monthly totals and the studio dashboard.

- Received: what Stripe collected on a payment (`amount_received` in `currency_received`,
  never the amount asked), in the month it was paid; for a payment the studio recorded (a
  bank transfer, cash), the amount recorded, in the month the studio says it arrived.
  Money paid a second time for the same thing counts too, in the month Sitting saw it: its
  refund row records it (`Refund.stripe_payment_intent_id`).
- Refunded: every refund not failed (being sent, waiting for the bank, or made; asked for
  in Sitting, made in Stripe's dashboard, or given back by the studio for money it
  recorded), in the month it was asked for or seen;
  duplicates' refunds included, so a duplicate refunded nets to nothing.
- Gift voucher sales: money received (what Stripe took), in the month paid; their refunds
  not failed (`VoucherRefund`: the studio's, and any made in Stripe's dashboard), refunded
  in the month Sitting made or saw them. A voucher paying on a booking is not new money (it
  moves what the studio owes the voucher's holder onto the booking), so it is not in the
  ledger; the month's export lists it as its own row type.
- Months are the studio's: a payment at 23:30 on 31 May in London is May's.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from sessions.models import Booking
from sessions.payments.models import Payment, Refund
from sessions.payments.vouchers import VoucherPayment, VoucherRefund
from sessions.selectors import booking_change_deadline
from studio.selectors import studio_get

# Payments towards the price after the deposit: a balance, a payment plan's installments.
PRICE_AFTER_DEPOSIT = (Payment.Kind.BALANCE, Payment.Kind.INSTALLMENT)


def booking_received(booking: Booking) -> int:
    """What the client has paid for the booking, net of refunds. Queries the payments
    unless they were prefetched."""
    return sum(payment.net_received for payment in booking.payments.all())


def booking_balance_due(booking: Booking) -> int:
    """Price, less any discount, less what a gift voucher paid and what deposit, balance
    and installment payments brought in. With
    payments off the deposit is taken at the studio, so it is never part of the balance
    (recorded there or not). Queries the payments unless they were prefetched."""
    deposit, balance = _price_received(booking)
    if not settings.PAYMENTS_ENABLED:
        deposit = max(deposit, booking.deposit)
    paid = deposit + balance + booking.gift_voucher_amount
    return max(booking.price - booking.discount - paid, 0)


def booking_extras_owed(booking: Booking) -> int:
    """What extra photos chosen in the gallery owe the studio directly (payments off: no
    Checkout page; a payment row waiting, made when the selection was sent). Queries the
    payments unless they were prefetched."""
    return sum(
        payment.amount
        for payment in booking.payments.all()
        if payment.owed_to_studio and payment.kind == Payment.Kind.EXTRAS
    )


def booking_owed(booking: Booking, kind: str) -> int:
    """What a payment of this kind (deposit, balance or extras) the studio records may still
    bring in: the balance due; the extra photos owed to the studio; or the deposit, within
    what is left of the price, until one is received (a booking has one deposit; what is
    more is the balance's). Queries the payments unless they were prefetched."""
    if kind == Payment.Kind.BALANCE:
        return booking_balance_due(booking)
    if kind == Payment.Kind.EXTRAS:
        return booking_extras_owed(booking)
    payments = booking.payments.all()
    if any(p.kind == kind and p.status in Payment.RECEIVED_STATUSES for p in payments):
        return 0
    _deposit, balance = _price_received(booking)
    left = booking.price - booking.discount - booking.gift_voucher_amount - balance
    return max(min(booking.deposit, left), 0)


def _price_received(booking: Booking) -> tuple[int, int]:
    """What deposit payments and balance payments brought in, net of refunds."""
    payments = list(booking.payments.all())
    deposit = sum(p.net_received for p in payments if p.kind == Payment.Kind.DEPOSIT)
    balance = sum(p.net_received for p in payments if p.kind in PRICE_AFTER_DEPOSIT)
    return deposit, balance


def payment_refundable(payment: Payment) -> int:
    """What can still be refunded, in `currency_received`: what Stripe collected, less
    refunds made or on their way. A second payment's refund (paid twice) is not this
    payment's money, so it does not count against it."""
    if payment.status not in Payment.RECEIVED_STATUSES:
        return 0
    asked = (
        payment.refunds.exclude(status=Refund.Status.FAILED)
        .filter(stripe_payment_intent_id="")
        .aggregate(total=Sum("amount"))["total"]
        or 0
    )
    return max(payment.amount_received - max(payment.amount_refunded, asked), 0)


def cancellation_terms(booking: Booking, *, now: datetime | None = None) -> dict:
    """What a client gets back if they cancel now: the studio's refund percentage of the
    deposit before its cut-off (nothing after), and anything else paid in full. Returns
    `paid`, `refund`, `kept`, `percent`, `in_time` (before the cut-off) and `by_card`
    (all of it was paid online, so it goes back to a card)."""
    now = now or timezone.now()
    in_time = now < booking_change_deadline(booking)
    percent = studio_get().cancellation_refund_percent if in_time else 0
    refund = paid = 0
    by_card = True
    for payment in booking.payments.all():
        received = payment.net_received
        by_card = by_card and not (payment.recorded and received)
        paid += received
        refund += received * percent // 100 if payment.kind == Payment.Kind.DEPOSIT else received
    return {
        "paid": paid,
        "refund": refund,
        "kept": paid - refund,
        "percent": percent,
        "in_time": in_time,
        "by_card": by_card,
    }


@dataclass(frozen=True)
class LedgerMonth:
    month: date
    currency: str
    received: int
    refunded: int
    count: int  # payments received, a duplicate included

    @property
    def net(self) -> int:
        return self.received - self.refunded


def money_ledger(*, since: datetime, until: datetime, zone: ZoneInfo) -> list[LedgerMonth]:
    """Received, refunded and the number of payments per month (in `zone`) and currency,
    for money moving from `since` to before `until` (gift voucher sales and their refunds
    included); newest month first. One query."""
    payments = (
        Payment.objects.filter(
            status__in=Payment.RECEIVED_STATUSES, paid_at__gte=since, paid_at__lt=until
        )
        .annotate(month=TruncMonth("paid_at", tzinfo=zone), money=F("currency_received"))
        .values("month", "money")
        .annotate(
            received=Sum("amount_received"),
            refunded=Value(0, output_field=IntegerField()),
            count=Count("pk"),
        )
        .order_by()
    )
    voucher_sales = (
        VoucherPayment.objects.filter(
            status=VoucherPayment.Status.PAID, paid_at__gte=since, paid_at__lt=until
        )
        .annotate(month=TruncMonth("paid_at", tzinfo=zone), money=F("currency_received"))
        .values("month", "money")
        .annotate(
            received=Sum("amount_received"),
            refunded=Value(0, output_field=IntegerField()),
            count=Count("pk"),
        )
        .order_by()
    )
    duplicate = ~Q(stripe_payment_intent_id="")
    refunds = (
        Refund.objects.filter(created_at__gte=since, created_at__lt=until)
        .annotate(month=TruncMonth("created_at", tzinfo=zone), money=F("currency"))
        .values("month", "money")
        .annotate(
            received=Coalesce(Sum("amount", filter=duplicate), 0),
            refunded=Coalesce(Sum("amount", filter=~Q(status=Refund.Status.FAILED)), 0),
            count=Count("pk", filter=duplicate),
        )
        .order_by()
    )
    voucher_refunds = (
        VoucherRefund.objects.filter(created_at__gte=since, created_at__lt=until)
        .exclude(status=VoucherRefund.Status.FAILED)
        .annotate(month=TruncMonth("created_at", tzinfo=zone), money=F("currency"))
        .values("month", "money")
        .annotate(
            received=Value(0, output_field=IntegerField()),
            refunded=Sum("amount"),
            count=Value(0, output_field=IntegerField()),
        )
        .order_by()
    )
    totals: dict[tuple[date, str], list[int]] = {}
    for row in payments.union(refunds, voucher_sales, voucher_refunds, all=True):
        month = row["month"]
        month = month.astimezone(zone).date() if isinstance(month, datetime) else month
        key = (month, row["money"])
        sums = totals.setdefault(key, [0, 0, 0])
        sums[0] += row["received"]
        sums[1] += row["refunded"]
        sums[2] += row["count"]
    return [
        LedgerMonth(month=month, currency=currency, received=r, refunded=f, count=c)
        for (month, currency), (r, f, c) in sorted(totals.items(), key=_newest_first)
    ]


def _newest_first(item) -> tuple:
    (month, currency), _sums = item
    return (-month.toordinal(), currency)
