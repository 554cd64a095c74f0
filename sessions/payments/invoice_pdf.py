"""Invoices, credit notes and receipts as PDFs, from the renderer and house style of the
signed documents (sessions.documents.pdf), with the studio's logo and details as issued."""

import html
import io

from django.utils.translation import gettext as _
from PIL import Image

from sessions.documents.pdf import html_pdf_render, plain_page_html
from sessions.models import Invoice, Payment
from studio.dates import studio_date_text
from studio.money import money_format
from studio.selectors import studio_get
from studio.tax import rate_display

EXTRA_STYLE = """
table.money td.amount, table.money th.amount { text-align: right; }
table.money tr.total td { font-weight: bold; border-bottom: none; }
table.money th:first-child { width: 50%; }
.facts { margin-bottom: 12pt; }
.facts td { padding: 1pt 8pt 1pt 0; border: none; }
.facts td:first-child { width: 25%; color: #555555; }
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _logo_png() -> bytes | None:
    """The studio's logo as a PNG (a PDF takes few formats), or None."""
    logo = studio_get().logo
    if not logo:
        return None
    try:
        with logo.open("rb") as stream, Image.open(stream) as image:
            image.thumbnail((600, 200))
            out = io.BytesIO()
            image.save(out, "PNG")
            return out.getvalue()
    except (OSError, ValueError):
        return None  # a missing or unreadable file: the name is printed instead


def _facts(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in rows if v)
    return f'<table class="facts">{cells}</table>'


def _money(amount: int, currency: str) -> str:
    return _e(money_format(amount, currency))


def invoice_title(invoice: Invoice) -> str:
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        return _("Credit note %(reference)s") % {"reference": invoice.reference}
    if invoice.tax_name and invoice.tax:
        return _("%(tax)s invoice %(reference)s") % {
            "tax": invoice.tax_name,
            "reference": invoice.reference,
        }
    return _("Invoice %(reference)s") % {"reference": invoice.reference}


def _tax_rows(invoice: Invoice, lines, span: int) -> str:
    """The totals: net, then "VAT at 20% on £X: £Y" per rate, total; with no tax, the total
    alone."""
    currency = invoice.currency
    total = (
        f'<tr class="total"><td colspan="{span}">{_e(_("Total"))}</td>'
        f'<td class="amount">{_money(invoice.gross, currency)}</td></tr>'
    )
    if not invoice.tax_name or not invoice.tax:
        return total + _voucher_rows(invoice)
    by_rate = invoice.tax_by_rate(lines).by_rate
    rows = [
        f'<tr><td colspan="{span}">{_e(_("Total before %(tax)s") % {"tax": invoice.tax_name})}</td>'
        f'<td class="amount">{_money(invoice.net, currency)}</td></tr>'
    ]
    for rate in by_rate:
        label = _("%(tax)s at %(rate)s on %(net)s") % {
            "tax": invoice.tax_name,
            "rate": rate_display(rate.rate),
            "net": money_format(rate.net, currency),
        }
        rows.append(
            f'<tr><td colspan="{span}">{_e(label)}</td>'
            f'<td class="amount">{_money(rate.tax, currency)}</td></tr>'
        )
    return "".join(rows) + total + _voucher_rows(invoice)


def _voucher_rows(invoice: Invoice) -> str:
    """Below the total: what a gift voucher paid (a way to pay, not a discount: the tax
    above is on the whole total), and what is then due."""
    if not invoice.voucher_paid:
        return ""
    currency = invoice.currency
    paid = _("Paid by gift voucher %(code)s") % {"code": invoice.voucher_text}
    return (
        f'<tr><td colspan="3">{_e(paid)}</td>'
        f'<td class="amount">{_money(-invoice.voucher_paid, currency)}</td></tr>'
        f'<tr class="total"><td colspan="3">{_e(_("Amount due"))}</td>'
        f'<td class="amount">{_money(invoice.gross - invoice.voucher_paid, currency)}</td></tr>'
    )


def invoice_pdf(invoice: Invoice) -> bytes:
    """An invoice or credit note as issued: who, when, its lines, tax by rate, the total."""
    lines = list(invoice.lines.all())
    currency = invoice.currency
    facts = [
        (_("Date"), studio_date_text(invoice.issued_at)),
        (_("Billed to"), invoice.bill_to.replace("\n", ", ")),
        (_("Booking"), invoice.about),
        (_("%(tax)s number") % {"tax": invoice.tax_name or _("Tax")}, invoice.tax_number),
    ]
    if invoice.credits_id:
        facts.append((_("Cancels invoice"), invoice.credits.reference))
    taxed = bool(invoice.tax_name and invoice.tax)
    heads = (_("Description"), _("Quantity"), _("Unit price"), _("Amount"))
    if taxed:  # each line's rate, before its amount
        heads = (*heads[:3], _("%(tax)s rate") % {"tax": invoice.tax_name}, heads[3])
    amount_class = ' class="amount"'
    head_row = "".join(
        f"<th{amount_class if n > 1 else ''}>{_e(h)}</th>" for n, h in enumerate(heads)
    )
    rows = "".join(
        f"<tr><td>{_e(line.description)}</td><td>{line.quantity}</td>"
        f'<td class="amount">{_money(line.unit_amount, currency)}</td>'
        + (f'<td class="amount">{_e(rate_display(line.tax_rate))}</td>' if taxed else "")
        + f'<td class="amount">{_money(line.amount, currency)}</td></tr>'
        for line in lines
    )
    basis = ""
    if invoice.tax_name and invoice.tax:
        included = invoice.prices_include_tax
        basis = (_("Prices include %(tax)s.") if included else _("Prices before %(tax)s.")) % {
            "tax": invoice.tax_name
        }
        basis += " " + _(
            "Tax is worked out on each line and rounded to the nearest smallest unit of the "
            "currency, halves up; each rate's tax is the sum of its lines'."
        )
    body = (
        f"{_facts(facts)}"
        f'<table class="rows money" repeat="1"><tr>{head_row}</tr>{rows}'
        f"{_tax_rows(invoice, lines, len(heads) - 1)}</table>"
        f'<p class="muted">{_e(basis)}</p>'
    )
    page = plain_page_html(
        title=invoice_title(invoice),
        body_html=body,
        studio_name=invoice.studio_name,
        studio_address=invoice.studio_address,
        reference=invoice.reference,
        logo_png=_logo_png(),
        extra_style=EXTRA_STYLE,
    )
    return html_pdf_render(page, reference=invoice.reference)


def receipt_reference(payment: Payment) -> str:
    return f"R-{payment.booking.reference}-{payment.pk}"


def receipt_pdf(payment: Payment) -> bytes:
    """A receipt for money received: what, how much, when, and what was refunded since."""
    studio = studio_get()
    booking = payment.booking
    reference = receipt_reference(payment)
    currency = payment.currency_received
    facts = [
        (_("Received"), studio_date_text(payment.paid_at)),
        (_("From"), booking.booked_as_name),
        (_("For"), f"{payment.get_kind_display()} · {booking.reference}"),
        (_("Paid by"), payment.get_method_display()),
        (_("Reference"), payment.reference),
    ]
    rows = [(_("Amount received"), payment.amount_received)]
    if payment.amount_refunded:
        rows += [
            (_("Refunded since"), -payment.amount_refunded),
            (_("Kept"), payment.amount_received - payment.amount_refunded),
        ]
    table = "".join(
        f'<tr><td>{_e(label)}</td><td class="amount">{_money(amount, currency)}</td></tr>'
        for label, amount in rows
    )
    body = (
        f'{_facts(facts)}<table class="rows money">{table}</table>'
        f'<p class="muted">{_e(_("Thank you. This receipt is not a tax invoice."))}</p>'
    )
    page = plain_page_html(
        title=_("Receipt %(reference)s") % {"reference": reference},
        body_html=body,
        studio_name=studio.name,
        studio_address=studio.address,
        reference=reference,
        logo_png=_logo_png(),
        extra_style=EXTRA_STYLE,
    )
    return html_pdf_render(page, reference=reference)
