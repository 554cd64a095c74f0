"""The client's own page, "My sessions": what is waiting for their signature first, their
bookings to come and past, with a nudge where a questionnaire waits, and the documents they
signed with their PDFs. Reached once signed in (clients.views); routed in the
"clients" namespace by workspace.urls, which puts the client's pages together."""

from datetime import timedelta

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from clients.views import client_from_request
from sessions.access import booking_token
from sessions.documents.selectors import documents_for_client
from sessions.models import Invoice, Payment
from sessions.payments.invoice_pdf import invoice_title, receipt_reference
from sessions.selectors import booking_list_for_client

# Bookings whose questionnaires can still be answered.
ANSWERABLE = ("held", "requested", "confirmed")


@never_cache
def my_sessions(request):
    client = client_from_request(request)
    if client is None:
        return redirect("clients:sign-in")
    now = timezone.now()
    cutoff = timedelta(hours=request.studio.questionnaire_cutoff_hours)
    bookings = [
        {
            "booking": booking,
            "token": booking_token(booking),
            "questions_due": booking.status in ANSWERABLE
            and now < booking.starts_at - cutoff
            and bool(
                {q.pk for q in booking.session_type.active_questionnaires}
                - {r.questionnaire_id for r in booking.submitted_responses}
            ),
        }
        for booking in booking_list_for_client(client_id=client.pk)
    ]
    documents = documents_for_client(client_id=client.pk, now=now)
    money = _invoices_and_receipts(client.pk)
    response = render(
        request,
        "clients/my_sessions.html",
        {
            "client": client,
            "to_sign": documents.waiting,
            "signed": documents.signed,
            "upcoming": [b for b in reversed(bookings) if b["booking"].ends_at >= now],
            "past": [b for b in bookings if b["booking"].ends_at < now],
            "money_documents": money,
        },
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def _invoices_and_receipts(client_id: int) -> list[dict]:
    """The client's invoices, credit notes and receipts, newest first, each with its PDF's
    address under its booking's private link (two queries)."""
    items = []
    for invoice in Invoice.objects.filter(booking__client_id=client_id).select_related("booking"):
        token = booking_token(invoice.booking)
        items.append(
            {
                "title": invoice_title(invoice),
                "amount": invoice.gross,
                "currency": invoice.currency,
                "day": invoice.issued_at,
                "url": reverse("sessions:invoice-pdf", args=[token, invoice.kind, invoice.number]),
            }
        )
    for payment in Payment.objects.filter(
        booking__client_id=client_id, status__in=Payment.RECEIVED_STATUSES
    ).select_related("booking"):
        items.append(
            {
                "title": _("Receipt %(reference)s") % {"reference": receipt_reference(payment)},
                "amount": payment.amount_received,
                "currency": payment.currency_received,
                "day": payment.paid_at,
                "url": reverse(
                    "sessions:receipt-pdf", args=[booking_token(payment.booking), payment.pk]
                ),
            }
        )
    return sorted(items, key=lambda item: item["day"], reverse=True)
