"""An invoice or credit note emailed to the client with its PDF, once per document."""

from email.utils import formataddr

from django.utils import timezone
from django.utils.formats import date_format

from sessions.access import booking_url
from sessions.models import Invoice
from sessions.payments.invoice_pdf import invoice_pdf, invoice_title
from studio.emailing import email_kind_send
from studio.money import money_format
from studio.selectors import studio_get


def invoice_email_send(*, invoice_id: int) -> bool:
    """Email the document to its booking's client, attached (kind "invoice"); a new version
    of an invoice comes with the credit note that cancels the one it replaces. False when it
    went before or that email is turned off."""
    invoice = (
        Invoice.objects.select_related(
            "booking__client", "booking__session_type", "booking__photographer", "replaces"
        )
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None:
        return False
    booking = invoice.booking
    documents = [invoice]
    if invoice.replaces_id:
        documents += list(invoice.replaces.credit_notes.all())
    attachments = [
        (f"{document.reference}.pdf", invoice_pdf(document), "application/pdf")
        for document in documents
    ]

    def context() -> dict:
        return {
            "name": booking.booked_as_name.split()[0] if booking.booked_as_name else "",
            "title": invoice_title(invoice),
            "credit_note": invoice.kind == Invoice.Kind.CREDIT_NOTE,
            "total": money_format(abs(invoice.gross), invoice.currency),
            "replaces": invoice.replaces.reference if invoice.replaces_id else "",
            "refunded": invoice.refund_id is not None,
            "what": booking.session_type.called,
            "when": date_format(timezone.localtime(booking.starts_at), "l j F"),
            "button_link": booking_url(booking, absolute=True),
        }

    return email_kind_send(
        kind="invoice",
        key=f"invoice:{invoice.pk}",
        to=formataddr((booking.booked_as_name, booking.client.email)),
        context=context,
        reply_to=studio_get().contact_email or None,
        booking=booking,
        attachments=attachments,
    )
