"""Issuing invoices and credit notes: a booking's bill from what it bought, numbered without
gaps, never changed once issued.

- `booking_bill_lines`: what the booking is billed for now: its items as sold (each with its
  own rate and tax), the extra images paid for in the gallery or owed to the studio with
  payments off (at the booking's rate, the studio's when first invoiced), its discount (a
  negative line per rate, shared across the items in proportion to their prices). Amounts
  are what the client pays, tax inside; each line's tax is worked out once (studio.tax) and
  the invoice's is their sum per rate.
- `booking_invoice_issue`: the booking's invoice, if its lines are still what they bill; else
  the old one is credited in full and a new one issued, in one transaction. Safe to run twice.
- `refund_credit_note_issue`: a credit note for money given back, once per refund.

Numbers: the studio row is locked (SELECT … FOR UPDATE; SQLite's writers are serialised
already) and its counter read and raised inside the transaction that inserts the document,
so a rolled-back issue gives its number back and two issues never share one.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions.models import Booking, Invoice, InvoiceLine, Payment, Refund
from studio.background import task_enqueue_on_commit
from studio.dates import studio_date_text
from studio.models import Studio
from studio.pricing import sold_rate
from studio.tax import RateTotal, apportion, line_figures, rate_display, rate_totals

CONFIRMED_STATUSES = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED, Booking.Status.NO_SHOW)
ENDED_STATUSES = Booking.ENDED_STATUSES


@dataclass(frozen=True)
class BillLine:
    description: str
    unit_amount: int
    quantity: int = 1
    tax_rate: int = 0
    # The tax in `amount` as sold (items, issued lines); None: worked out at issue. Not part
    # of what a line says, so an invoice issued before per-line tax still matches.
    tax: int | None = field(default=None, compare=False)

    @property
    def amount(self) -> int:
        return self.unit_amount * self.quantity

    def figures(self) -> RateTotal:
        if self.tax is None:
            return line_figures(self.amount, self.tax_rate, prices_include_tax=True)
        return RateTotal(self.tax_rate, self.amount - self.tax, self.tax, self.amount)


def booking_bill_lines(booking: Booking, *, tax_rate: int) -> list[BillLine]:
    """What the booking is billed for now, in order: its package and add-ons as sold, extra
    images paid for, then its discount. A cancelled booking is billed what it was paid
    before any refund (refunds get credit notes of their own), or nothing."""
    if booking.status in ENDED_STATUSES:
        paid = sum(
            payment.amount_received
            for payment in booking.payments.filter(
                status__in=Payment.RECEIVED_STATUSES, currency_received=booking.currency
            )
        )
        description = _("Payments received for a cancelled session")
        return [BillLine(description, paid, 1, tax_rate)] if paid else []
    items = [
        BillLine(item.name, item.unit_price, item.quantity, item.tax_rate, item.tax)
        if item.tax_rate is not None
        else BillLine(item.name, item.unit_price, item.quantity, tax_rate)
        for item in booking.items.all()
    ]
    lines = list(items)
    extras = booking.payments.filter(
        Q(status__in=Payment.RECEIVED_STATUSES, currency_received=booking.currency)
        # owed to the studio: billed before it is paid
        | Payment.owed_to_studio_q() & Q(currency=booking.currency),
        kind=Payment.Kind.EXTRAS,
    ).order_by(F("paid_at").asc(nulls_last=True), "pk")  # as billed before; owed ones last
    # What each extras payment asks or kept: a refund of extras (a selection changed, fewer
    # photos) takes them off the bill, unlike a refund of the session's price, still owed.
    lines += [
        BillLine(_("Extra images chosen in the gallery"), amount, 1, tax_rate)
        for payment in extras
        if (amount := payment.amount if payment.owed_to_studio else payment.net_received)
    ]
    if booking.discount:
        code = booking.redemptions.filter(released_at__isnull=True).first()
        same = code is not None and code.amount == booking.discount
        description = code.description if same else _("Discount")
        lines += _discount_lines(booking.discount, items, description, tax_rate)
    return lines


def _voucher_fields(booking: Booking, *, kind: str) -> dict:
    """What a gift voucher paid, for an invoice to print below its total: a way to pay,
    so its lines and tax stay whole."""
    paid = booking.gift_voucher_amount
    if kind != Invoice.Kind.INVOICE or not paid or booking.status in ENDED_STATUSES:
        return {}
    use = booking.redemptions.filter(gift_voucher__isnull=False, released_at__isnull=True).first()
    return {"voucher_paid": paid, "voucher_text": use.code if use else ""}


def _discount_lines(
    discount: int, items: list[BillLine], description: str, tax_rate: int
) -> list[BillLine]:
    """The discount shared across the items in proportion to their amounts (the largest
    remainders taking the odd units), as one negative line per rate, before any tax."""
    weights = [max(item.amount, 0) for item in items]
    if not sum(weights):
        return [BillLine(description, -discount, 1, tax_rate)]
    per_rate: dict[int, int] = {}
    for item, share in zip(items, apportion(discount, weights), strict=True):
        per_rate[item.tax_rate] = per_rate.get(item.tax_rate, 0) + share
    shares = [(rate, share) for rate, share in per_rate.items() if share]
    if len(shares) == 1:
        return [BillLine(description, -shares[0][1], 1, shares[0][0])]
    return [
        BillLine(f"{description} ({rate_display(rate)})", -share, 1, rate) for rate, share in shares
    ]


def _lines_of(invoice: Invoice) -> list[BillLine]:
    return [
        BillLine(line.description, line.unit_amount, line.quantity, line.tax_rate, line.tax)
        for line in invoice.lines.all()
    ]


def _studio_locked() -> Studio:
    return Studio.objects.select_for_update().get(pk=1)


def _issue(
    *,
    studio: Studio,
    booking: Booking,
    kind: str,
    lines: list[BillLine],
    parties: Invoice | None = None,
    **fields,
) -> Invoice:
    """Insert a numbered document with its lines; the caller holds the studio's lock."""
    figures = [line.figures() for line in lines]
    totals = rate_totals(figures)
    if kind == Invoice.Kind.INVOICE:
        number, studio.invoice_next_number = (
            studio.invoice_next_number,
            studio.invoice_next_number + 1,
        )
        prefix = studio.invoice_prefix
    else:
        number = studio.credit_note_next_number
        studio.credit_note_next_number += 1
        prefix = studio.credit_note_prefix
    studio.save(update_fields=["invoice_next_number", "credit_note_next_number"])
    client = booking.client
    fields.update(_voucher_fields(booking, kind=kind))
    # A credit note is of the same parties under the same tax rules as the invoice it
    # credits (in full, or a refund of what it billed): its billed name and tax
    # registration are that invoice's, whatever changed since.
    credited = fields.get("credits") or parties
    bill_to = "\n".join(filter(None, [booking.booked_as_name, client.email]))
    tax_name, tax_number = studio.tax_name, studio.tax_number
    if credited is not None:
        bill_to, tax_name, tax_number = credited.bill_to, credited.tax_name, credited.tax_number
    invoice = Invoice.objects.create(
        booking=booking,
        kind=kind,
        prefix=prefix,
        number=number,
        issued_at=timezone.now(),
        currency=booking.currency,
        bill_to=bill_to,
        about=_("%(reference)s · %(session)s, %(day)s")
        % {
            "reference": booking.reference,
            "session": booking.session_type.name,
            "day": studio_date_text(booking.starts_at),
        },
        studio_name=studio.name,
        studio_address=studio.address,
        tax_name=tax_name,
        tax_number=tax_number,
        # Lines are what the client pays, the tax inside each; prices entered before tax
        # had theirs added when sold (studio.pricing), so the figures are the same.
        prices_include_tax=True,
        net=totals.net,
        tax=totals.tax,
        gross=totals.gross,
        **fields,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            description=line.description[:200],
            quantity=line.quantity,
            unit_amount=line.unit_amount,
            amount=line.amount,
            tax_rate=line.tax_rate,
            net=figure.net,
            tax=figure.tax,
        )
        for position, (line, figure) in enumerate(zip(lines, figures, strict=True))
    )
    return invoice


def _email_later(invoice: Invoice) -> None:
    task_enqueue_on_commit("sessions.tasks.invoice_email_send_task", invoice_id=invoice.pk)


def _first_invoice(booking: Booking) -> Invoice | None:
    return booking.invoices.filter(kind=Invoice.Kind.INVOICE).order_by("pk").first()


def _rate_of(first: Invoice) -> int:
    """The booking's tax rate (extras, a cancelled booking's payments, refunds): the studio's
    when it was first invoiced, so a later change of the settings never rewrites a bill."""
    return first.tax_rate


def booking_invoice_current(booking: Booking) -> Invoice | None:
    """The booking's invoice that stands: the newest not credited in full."""
    return (
        booking.invoices.filter(kind=Invoice.Kind.INVOICE, credit_notes__isnull=True)
        .order_by("-issued_at", "-pk")
        .first()
    )


def booking_invoice_issue(*, booking_id: int, confirming: bool = False) -> Invoice | None:
    """Make the booking's invoice say what it bills now: the standing invoice when its lines
    still match; else credit it in full (if any) and issue a new one. None for a booking
    never confirmed (no invoice until it is). The tax rules are those of its first invoice,
    so a later change of the studio's settings never rewrites a booking's bill.
    `confirming`: issued as the booking is confirmed, so a first invoice goes with the
    "You're booked" email (or with none, when the studio booked without emailing)."""
    with transaction.atomic():
        studio = _studio_locked()
        booking = Booking.objects.select_related("client", "session_type").get(pk=booking_id)
        current = booking_invoice_current(booking)
        if current is None and booking.status not in CONFIRMED_STATUSES:
            return None  # billed once confirmed; a request declined was never billed
        first = _first_invoice(booking)
        rate = sold_rate(None, studio) if first is None else _rate_of(first)
        lines = booking_bill_lines(booking, tax_rate=rate)
        ended = booking.status in ENDED_STATUSES
        if current is not None and _lines_of(current) == lines:
            if ended:
                _ended_refunds_credit(studio, booking)
            return current
        if current is not None:
            # Its lines negated: a credit note's figures are exactly the invoice's, negated.
            _issue(
                studio=studio,
                booking=booking,
                kind=Invoice.Kind.CREDIT_NOTE,
                lines=[
                    BillLine(
                        line.description, -line.unit_amount, line.quantity, line.tax_rate, -line.tax
                    )
                    for line in _lines_of(current)
                ],
                credits=current,
                tax_rate=current.tax_rate,
            )
        if not lines:  # an ended booking that kept nothing: the credit note says so
            if ended:
                _ended_refunds_credit(studio, booking)
            return None
        invoice = _issue(
            studio=studio,
            booking=booking,
            kind=Invoice.Kind.INVOICE,
            lines=lines,
            replaces=current,
            tax_rate=rate,
        )
        if ended:  # its refunds' credit notes come after the invoice of what was paid
            _ended_refunds_credit(studio, booking)
        # A new version goes with the credit note for the old one; the first goes with the
        # "You're booked" email when issued as the booking is confirmed, else alone (extras
        # chosen for a booking confirmed before there was anything to bill, or before the
        # studio's invoices began); a cancelled booking's with the cancellation (its page).
        if booking.status not in ENDED_STATUSES and (current is not None or not confirming):
            _email_later(invoice)
        return invoice


def refund_credit_note_issue(*, refund_id: int) -> Invoice | None:
    """A credit note for a refund of a booking that ended (cancelled or declined), once: the
    refund is unique on it. While a booking goes ahead a refund credits nothing: the money
    is still owed, and its balance asks for it again. None while the refund isn't made,
    when the booking was never invoiced, or for money paid twice (never billed)."""
    with transaction.atomic():
        studio = _studio_locked()
        refund = Refund.objects.select_related("payment__booking__client").get(pk=refund_id)
        if hasattr(refund, "credit_note"):
            return refund.credit_note
        booking = refund.payment.booking
        if booking.status not in ENDED_STATUSES or not _creditable(refund):
            return None
        first = _first_invoice(booking)
        if first is None or refund.currency != first.currency:
            return None
        return _refund_credit(studio, booking, refund, first)


def extras_refund_bill_update(*, refund_id: int) -> Invoice | None:
    """Extras given back while the booking goes ahead (fewer photos chosen, a selection
    changed): its bill no longer asks for them, so the invoice is issued again (the old one
    credited). Anything else refunded meanwhile leaves the bill as it is. None if nothing
    changed."""
    refund = Refund.objects.select_related("payment__booking").get(pk=refund_id)
    booking = refund.payment.booking
    if (
        refund.payment.kind != Payment.Kind.EXTRAS
        or booking.status in ENDED_STATUSES
        or not _creditable(refund)
    ):
        return None
    current = booking_invoice_current(booking)
    invoice = booking_invoice_issue(booking_id=booking.pk)
    return invoice if invoice != current else None


def _creditable(refund: Refund) -> bool:
    # A duplicate's refund gives back money no invoice asked for (the second PaymentIntent).
    return refund.status == Refund.Status.SUCCEEDED and not refund.stripe_payment_intent_id


def _refund_credit(studio: Studio, booking: Booking, refund: Refund, first: Invoice) -> Invoice:
    """Issue a refund's credit note; the caller holds the studio's lock."""
    # The money given back is what the client paid, tax inside, at the booking's rate.
    credit = _issue(
        studio=studio,
        booking=booking,
        kind=Invoice.Kind.CREDIT_NOTE,
        lines=[
            BillLine(
                _("Refund: %(reason)s") % {"reason": refund.get_reason_display()},
                -refund.amount,
                1,
                _rate_of(first),
            )
        ],
        refund=refund,
        tax_rate=_rate_of(first),
        parties=booking_invoice_current(booking) or first,
    )
    _email_later(credit)
    return credit


def _ended_refunds_credit(studio: Studio, booking: Booking) -> None:
    """An ended booking is billed what it was paid: each refund made, before or after it
    ended, gets its credit note (once). The caller holds the studio's lock."""
    first = _first_invoice(booking)
    if first is None:
        return
    refunds = Refund.objects.filter(
        payment__booking=booking, currency=first.currency, credit_note__isnull=True
    )
    for refund in refunds:
        if _creditable(refund):
            _refund_credit(studio, booking, refund, first)
