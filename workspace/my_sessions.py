"""The client's own page, "My sessions" (/my/): what needs them first (a document to sign, a
questionnaire to answer, a payment due, favorites to choose), then their sessions to come,
their past sessions with their galleries and downloads, their documents and their payments.
Each item links to the page that already exists for it. It sits on the top floor because it
puts together every floor's reads about one client: bookings, documents and payments
(sessions) and galleries (gallery). Routed in the "clients" namespace by workspace.urls."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from clients.views import client_from_request
from gallery.models import Download, Gallery
from gallery.proofing import choosing_closed, day_ends
from gallery.selectors import galleries_for_client
from sessions.access import booking_token
from sessions.documents.selectors import ClientDocument, documents_for_client
from sessions.models import Booking, Installment, Payment
from sessions.payments.invoice_pdf import invoice_title, receipt_reference
from sessions.questionnaires import ACTIVE
from sessions.selectors import (
    booking_list_for_client,
    invoices_for_client,
    payments_received_for_client,
)

# Bookings whose payments other than the deposit may still be asked for.
PAYABLE = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED)


@dataclass
class Need:
    """Something waiting for the client, with the page where they do it. `due` is a moment
    or a day (a gallery's choose-by day, a payment plan's part), or None."""

    kind: str  # "sign", "answer", "pay" or "choose"
    url: str
    booking: Booking | None = None
    name: str = ""
    due: datetime | date | None = None
    amount: int = 0
    currency: str = ""
    required: bool = True
    payment_id: int | None = None

    @property
    def due_has_time(self) -> bool:
        return isinstance(self.due, datetime)


@dataclass
class Item:
    """A booking as the page shows it: its private link and its galleries."""

    booking: Booking
    token: str
    galleries: list[Gallery] = field(default_factory=list)


@never_cache
@require_safe
def my_sessions(request):
    client = client_from_request(request)
    if client is None:
        return redirect("clients:sign-in")
    now = timezone.now()
    tz = ZoneInfo(request.studio.time_zone)
    bookings = [
        Item(booking=booking, token=booking_token(booking))
        for booking in booking_list_for_client(client_id=client.pk)
    ]
    galleries = galleries_for_client(client_id=client.pk, today=timezone.localdate(now, tz))
    by_booking = {item.booking.pk: item for item in bookings}
    for gallery in galleries:
        if item := by_booking.get(gallery.booking_id):
            item.galleries.append(gallery)
    documents = documents_for_client(client_id=client.pk, now=now)
    received = payments_received_for_client(client_id=client.pk)
    cutoff = timedelta(hours=request.studio.questionnaire_cutoff_hours)
    needs = _sorted_needs(
        [
            *_signatures(documents.waiting),
            *_questionnaires(bookings, now=now, cutoff=cutoff),
            *_payments_due(bookings, now=now),
            *_favorites(galleries, [item.booking for item in bookings], now=now, tz=tz),
        ],
        tz=tz,
    )
    # A session cancelled (declined, lapsed) is no longer coming up, whatever its day.
    ended = Booking.ENDED_STATUSES
    past = [i for i in bookings if i.booking.ends_at < now or i.booking.status in ended]
    # The sessions that took place first, newest first; then those that never did (a
    # cancelled session next month is not the latest of the client's sessions).
    past.sort(key=lambda i: i.booking.status in ended)
    done = {i.booking.pk for i in past}
    response = render(
        request,
        "clients/my_sessions.html",
        {
            "client": client,
            "needs": needs,
            "upcoming": [i for i in reversed(bookings) if i.booking.pk not in done],
            "past": past,
            "signed": documents.signed,
            "money_documents": _invoices_and_receipts(client.pk, received),
            "received": received,
            "payments_due": [need for need in needs if need.kind == "pay"],
            "plan_parts": _plan_parts_to_come(bookings, needs),
            "download_sizes": Download.Size.choices,
        },
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def _signatures(waiting: list[ClientDocument]) -> list[Need]:
    """Required documents are due by the session, or by the end of a hold (signed before its
    deposit is paid, so listed before it); optional ones have no day."""
    needs = []
    for item in waiting:
        document, booking = item.document, item.document.booking
        due = None
        if document.required:
            held = booking.status == Booking.Status.HELD
            due = booking.hold_expires_at if held else booking.starts_at
        needs.append(
            Need(
                kind="sign",
                url=item.url,
                booking=booking,
                name=document.title or document.template.name,
                due=due,
                required=document.required,
            )
        )
    return needs


def _questionnaires(bookings: list[Item], *, now: datetime, cutoff: timedelta) -> list[Need]:
    """Each questionnaire not yet sent for a session it can still be answered for; once the
    session is near or over, nothing is asked (the booking page keeps answers readable)."""
    needs = []
    for item in bookings:
        booking = item.booking
        deadline = booking.starts_at - cutoff
        if booking.status not in ACTIVE or now >= deadline:
            continue
        sent = {response.questionnaire_id for response in booking.submitted_responses}
        needs += [
            Need(
                kind="answer",
                url=reverse("sessions:questionnaire-fill", args=[item.token, questionnaire.pk]),
                booking=booking,
                name=questionnaire.name,
                due=deadline,
            )
            for questionnaire in booking.session_type.active_questionnaires
            if questionnaire.pk not in sent
        ]
    return needs


def _payment_open(payment: Payment, booking: Booking, now: datetime) -> bool:
    """Whether the client can pay this now, as far as the booking and its plan tell (the
    booking page checks the rest, as sessions.payments.checkout.payment_check_payable): a
    deposit while the time is held (without online payments: once the session is on, as the
    rest); anything else once the session is on, but not a plan's
    part that is closed or being taken from the saved card, nor the balance meanwhile."""
    if payment.kind == Payment.Kind.DEPOSIT and settings.PAYMENTS_ENABLED:
        return booking.status == Booking.Status.HELD and booking.hold_expires_at > now
    # Without online payments a session is confirmed with its deposit still owed: it is
    # paid to the studio, and listed until the studio records it.
    if booking.status not in PAYABLE:
        return False
    parts = {part.payment_id: part for part in booking.open_installments}
    if payment.kind == Payment.Kind.INSTALLMENT:
        part = parts.get(payment.pk)
        return part is not None and part.status != Installment.Status.CHARGING
    if payment.kind == Payment.Kind.BALANCE:
        return all(part.status != Installment.Status.CHARGING for part in parts.values())
    return True


def _payments_due(bookings: list[Item], *, now: datetime) -> list[Need]:
    needs = []
    for item in bookings:
        booking = item.booking
        part_due = {part.payment_id: part.due_on for part in booking.open_installments}
        for payment in booking.open_payments:
            if not _payment_open(payment, booking, now):
                continue
            due = booking.hold_expires_at if payment.kind == Payment.Kind.DEPOSIT else None
            detail = reverse("sessions:booking-detail", args=[item.token])
            needs.append(
                Need(
                    kind="pay",
                    url=f"{detail}#pay-{payment.pk}"
                    if settings.PAYMENTS_ENABLED and not payment.owed_to_studio
                    else detail,
                    booking=booking,
                    name=payment.get_kind_display(),
                    due=part_due.get(payment.pk, due),
                    amount=payment.amount,
                    currency=payment.currency,
                    payment_id=payment.pk,
                )
            )
    return needs


def _favorites(
    galleries: list[Gallery], bookings: list[Booking], *, now: datetime, tz: ZoneInfo
) -> list[Need]:
    """Galleries open for choosing: published, nothing sent yet, the choose-by day not over."""
    by_id = {booking.pk: booking for booking in bookings}
    return [
        Need(
            kind="choose",
            url=reverse("gallery:gallery-detail", args=[gallery.slug]),
            booking=by_id.get(gallery.booking_id),
            name=gallery.title,
            due=gallery.selection_deadline,
        )
        for gallery in galleries
        if not choosing_closed(gallery, now=now, tz=tz)
    ]


def _sorted_needs(needs: list[Need], *, tz: ZoneInfo) -> list[Need]:
    """Soonest deadline first (a day counts until its end); those without one last."""
    far = datetime.max.replace(tzinfo=tz)

    def moment(need: Need) -> datetime:
        if need.due is None:
            return far
        return need.due if isinstance(need.due, datetime) else day_ends(need.due, tz)

    return sorted(needs, key=moment)


def _plan_parts_to_come(bookings: list[Item], needs: list[Need]) -> list[Installment]:
    """Parts of payment plans still to pay that aren't asked for yet (those are in `needs`),
    soonest first, each with `booking`."""
    asked = {need.payment_id for need in needs if need.payment_id}
    parts = []
    for item in bookings:
        if item.booking.status not in PAYABLE:
            continue
        for part in item.booking.open_installments:
            if part.payment_id not in asked:
                part.booking = item.booking
                parts.append(part)
    return sorted(parts, key=lambda part: (part.due_on, part.position))


def _invoices_and_receipts(client_id: int, received: list[Payment]) -> list[dict]:
    """The client's invoices, credit notes and receipts, newest first, each with its PDF's
    address under its booking's private link (one query, for the invoices)."""
    items = []
    for invoice in invoices_for_client(client_id=client_id):
        token = booking_token(invoice.booking)
        items.append(
            {
                "title": invoice_title(invoice),
                "about": invoice.about,  # "DM2A7C · Headshot, 9 December 2026", as issued
                "amount": invoice.gross,
                "currency": invoice.currency,
                "day": invoice.issued_at,
                "url": reverse("sessions:invoice-pdf", args=[token, invoice.kind, invoice.number]),
            }
        )
    for payment in received:
        items.append(
            {
                "title": _("Receipt %(reference)s") % {"reference": receipt_reference(payment)},
                "about": f"{payment.booking.reference} · {payment.booking.session_type.name}",
                "amount": payment.amount_received,
                "currency": payment.currency_received,
                "day": payment.paid_at,
                "url": reverse(
                    "sessions:receipt-pdf", args=[booking_token(payment.booking), payment.pk]
                ),
            }
        )
    return sorted(items, key=lambda item: item["day"], reverse=True)
