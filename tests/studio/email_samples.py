"""One email of every kind Sitting sends, each made by its own sender (the function its task
calls), about rows with long names with accents and a studio with a wide logo: for tests that
look at every kind at once (how it reads on a phone, who it comes from)."""

import hashlib
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import TestCase
from PIL import Image

from clients.emails import sign_in_link_send
from gallery.emails import (
    comment_digest_email_send,
    gallery_email_send,
    gallery_reopened_email_send,
    pin_guessing_email_send,
    selection_client_email_send,
    selection_email_send,
)
from gallery.models import (
    Comment,
    FavoriteList,
    Gallery,
    Photo,
    Selection,
    ShareLink,
    SharePinAttempt,
)
from gallery.services import gallery_create_for_booking
from sessions.documents.emails import document_pdf_emails_send, documents_email_send
from sessions.documents.reminders import document_reminder_send
from sessions.documents.services import (
    document_issue,
    document_pending_text,
    document_template_save,
)
from sessions.emails import booking_email_send
from sessions.models import (
    Booking,
    Document,
    DocumentFile,
    DocumentTemplate,
    GiftVoucher,
    Installment,
    Payment,
    Questionnaire,
    QuestionnaireResponse,
    Refund,
    VoucherPayment,
    VoucherRefund,
    WaitlistEntry,
)
from sessions.payments.emails import payment_email_send
from sessions.payments.invoice_emails import invoice_email_send
from sessions.payments.invoices import booking_invoice_issue
from sessions.payments.plan_emails import installment_email_send
from sessions.payments.voucher_documents import voucher_email_send, voucher_refund_email_send
from sessions.reminders import reminders_scan
from sessions.studio_emails import studio_email_send
from sessions.waitlist_emails import waitlist_joined_email_send, waitlist_offer_email_send
from studio.models import SentEmail, Studio
from tests.factories import BookingFactory, ClientFactory, PhotographerFactory, SessionTypeFactory
from tests.payment_fixtures import payment_received

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # Monday 1 June, 09:00 in London
SESSION = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # Wednesday 10 June, 10:00 in London
CLIENT_NAME = "Zoë Newcomer-Fitzgerald"
NOTES = (
    "Ideas: https://www.pinterest.co.uk/zoenewcomerfitzgerald/family-portraits-garden-summer-2026/"
)


def wide_logo() -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 120), "#8a5a44").save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="logo.png")


def emails_of_every_kind(studio: Studio) -> dict[str, SentEmail]:
    """Send one email of each kind; {kind: its log row}. Needs `eager_tasks` (reminders go
    through beat's scan and the worker's task)."""
    studio.logo = wide_logo()
    studio.phone = "+44 20 7946 0000"
    studio.address = "Unit 4, The Old Printworks\n12 Long Acre Mews\nLondon WC2E 9LH"
    studio.policies = "Reschedule or cancel free of charge up to 48 hours before the session."
    studio.save()
    zoe = ClientFactory(name=CLIENT_NAME, email="zoe.newcomer-fitzgerald@example.com")
    family = SessionTypeFactory(name="Family portraits in the garden", price=15000, deposit=5000)
    Questionnaire.objects.create(name="What to wear, and what matters").session_types.add(family)
    maya = PhotographerFactory(display_name="Maya Lind-Abernethy")

    def booking(status, days=0, **fields) -> Booking:
        starts_at = SESSION + timedelta(days=days)
        return BookingFactory(
            client=zoe,
            session_type=family,
            photographer=maya,
            starts_at=starts_at,
            status=status,
            **fields,
        )

    confirmed = booking(Booking.Status.CONFIRMED, client_notes=NOTES)
    # A week and three days before, beat's scan queues the reminders for the worker.
    for moment in (datetime(2026, 6, 3, 9, 5, tzinfo=UTC), datetime(2026, 6, 7, 9, 5, tzinfo=UTC)):
        with (
            time_machine.travel(moment, tick=False),
            TestCase.captureOnCommitCallbacks(execute=True),
        ):
            reminders_scan()
    with time_machine.travel(NOW, tick=False):
        _send_the_rest(confirmed, booking, zoe)
    emails = {}
    for email in SentEmail.objects.order_by("pk"):
        emails.setdefault(email.kind, email)
    return emails


def _send_the_rest(confirmed, booking, zoe) -> None:
    booking_email_send(booking_id=confirmed.pk, kind="confirmed")
    booking_email_send(booking_id=confirmed.pk, kind="rescheduled")
    studio_email_send(booking_id=confirmed.pk, kind="new")
    studio_email_send(booking_id=confirmed.pk, kind="moved", sequence=confirmed.calendar_sequence)
    requested = booking(Booking.Status.REQUESTED, days=1)
    booking_email_send(booking_id=requested.pk, kind="requested")
    cancelled = booking(Booking.Status.CANCELLED, days=2)
    booking_email_send(booking_id=cancelled.pk, kind="cancelled")
    studio_email_send(booking_id=cancelled.pk, kind="cancelled")
    declined = booking(Booking.Status.DECLINED, days=3)
    booking_email_send(booking_id=declined.pk, kind="declined")
    longer = booking(Booking.Status.CONFIRMED, days=11)  # made longer where it stands
    booking_email_send(booking_id=longer.pk, kind="rescheduled", was=longer.starts_at)
    response = QuestionnaireResponse.objects.create(
        booking=confirmed,
        questionnaire_name="What to wear, and what matters",
        status=QuestionnaireResponse.Status.SUBMITTED,
        submitted_at=NOW,
    )
    studio_email_send(booking_id=confirmed.pk, kind="questionnaire", response_id=response.pk)

    deposit = Payment.objects.create(
        booking=confirmed,
        kind=Payment.Kind.DEPOSIT,
        amount=5000,
        currency="GBP",
        amount_received=5000,
        currency_received="GBP",
        status=Payment.Status.PAID,
        paid_at=NOW,
        stripe_payment_intent_id="pi_3PzYxWvUtSrQpOnM1a2b3c4d",
    )
    refund = Refund.objects.create(
        payment=deposit,
        amount=5000,
        currency="GBP",
        reason=Refund.Reason.STUDIO,
        status=Refund.Status.FAILED,
        failure_reason="The card this payment was made with has expired or been cancelled.",
    )
    for kind in ("payment_received", "late_payment", "studio_late_payment", "studio_dispute"):
        payment_email_send(payment_id=deposit.pk, kind=kind)
    for kind in ("refund_issued", "studio_refund_failed"):
        payment_email_send(payment_id=deposit.pk, kind=kind, refund_id=refund.pk)
    balance = Payment.objects.create(
        booking=confirmed, kind=Payment.Kind.BALANCE, amount=10000, currency="GBP"
    )
    payment_email_send(payment_id=balance.pk, kind="balance_due")
    by_transfer = payment_received(
        confirmed,
        kind=Payment.Kind.BALANCE,
        amount=4000,
        paid_at=NOW,
        method=Payment.Method.BANK_TRANSFER,
        reference="LUMEN NEWCOMER-FITZGERALD 0610",
    )
    payment_email_send(payment_id=by_transfer.pk, kind="payment_recorded")
    held = booking(Booking.Status.HELD, days=4, hold_expires_at=NOW + timedelta(hours=48))
    due = Payment.objects.create(
        booking=held, kind=Payment.Kind.DEPOSIT, amount=5000, currency="GBP"
    )
    payment_email_send(payment_id=due.pk, kind="deposit_due")
    # The same held time, as if offered to Zoë from a full day's waitlist.
    waiting = WaitlistEntry.objects.create(
        session_type=held.session_type,
        day=held.starts_at.date(),
        name=zoe.name,
        email=zoe.email,
        status=WaitlistEntry.Status.OFFERED,
        hold=held,
        offered_at=NOW,
    )
    waitlist_offer_email_send(entry_id=waiting.pk)
    # ...and her place on another full day's waitlist, as she took it.
    place = WaitlistEntry.objects.create(
        session_type=held.session_type,
        day=held.starts_at.date() + timedelta(days=7),
        name=zoe.name,
        email=zoe.email,
    )
    waitlist_joined_email_send(entry_id=place.pk)
    # A payment plan's part the bank asked Zoë to confirm herself.
    part = Installment.objects.create(
        booking=confirmed,
        label="Second payment",
        amount=4000,
        currency="GBP",
        due_on=NOW.date(),
        status=Installment.Status.ACTION_NEEDED,
        attempts=1,
    )
    installment_email_send(installment_id=part.pk, reason="authentication", key="ask-1")

    gallery = gallery_create_for_booking(booking=confirmed)
    Gallery.objects.filter(pk=gallery.pk).update(
        status=Gallery.Status.PUBLISHED,
        published_at=NOW - timedelta(days=10),
        expires_on=(NOW + timedelta(days=3)).date(),
        selection_deadline=(NOW + timedelta(days=20)).date(),
        favorites_limit=20,
    )
    for kind in ("ready", "nudge", "expiring"):
        gallery_email_send(gallery_id=gallery.pk, kind=kind)
    # Two days before the choose-by day its reminder takes over from the nudge.
    Gallery.objects.filter(pk=gallery.pk).update(
        selection_deadline=(NOW + timedelta(days=2)).date()
    )
    gallery_email_send(gallery_id=gallery.pk, kind="deadline")
    favorites = FavoriteList.objects.create(gallery=gallery, name=zoe.name)
    selection = Selection.objects.create(
        gallery=gallery,
        favorite_list=favorites,
        status=Selection.Status.SUBMITTED,
        photo_count=24,
        extra_count=4,
        extra_cost=6000,
        submitted_at=NOW,
    )
    selection_email_send(selection_id=selection.pk)
    selection_client_email_send(selection_id=selection.pk)
    gallery_reopened_email_send(gallery_id=gallery.pk, selection_id=selection.pk)
    photo = Photo.objects.create(
        gallery=gallery,
        original=f"galleries/{gallery.pk}/DSC_0412/original.jpg",
        original_name="DSC_0412.jpg",
        sha256="1" * 64,
        size=10,
        status=Photo.Status.READY,
    )
    Comment.objects.bulk_create(
        Comment(photo=photo, author_name=zoe.name, body=body, notified_at=NOW)
        for body in ("Could this one be a little warmer?", "Our favourite: please keep it!")
    )
    comment_digest_email_send(gallery_id=gallery.pk, claimed_at=NOW.isoformat())
    link = ShareLink.objects.create(gallery=gallery, label="Grandma and Grandpa Newcomer")
    SharePinAttempt.objects.bulk_create(
        SharePinAttempt(
            share_link=link,
            address_hash=f"{n:064x}",
            failures=4,
            last_failed_at=NOW,
            wait_until=NOW,
        )
        for n in range(5)
    )
    pin_guessing_email_send(share_link_id=link.pk, day="2026-06-01")
    Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.DELIVERED)
    gallery_email_send(gallery_id=gallery.pk, kind="finals")
    sign_in_link_send(email=zoe.email)
    _send_documents(booking)
    invoice_email_send(invoice_id=booking_invoice_issue(booking_id=confirmed.pk).pk)
    _send_gift_voucher(zoe)


def _send_gift_voucher(zoe) -> None:
    """A voucher Zoë bought for her grandmother, to the buyer and to its recipient."""
    voucher = GiftVoucher.objects.create(
        value=25000,
        currency="GBP",
        package_name="Family portraits in the garden: Signature",
        buyer_name=zoe.name,
        buyer_email=zoe.email,
        recipient_name="Margaret Newcomer-Fitzgerald",
        recipient_email="margaret.newcomer@example.com",
        message="Happy 80th, Grandma! A morning in the garden with all of us. Love, Zoë",
        send_on=NOW.date(),
        status=GiftVoucher.Status.PAID,
        paid_at=NOW,
        expires_on=date(2028, 6, 1),
    )
    voucher_email_send(voucher_id=voucher.pk, to="buyer")
    voucher_email_send(voucher_id=voucher.pk, to="recipient")
    # Part of it refunded in Stripe's dashboard: the rest stays on the voucher.
    sale = VoucherPayment.objects.create(
        voucher=voucher,
        amount=25000,
        currency="GBP",
        status=VoucherPayment.Status.PAID,
        amount_received=25000,
        currency_received="GBP",
        paid_at=NOW,
        stripe_payment_intent_id="pi_3QaBcDeFgHiJkLmN0p1q2r3s",
        amount_refunded=7500,
        refunded_at=NOW,
    )
    refund = VoucherRefund.objects.create(
        voucher_payment=sale,
        amount=7500,
        currency="GBP",
        status=VoucherRefund.Status.PENDING,
        reason=VoucherRefund.Reason.STRIPE,
        stripe_refund_id="re_3QaBcDeFgHiJkLmN0p1q2r3s",
    )
    voucher_refund_email_send(voucher_refund_id=refund.pk)


def _send_documents(booking) -> None:
    """The links to sign, a reminder of them, and the sealed PDF to both sides."""
    contract = DocumentTemplate(
        kind=DocumentTemplate.Kind.CONTRACT,
        name="Family portrait agreement, with the garden session’s extras",
        body="Between {studio_name} and {client_name}, for the {session} on {date}.",
    )
    document_template_save(template=contract)
    signing = booking(Booking.Status.CONFIRMED, days=5)
    with transaction.atomic():
        document = document_issue(booking=signing, template=contract, required=True)
    documents_email_send(booking_id=signing.pk, document_ids=[document.pk])
    key = f"booking:{signing.pk}:documents-nudge"
    document_reminder_send(booking_id=signing.pk, key=key, now=NOW + timedelta(days=2, hours=1))
    # Signed straight in the table: the seal task document_sign queues makes its own PDF.
    pending = document_pending_text(document)
    Document.objects.filter(pk=document.pk).update(
        status=Document.Status.SIGNED,
        version=pending.version,
        title=pending.text.title,
        text_html=pending.text.html,
        text_sha256=pending.text.sha256,
        signed_name=CLIENT_NAME,
        signed_at=NOW,
    )
    pdf = io.BytesIO()
    Image.new("RGB", (60, 80), "#8a5a44").save(pdf, "PDF")
    file = DocumentFile.objects.create(
        document=document,
        stage=DocumentFile.Stage.SIGNED,
        file=ContentFile(pdf.getvalue(), name="sample.pdf"),
        sha256=hashlib.sha256(pdf.getvalue()).hexdigest(),
    )
    document_pdf_emails_send(document_id=document.pk, file_id=file.pk)
