"""A client's bookings in a privacy export or erasure (workspace.privacy runs both across
the apps). Erasure keeps what a business must keep: bookings' dates and prices, payments and
refunds, each booking's history; it removes the notes, the name typed when booking,
questionnaire answers with their photos, cards saved for payment plans (detached at
Stripe), and the client's name, email and message on gift vouchers (the voucher stays
usable). Signed documents are kept without their drawn
signatures (sessions.documents.privacy)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from clients.models import Client
from clients.privacy import ErasureRefused
from sessions.documents.privacy import (
    DocumentsErased,
    client_documents_erase,
    client_documents_export,
)
from sessions.models import (
    AnswerImage,
    Booking,
    GiftVoucher,
    Installment,
    Invoice,
    QuestionnaireResponse,
    SavedCard,
    WaitlistEntry,
)
from sessions.payments.vouchers import voucher_refunded, voucher_remaining
from studio.background import task_enqueue_on_commit


def client_bookings_export(*, client: Client) -> dict:
    """The client's bookings (with history and payments), questionnaires and documents, as
    plain data, in a fixed number of queries."""
    bookings = list(
        Booking.objects.filter(client=client)
        .select_related("session_type", "photographer")
        .prefetch_related("payments__refunds", "events", "installments")
        .order_by("starts_at")
    )
    responses = (
        QuestionnaireResponse.objects.filter(booking__client=client)
        .prefetch_related("answers", "images")
        .order_by("pk")
    )
    return {
        "bookings": [
            {
                "reference": booking.reference,
                "session_type": booking.session_type.name,
                "photographer": booking.photographer.display_name,
                "starts_at": booking.starts_at,
                "ends_at": booking.ends_at,
                "status": booking.status,
                "booked_as": booking.booked_as,
                "photographed": booking.photographed_name,
                "about_them": booking.photographed_note,
                "your_notes": booking.client_notes,
                "price": booking.price,
                "deposit": booking.deposit,
                "discount": booking.discount,
                "currency": booking.currency,
                "created_at": booking.created_at,
                "history": [
                    {"at": event.at, "status": event.status, "session_at": event.starts_at}
                    for event in booking.events.all()
                ],
                "payments": [
                    {
                        "for": payment.kind,
                        "amount": payment.amount,
                        "currency": payment.currency,
                        "status": payment.status,
                        "paid_at": payment.paid_at,
                        "paid_by": payment.method,
                        "payment_reference": payment.reference,
                        "received": payment.amount_received,
                        "received_currency": payment.currency_received or None,
                        "refunded": payment.amount_refunded,
                        "refunds": [
                            {
                                "amount": refund.amount,
                                "currency": refund.currency,
                                "status": refund.status,
                                "at": refund.created_at,
                            }
                            for refund in payment.refunds.all()
                        ],
                    }
                    for payment in booking.payments.all()
                ],
                "payment_plan": [
                    {
                        "part": part.label,
                        "amount": part.amount,
                        "currency": part.currency,
                        "due_on": part.due_on,
                        "status": part.status,
                    }
                    for part in booking.installments.all()
                ],
            }
            for booking in bookings
        ],
        "saved_cards": [
            {
                "booking": card.booking.reference,
                "card": str(card),
                "consented_at": card.consented_at,
                "removed_at": card.removed_at,
            }
            for card in SavedCard.objects.filter(booking__client=client).select_related("booking")
        ],
        "gift_vouchers": _vouchers_export(client),
        # Kept as issued, even after erasure: they hold the name and address billed.
        "invoices": [
            {
                "reference": invoice.reference,
                "kind": invoice.kind,
                "booking": invoice.booking.reference,
                "issued_at": invoice.issued_at,
                "billed_to": invoice.bill_to,
                "for": invoice.about,
                "total": invoice.gross,
                "tax": invoice.tax,
                "currency": invoice.currency,
            }
            for invoice in Invoice.objects.filter(booking__client=client).select_related("booking")
        ],
        "questionnaires": [
            {
                "booking": response.booking.reference if response.booking_id else None,
                "questionnaire": response.questionnaire_name,
                "status": response.status,
                "submitted_at": response.submitted_at,
                "answers": [
                    {"question": answer.label, "answer": answer.value}
                    for answer in response.answers.all()
                ],
                "photos": [
                    {"question": image.label, "file_name": image.original_name}
                    for image in response.images.all()
                ],
            }
            for response in responses.select_related("booking")
        ],
        "documents": client_documents_export(client=client),
        "waitlists": list(
            WaitlistEntry.objects.filter(email__iexact=client.email)
            .order_by("created_at")
            .values("day", "session_type__name", "name", "email", "status", "created_at")
        ),
    }


def _vouchers_export(client: Client) -> list[dict]:
    """Gift vouchers the client bought or was given (by their email address)."""
    vouchers = GiftVoucher.objects.filter(
        Q(buyer_email__iexact=client.email) | Q(recipient_email__iexact=client.email)
    ).order_by("pk")
    return [
        {
            "code": voucher.code,
            "value": voucher.value,
            "left": voucher_remaining(voucher),
            "refunded": voucher_refunded(voucher),
            "currency": voucher.currency,
            "bought_by": voucher.buyer_name,
            "for": voucher.recipient_name,
            "message": voucher.message,
            "status": voucher.status,
            "valid_until": voucher.expires_on,
        }
        for voucher in vouchers
    ]


def _vouchers_erase(client: Client) -> int:
    """The client's name, email and words on vouchers they bought or were given; the code,
    its value and its money stay (a voucher given to someone else can still be used)."""
    bought = GiftVoucher.objects.filter(buyer_email__iexact=client.email).update(
        buyer_name="", buyer_email="", message=""
    )
    given = GiftVoucher.objects.filter(recipient_email__iexact=client.email).update(
        recipient_name="", recipient_email=""
    )
    return bought + given


def _saved_cards_forget(client: Client, *, now: datetime) -> None:
    """Cards kept for payment plans: removed, and detached at Stripe by a worker."""
    cards = SavedCard.objects.filter(booking__client=client, removed_at__isnull=True)
    for method_id in cards.values_list("stripe_payment_method_id", flat=True):
        task_enqueue_on_commit("sessions.tasks.saved_card_detach_task", payment_method_id=method_id)
    cards.update(removed_at=now)
    Installment.objects.filter(
        booking__client=client, status__in=Installment.OPEN_STATUSES
    ).exclude(status=Installment.Status.CHARGING).update(status=Installment.Status.CANCELLED)


@dataclass(frozen=True)
class BookingsErased:
    questionnaires: int
    files: list[str]  # the answers' photos and sealed PDFs, to delete once committed
    documents: DocumentsErased


def client_bookings_erase(*, client: Client, now: datetime) -> BookingsErased:
    """Questionnaires and their photos deleted, notes and the name typed blanked, drawn
    signatures removed and waiting documents voided; the bookings and signed documents
    stay. Refused (ErasureRefused), changing nothing, while the client has a session to
    come. Call inside the erasure's transaction, holding the client's lock."""
    upcoming = Booking.objects.filter(
        client=client, status__in=Booking.ACTIVE_STATUSES, ends_at__gt=now
    )
    if upcoming.exists():
        raise ErasureRefused(
            _("%(name)s has a session to come. Cancel it first, then erase their data.")
            % {"name": client.name}
        )
    images = AnswerImage.objects.filter(response__booking__client=client)
    files = [name for pair in images.values_list("file", "thumbnail") for name in pair]
    responses = QuestionnaireResponse.objects.filter(booking__client=client)
    questionnaires = responses.count()
    responses.delete()
    Booking.objects.filter(client=client).update(
        client_notes="", booked_as="", photographed_name="", photographed_note=""
    )
    # Their places on waitlists go too, with the names and address typed there.
    WaitlistEntry.objects.filter(email__iexact=client.email).delete()
    _vouchers_erase(client)
    _saved_cards_forget(client, now=now)
    documents = client_documents_erase(client=client, now=now)
    return BookingsErased(
        questionnaires=questionnaires, files=files + documents.files, documents=documents
    )
