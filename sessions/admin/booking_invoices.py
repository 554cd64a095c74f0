"""For `bookings.BookingAdmin`: a booking's invoices, credit notes and receipts on its page,
each a PDF for anyone who may see the booking."""

from django.contrib import admin
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from sessions.access import private_response
from sessions.models import Booking, Invoice, Payment
from sessions.payments.invoice_pdf import invoice_pdf, invoice_title, receipt_pdf, receipt_reference
from sessions.payments.invoice_views import pdf_response
from studio.admin_permissions import admin_view_requires
from studio.money import money_format


class BookingInvoicesMixin:
    def has_invoice_view_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def invoice_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:booking_id>/invoices/<int:invoice_id>/pdf/",
                view(self.invoice_pdf_view),
                name="shoots_booking_invoice_pdf",
            ),
            path(
                "<int:booking_id>/payments/<int:payment_id>/receipt/",
                view(self.receipt_pdf_view),
                name="shoots_booking_receipt_pdf",
            ),
        ]

    @admin.display(description=_("invoices and receipts"))
    def invoices_display(self, obj: Booking) -> str:
        invoices = [
            (
                reverse("admin:shoots_booking_invoice_pdf", args=[obj.pk, invoice.pk]),
                invoice_title(invoice),
                money_format(invoice.gross, invoice.currency),
                date_format(invoice.issued_at, "j M Y"),
            )
            for invoice in obj.invoices.order_by("issued_at", "pk")
        ]
        receipts = [
            (
                reverse("admin:shoots_booking_receipt_pdf", args=[obj.pk, payment.pk]),
                _("Receipt %(reference)s") % {"reference": receipt_reference(payment)},
                money_format(payment.amount_received, payment.currency_received),
                date_format(payment.paid_at, "j M Y"),
            )
            for payment in obj.payments.filter(status__in=Payment.RECEIVED_STATUSES)
            .select_related("booking")
            .order_by("paid_at", "pk")
        ]
        if not invoices and not receipts:
            return _("None yet: the invoice is issued when the booking is confirmed.")
        return format_html(
            '<ul class="booking-invoices">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}">{}</a> · {} · {}</li>',
                invoices + receipts,
            ),
        )

    @admin_view_requires("invoice_view")
    def invoice_pdf_view(self, request, booking_id, invoice_id):
        invoice = get_object_or_404(
            Invoice.objects.select_related("credits"),
            pk=invoice_id,
            booking_id=booking_id,
        )
        data = invoice_pdf(invoice)
        return private_response(pdf_response(data, f"{invoice.reference}.pdf", as_attachment=False))

    @admin_view_requires("invoice_view")
    def receipt_pdf_view(self, request, booking_id, payment_id):
        payment = get_object_or_404(
            Payment.objects.select_related("booking__client"),
            pk=payment_id,
            booking_id=booking_id,
            status__in=Payment.RECEIVED_STATUSES,
        )
        name = f"{receipt_reference(payment)}.pdf"
        return private_response(pdf_response(receipt_pdf(payment), name, as_attachment=False))
