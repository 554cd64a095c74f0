"""A client's invoices, credit notes and receipts as PDFs, by their booking's private link;
the studio's come through the admin (sessions.admin.booking_invoices)."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from sessions.access import booking_get_by_token, private_response
from sessions.models import Booking, Invoice, Payment
from sessions.payments.invoice_pdf import invoice_pdf, receipt_pdf, receipt_reference


def pdf_response(data: bytes, filename: str, *, as_attachment: bool = True) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "attachment" if as_attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def invoice_for_booking(booking: Booking, number: int, kind: str) -> Invoice:
    """An invoice or credit note of this booking, or 404: a booking's link opens its own."""
    invoices = Invoice.objects.filter(booking=booking, kind=kind).select_related("credits")
    return get_object_or_404(invoices, number=number)


def received_payment_for_booking(booking: Booking, payment_id: int) -> Payment:
    payments = Payment.objects.filter(booking=booking, status__in=Payment.RECEIVED_STATUSES)
    return get_object_or_404(payments.select_related("booking__client"), pk=payment_id)


@require_safe
def invoice_pdf_view(request, token, kind, number):
    booking = booking_get_by_token(token)
    invoice = invoice_for_booking(booking, number, kind)
    return private_response(pdf_response(invoice_pdf(invoice), f"{invoice.reference}.pdf"))


@require_safe
def receipt_pdf_view(request, token, payment_id):
    booking = booking_get_by_token(token)
    payment = received_payment_for_booking(booking, payment_id)
    name = f"{receipt_reference(payment)}.pdf"
    return private_response(pdf_response(receipt_pdf(payment), name))
