"""A month's books for the accountant: every invoice, credit note, payment and refund as CSV
rows that Xero and QuickBooks import, and the tax summary by rate.

Months are the studio's (a payment at 23:30 on 31 May in London is May's). Amounts are in
major units with the currency's decimals ("590.00"), signed: credit notes and refunds are
negative. Payments and refunds are the ledger's (sessions.payments.ledger): what Stripe or
the studio recorded as received, refunds not failed.

Gift vouchers: a sale is money received with no tax (a multi-purpose voucher is taxed when it
is used, on the booking's invoice), and a refund of it money out ("Gift voucher refund",
negative); a voucher paying on a booking is a row of its own type ("Gift voucher used",
negative when given back) that moves no money, so the accountant can follow what is still
owed on vouchers.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from sessions.models import CodeRedemption, GiftVoucher, Invoice, Payment, Refund, VoucherRefund
from sessions.payments.invoice_pdf import receipt_reference
from studio.money import to_major
from studio.tax import RateTotal, rate_display

HEADER = [
    "Date",
    "Type",
    "Number",
    "Client",
    "Description",
    "Net",
    "Tax",
    "Gross",
    "Tax rate",
    "Currency",
    "Method",
    "Reference",
]


def month_bounds(month: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The first moment of the month and of the next, on the studio's clock."""
    first = datetime.combine(month.replace(day=1), datetime.min.time(), zone)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following


def _amount(value: int | None, currency: str) -> str:
    return "" if value is None else f"{to_major(value, currency):f}"


def _day(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).date().isoformat()


def _invoices(since, until):
    return (
        Invoice.objects.filter(issued_at__gte=since, issued_at__lt=until)
        .prefetch_related("lines")
        .order_by("issued_at", "pk")
    )


def _money_row(
    moment: datetime,
    zone: ZoneInfo,
    kind: str,
    payment: Payment,
    about: str,
    amount: int,
    currency: str,
    reference: str,
) -> list[str]:
    """A row of money in or out on a payment: no net, tax or rate of its own."""
    booking = payment.booking
    return [
        _day(moment, zone),
        kind,
        receipt_reference(payment),
        booking.booked_as_name,
        f"{booking.reference} · {about}",
        "",
        "",
        _amount(amount, currency),
        "",
        currency,
        payment.get_method_display(),
        reference,
    ]


def _document_rows(invoice, zone: ZoneInfo) -> list[list[str]]:
    """An invoice or credit note: a row per tax rate on it (one, most often), each with that
    rate's net, tax and gross as printed; with no tax, one row and no rate."""
    by_rate = invoice.tax_by_rate().by_rate if invoice.tax_name else ()
    if len(by_rate) < 2:
        by_rate = [
            RateTotal(by_rate[0].rate if by_rate else 0, invoice.net, invoice.tax, invoice.gross)
        ]
    return [
        [
            _day(invoice.issued_at, zone),
            invoice.get_kind_display(),
            invoice.reference,
            invoice.bill_to.splitlines()[0] if invoice.bill_to else "",
            invoice.about,
            _amount(total.net, invoice.currency),
            _amount(total.tax, invoice.currency),
            _amount(total.gross, invoice.currency),
            rate_display(total.rate) if invoice.tax_name else "",
            invoice.currency,
            "",
            "",
        ]
        for total in by_rate
    ]


def month_rows(month: date, zone: ZoneInfo) -> list[list[str]]:
    """The month's rows, oldest first: documents issued, then money in and out."""
    since, until = month_bounds(month, zone)
    rows = []
    for invoice in _invoices(since, until):
        rows += _document_rows(invoice, zone)
    payments = (
        Payment.objects.filter(
            status__in=Payment.RECEIVED_STATUSES, paid_at__gte=since, paid_at__lt=until
        )
        .select_related("booking__client")
        .order_by("paid_at", "pk")
    )
    for payment in payments:
        rows.append(
            _money_row(
                payment.paid_at,
                zone,
                _("Payment"),
                payment,
                payment.get_kind_display(),
                payment.amount_received,
                payment.currency_received,
                payment.reference or payment.stripe_payment_intent_id or "",
            )
        )
    refunds = (
        Refund.objects.filter(created_at__gte=since, created_at__lt=until)
        .exclude(status=Refund.Status.FAILED)
        .select_related("payment__booking__client")
        .order_by("created_at", "pk")
    )
    for refund in refunds:
        payment = refund.payment
        if refund.stripe_payment_intent_id:  # paid twice: the second payment came in too
            rows.append(
                _money_row(
                    refund.created_at,
                    zone,
                    _("Payment (paid twice)"),
                    payment,
                    payment.get_kind_display(),
                    refund.amount,
                    refund.currency,
                    refund.stripe_payment_intent_id,
                )
            )
        rows.append(
            _money_row(
                refund.created_at,
                zone,
                _("Refund"),
                payment,
                refund.get_reason_display(),
                -refund.amount,
                refund.currency,
                refund.stripe_refund_id or "",
            )
        )
    return rows + _voucher_rows(since, until, zone)


def _voucher_row(moment, zone, kind, voucher: GiftVoucher, about, amount, currency, ref):
    return [
        _day(moment, zone),
        kind,
        voucher.code,
        voucher.buyer_name,
        about,
        "",
        "",
        _amount(amount, currency),
        "",
        currency,
        "",
        ref,
    ]


def _voucher_rows(since: datetime, until: datetime, zone: ZoneInfo) -> list[list[str]]:
    """Gift voucher sales (money in, no tax) and their refunds (money out), then vouchers
    used on bookings and given back (no money moves)."""
    rows = []
    sales = (
        GiftVoucher.objects.filter(
            payment__status="paid", payment__paid_at__gte=since, payment__paid_at__lt=until
        )
        .select_related("payment")
        .order_by("payment__paid_at", "pk")
    )
    for voucher in sales:
        sale = voucher.payment
        about = _("Gift voucher for %(name)s") % {"name": voucher.recipient_name}
        rows.append(
            _voucher_row(
                sale.paid_at,
                zone,
                _("Gift voucher sale"),
                voucher,
                about,
                sale.amount_received,
                sale.currency_received,
                sale.stripe_payment_intent_id or "",
            )
        )
    refunds = (
        VoucherRefund.objects.filter(created_at__gte=since, created_at__lt=until)
        .exclude(status=VoucherRefund.Status.FAILED)
        .select_related("voucher_payment__voucher")
        .order_by("created_at", "pk")
    )
    for refund in refunds:
        rows.append(
            _voucher_row(
                refund.created_at,
                zone,
                _("Gift voucher refund"),
                refund.voucher_payment.voucher,
                refund.get_reason_display(),
                -refund.amount,
                refund.currency,
                refund.stripe_refund_id,
            )
        )
    uses = CodeRedemption.objects.filter(gift_voucher__isnull=False).select_related(
        "gift_voucher", "booking"
    )
    for use in uses.filter(created_at__gte=since, created_at__lt=until).order_by("created_at"):
        rows.append(
            _voucher_row(
                use.created_at,
                zone,
                _("Gift voucher used"),
                use.gift_voucher,
                use.booking.reference,
                use.amount,
                use.currency,
                "",
            )
        )
    for use in uses.filter(released_at__gte=since, released_at__lt=until).order_by("released_at"):
        rows.append(
            _voucher_row(
                use.released_at,
                zone,
                _("Gift voucher given back"),
                use.gift_voucher,
                use.booking.reference,
                -use.amount,
                use.currency,
                "",
            )
        )
    return rows


# Text a spreadsheet would run as a formula (a client may type any name when booking).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_COLUMNS = {HEADER.index(name) for name in ("Number", "Client", "Description", "Reference")}


def _safe(row: list[str]) -> list[str]:
    """The row with each text cell that starts like a formula made plain text ('=…), as
    spreadsheets read it; amounts keep their minus signs."""
    return [
        f"'{cell}" if n in TEXT_COLUMNS and cell.startswith(FORMULA_STARTS) else cell
        for n, cell in enumerate(row)
    ]


def month_csv(month: date, zone: ZoneInfo) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(_safe(row) for row in month_rows(month, zone))
    return out.getvalue()


@dataclass(frozen=True)
class RateSummary:
    currency: str
    rate: int
    net: int
    tax: int
    gross: int

    @property
    def rate_label(self) -> str:
        return rate_display(self.rate)


def month_tax_summary(month: date, zone: ZoneInfo) -> list[RateSummary]:
    """Net, tax and gross per currency and rate of the invoices and credit notes issued in
    the month, each document's figures per rate as printed on it (its lines' taxes)."""
    since, until = month_bounds(month, zone)
    sums: dict[tuple[str, int], list[int]] = {}
    for invoice in _invoices(since, until):
        for total in invoice.tax_by_rate().by_rate:
            figures = sums.setdefault((invoice.currency, total.rate), [0, 0, 0])
            figures[0] += total.net
            figures[1] += total.tax
            figures[2] += total.gross
    return [
        RateSummary(currency, rate, net, tax, gross)
        for (currency, rate), (net, tax, gross) in sorted(
            sums.items(), key=lambda item: (item[0][0], -item[0][1])
        )
    ]
