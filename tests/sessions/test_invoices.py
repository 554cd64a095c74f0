"""Invoices and credit notes: built from what the booking bought, taxed by the studio's rules,
numbered without gaps, never changed once issued."""

import io
import threading

import pytest
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from sessions.access import booking_token, booking_url
from sessions.emails import booking_email_send
from sessions.models import Booking, BookingItem, Invoice, Payment, Refund
from sessions.payments.invoice_emails import invoice_email_send
from sessions.payments.invoices import (
    booking_invoice_current,
    booking_invoice_issue,
    refund_credit_note_issue,
)
from studio.models import Studio
from tests.factories import BookingFactory, SessionTypeFactory


@pytest.fixture
def vat(studio) -> Studio:
    studio.tax_name, studio.tax_rate, studio.tax_number = "VAT", 2000, "GB 123 4567 89"
    studio.prices_include_tax = True
    studio.save()
    return studio


def signature_booking(**fields) -> Booking:
    """A booking that bought Signature (£495) and make-up (£95): £590."""
    booking = BookingFactory(
        session_type=SessionTypeFactory(price=49500, deposit=10000), price=59000, **fields
    )
    BookingItem.objects.filter(booking=booking).update(name="Signature", unit_price=49500)
    BookingItem.objects.create(
        booking=booking, kind="add_on", name="Hair and make-up", unit_price=9500, position=1
    )
    return booking


def paid(booking: Booking, amount: int, kind=Payment.Kind.DEPOSIT) -> Payment:
    return Payment.objects.create(
        booking=booking,
        kind=kind,
        amount=amount,
        currency="GBP",
        status=Payment.Status.PAID,
        amount_received=amount,
        currency_received="GBP",
    )


def test_a_confirmed_booking_is_invoiced_for_what_it_bought_tax_included(vat):
    booking = signature_booking()
    invoice = booking_invoice_issue(booking_id=booking.pk)
    assert invoice.reference == "INV-0001"
    assert [(line.description, line.amount) for line in invoice.lines.all()] == [
        ("Signature", 49500),
        ("Hair and make-up", 9500),
    ]
    # £590 with 20% VAT inside: 590 / 1.2 = 491.666…, tax 98.33 on the rate's total.
    assert (invoice.net, invoice.tax, invoice.gross) == (49167, 9833, 59000)
    assert (invoice.tax_name, invoice.tax_number) == ("VAT", "GB 123 4567 89")
    assert invoice.bill_to.startswith(booking.client.name)


def test_lines_are_what_clients_pay_with_the_tax_inside(vat):
    """Prices entered before tax are still to come: until then the old setting changes
    nothing, so an invoice never asks for tax nobody charged."""
    vat.prices_include_tax = False
    vat.save()
    booking = signature_booking()
    paid(booking, 4000, kind=Payment.Kind.EXTRAS)
    invoice = booking_invoice_issue(booking_id=booking.pk)
    assert (invoice.net, invoice.tax, invoice.gross) == (52500, 10500, 63000)
    assert invoice.prices_include_tax


def test_no_tax_is_a_setting_too(studio):
    invoice = booking_invoice_issue(booking_id=signature_booking().pk)
    assert (invoice.net, invoice.tax, invoice.gross) == (59000, 0, 59000)
    assert invoice.tax_name == ""


def test_issuing_again_changes_nothing_and_uses_no_number(vat):
    booking = signature_booking()
    first = booking_invoice_issue(booking_id=booking.pk)
    assert booking_invoice_issue(booking_id=booking.pk) == first
    assert Invoice.objects.count() == 1
    assert Studio.objects.get().invoice_next_number == 2


def test_a_booking_not_confirmed_is_not_invoiced(vat):
    held = signature_booking(status=Booking.Status.HELD, hold_expires_at="2030-01-01T00:00Z")
    assert booking_invoice_issue(booking_id=held.pk) is None
    assert not Invoice.objects.exists()
    assert Studio.objects.get().invoice_next_number == 1


def test_a_change_credits_the_invoice_in_full_and_issues_a_new_one(vat):
    booking = signature_booking()
    first = booking_invoice_issue(booking_id=booking.pk)
    Booking.objects.filter(pk=booking.pk).update(discount=5000)
    second = booking_invoice_issue(booking_id=booking.pk)
    assert second.reference == "INV-0002"
    assert second.lines.last().description == "Discount"
    assert second.gross == 54000
    credit = first.credit_notes.get()
    assert credit.reference == "CN-0001"
    # Exactly the first invoice, negated, line by line.
    assert (credit.net, credit.tax, credit.gross) == (-first.net, -first.tax, -first.gross)
    assert [line.amount for line in credit.lines.all()] == [-49500, -9500]
    assert booking_invoice_current(booking) == second
    first.refresh_from_db()
    assert (first.gross, first.number) == (59000, 1)  # issued: never changed


def test_a_credit_note_bills_the_parties_and_tax_number_of_the_invoice_it_cancels(studio):
    booking = signature_booking()
    first = booking_invoice_issue(booking_id=booking.pk)  # no VAT registration yet
    Studio.objects.filter(pk=studio.pk).update(tax_name="VAT", tax_number="GB 123 4567 89")
    booking.client.name = "Anna Nowak"
    booking.client.save()
    Booking.objects.filter(pk=booking.pk).update(discount=5000)
    second = booking_invoice_issue(booking_id=booking.pk)
    credit = first.credit_notes.get()
    assert (credit.tax_name, credit.tax_number, credit.bill_to) == ("", "", first.bill_to)
    assert (second.tax_name, second.tax_number) == ("VAT", "GB 123 4567 89")


def test_extras_paid_in_the_gallery_join_the_bill(vat):
    booking = signature_booking()
    booking_invoice_issue(booking_id=booking.pk)
    paid(booking, 4000, kind=Payment.Kind.EXTRAS)
    invoice = booking_invoice_issue(booking_id=booking.pk)
    assert invoice.gross == 63000
    assert invoice.lines.last().description == "Extra images chosen in the gallery"


def test_a_cancelled_booking_is_billed_what_it_paid_and_refunds_get_credit_notes(vat):
    booking = signature_booking()
    booking_invoice_issue(booking_id=booking.pk)
    deposit = paid(booking, 10000)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    kept = booking_invoice_issue(booking_id=booking.pk)
    assert [(line.description, line.amount) for line in kept.lines.all()] == [
        ("Payments received for a cancelled session", 10000)
    ]
    refund = Refund.objects.create(
        payment=deposit,
        amount=10000,
        currency="GBP",
        reason=Refund.Reason.CANCELLATION,
        status=Refund.Status.SUCCEEDED,
    )
    credit = refund_credit_note_issue(refund_id=refund.pk)
    assert (credit.reference, credit.gross, credit.tax) == ("CN-0002", -10000, -1667)
    assert refund_credit_note_issue(refund_id=refund.pk) == credit  # once
    billed = sum(Invoice.objects.filter(booking=booking).values_list("gross", flat=True))
    assert billed == 0  # 590 − 590 + 100 − 100: all given back


def test_a_refund_not_yet_made_gets_no_credit_note(vat):
    booking = signature_booking()
    booking_invoice_issue(booking_id=booking.pk)
    refund = Refund.objects.create(
        payment=paid(booking, 10000), amount=500, currency="GBP", reason=Refund.Reason.STUDIO
    )
    assert refund_credit_note_issue(refund_id=refund.pk) is None
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()


def test_the_first_invoice_goes_with_the_youre_booked_email(vat, run_tasks, mailoutbox):
    booking = signature_booking(status=Booking.Status.REQUESTED)
    with run_tasks():
        booking.status = Booking.Status.CONFIRMED
        booking.save(update_fields=["status"])  # the worker issues it, and emails nothing
    invoice = booking_invoice_current(booking)
    assert invoice.gross == 59000
    assert mailoutbox == []
    booking_email_send(booking_id=booking.pk, kind="confirmed")
    [email] = mailoutbox
    assert email.subject.startswith("You're booked")
    names = [name for name, *_ in email.attachments]
    assert names == ["session.ics", "INV-0001.pdf"]
    assert "VAT invoice INV-0001" in pdf_text(email.attachments[1][1])
    assert Invoice.objects.count() == 1  # the email found the invoice issued, made none


def test_a_first_invoice_issued_after_youre_booked_went_is_emailed_alone(
    vat, run_tasks, mailoutbox
):
    """A booking confirmed before the studio's invoices began (or booked by the studio
    without emailing): no invoice went with its confirmation. The first it gets later
    (extras chosen in the gallery) is sent to the client then, on its own."""
    booking = signature_booking()
    with run_tasks():
        paid(booking, 4500, kind=Payment.Kind.EXTRAS)
        invoice = booking_invoice_issue(booking_id=booking.pk)
    assert invoice.gross == 63500
    [email] = mailoutbox
    assert email.subject.endswith(f"VAT invoice {invoice.reference}")
    assert [name for name, *_ in email.attachments] == [f"{invoice.reference}.pdf"]


def test_a_booking_confirmed_without_an_email_gets_no_invoice_email_then(
    vat, run_tasks, mailoutbox
):
    """Booked by the studio without emailing the client: the invoice issued as it is
    confirmed is not emailed either (the studio chose to tell them itself)."""
    booking = signature_booking(status=Booking.Status.REQUESTED)
    with run_tasks():
        booking.status = Booking.Status.CONFIRMED
        booking.save(update_fields=["status"])
    assert booking_invoice_current(booking) is not None
    assert mailoutbox == []


def test_a_new_version_is_emailed_with_the_credit_note_for_the_old(vat, run_tasks, mailoutbox):
    booking = signature_booking()
    booking_invoice_issue(booking_id=booking.pk)
    Booking.objects.filter(pk=booking.pk).update(discount=5000)
    with run_tasks():
        booking_invoice_issue(booking_id=booking.pk)
    [email] = mailoutbox
    assert email.to == [f"{booking.client.name} <{booking.client.email}>"]
    assert email.subject.endswith("VAT invoice INV-0002")
    assert "It replaces invoice INV-0001" in email.body
    assert [name for name, *_ in email.attachments] == ["INV-0002.pdf", "CN-0001.pdf"]
    assert invoice_email_send(invoice_id=booking_invoice_current(booking).pk) is False  # once


def test_a_refund_credits_a_booking_that_ended_but_not_one_going_ahead(vat, run_tasks, mailoutbox):
    booking = signature_booking()
    booking_invoice_issue(booking_id=booking.pk)
    goodwill = Refund.objects.create(
        payment=paid(booking, 10000, kind=Payment.Kind.BALANCE),
        amount=1000,
        currency="GBP",
        reason=Refund.Reason.STUDIO,
        status=Refund.Status.SUCCEEDED,
    )
    # Going ahead: the money is still owed (the balance asks for it), so nothing is credited.
    assert refund_credit_note_issue(refund_id=goodwill.pk) is None
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    refund = Refund.objects.create(
        payment=paid(booking, 10000),
        amount=2500,
        currency="GBP",
        reason=Refund.Reason.STUDIO,
        status=Refund.Status.SUCCEEDED,
    )
    with run_tasks():
        refund_credit_note_issue(refund_id=refund.pk)
    [email] = mailoutbox
    assert "the £25.00 we refunded to you" in email.body
    assert [name for name, *_ in email.attachments] == ["CN-0001.pdf"]
    mailoutbox.clear()
    with run_tasks():  # the booking's bill once it ended: what was kept; the earlier refund
        booking_invoice_issue(booking_id=booking.pk)  # credited now
    credited = Invoice.objects.filter(refund__isnull=False).values_list("refund", flat=True)
    assert sorted(credited) == sorted([goodwill.pk, refund.pk])
    billed = sum(Invoice.objects.filter(booking=booking).values_list("gross", flat=True))
    assert billed == 20000 - 1000 - 2500  # both payments, less both refunds


@pytest.mark.django_db(transaction=True)
def test_fifty_invoices_issued_at_once_are_numbered_one_to_fifty(vat):
    bookings = [BookingFactory() for _ in range(50)]
    start = threading.Barrier(len(bookings))
    errors: list[BaseException] = []

    def issue(booking_id):
        try:
            start.wait()
            booking_invoice_issue(booking_id=booking_id)
        except BaseException as error:  # a duplicate number or a deadlock in the making
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(b.pk,)) for b in bookings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 51))
    assert Studio.objects.get().invoice_next_number == 51


def studio_form_as_shown(admin_client, studio) -> tuple[str, dict]:
    """The studio's settings page and its form as the admin fills it in (no files)."""
    url = reverse("admin:studio_studio_change", args=[studio.pk])
    page = admin_client.get(url)
    form = {
        name: value
        for name, value in page.context["adminform"].form.initial.items()
        if name not in ("logo", "watermark") and value is not None
    }
    return url, form


def test_the_studio_types_its_tax_rate_as_a_percentage(admin_client, studio):
    url, form = studio_form_as_shown(admin_client, studio)
    sent = {**form, "tax_name": "VAT", "tax_rate": "5.5", "tax_number": "GB1"}
    response = admin_client.post(url, sent)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Studio.objects.get().tax_rate == 550
    refused = admin_client.post(url, {**sent, "tax_rate": "5.555"})
    assert "Ensure that there are no more than 2 decimal places." in refused.content.decode()
    unnamed = admin_client.post(url, {**sent, "tax_name": "", "tax_rate": "20"})
    assert "Give the tax a name for your invoices" in unnamed.content.decode()
    assert Studio.objects.get().tax_rate == 550


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_client_downloads_their_invoice_and_receipt_and_no_one_elses(client, vat):
    booking = signature_booking()
    invoice = booking_invoice_issue(booking_id=booking.pk)
    payment = paid(booking, 10000)
    Payment.objects.filter(pk=payment.pk).update(paid_at=booking.starts_at)
    token = booking_token(booking)
    page = client.get(booking_url(booking)).content.decode()
    invoice_url = reverse("sessions:invoice-pdf", args=[token, "invoice", invoice.number])
    receipt_url = reverse("sessions:receipt-pdf", args=[token, payment.pk])
    assert invoice_url in page
    assert receipt_url in page

    response = client.get(invoice_url)
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="INV-0001.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    for expected in (
        "VAT invoice INV-0001",
        "Signature",
        "Hair and make-up",
        "£590.00",
        "VAT at 20% on £491.67",
        "£98.33",
        "GB 123 4567 89",
    ):
        assert expected in text, expected
    assert "£100.00" in pdf_text(client.get(receipt_url).content)

    # Another client's link opens only their own booking's documents.
    other = signature_booking()
    other_token = booking_token(other)
    assert (
        client.get(
            reverse("sessions:invoice-pdf", args=[other_token, "invoice", invoice.number])
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("sessions:receipt-pdf", args=[other_token, payment.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("sessions:invoice-pdf", args=["not-a-token", "invoice", 1])).status_code
        == 404
    )


def test_the_booking_page_in_the_admin_lists_invoices_and_credit_notes(admin_client, vat):
    booking = signature_booking()
    booking_invoice_issue(booking_id=booking.pk)
    Booking.objects.filter(pk=booking.pk).update(discount=5000)
    booking_invoice_issue(booking_id=booking.pk)
    page = admin_client.get(reverse("admin:shoots_booking_change", args=[booking.pk]))
    html = page.content.decode()
    assert "VAT invoice INV-0001" in html
    assert "Credit note CN-0001" in html
    credit = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    pdf = admin_client.get(
        reverse("admin:shoots_booking_invoice_pdf", args=[booking.pk, credit.pk])
    )
    text = pdf_text(pdf.content)
    assert "Credit note CN-0001" in text
    assert "INV-0001" in text
    assert "-£590.00" in text


def test_money_given_back_by_hand_is_credited_like_a_card_refund(vat, run_tasks):
    from sessions.payments.refunds import refund_create

    booking = signature_booking()
    booking_invoice_issue(booking_id=booking.pk)
    cash = paid(booking, 10000)
    Payment.objects.filter(pk=cash.pk).update(method=Payment.Method.CASH)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    with run_tasks():
        booking_invoice_issue(booking_id=booking.pk)
        refund = refund_create(payment_id=cash.pk, amount=3000)
    assert refund.status == Refund.Status.SUCCEEDED
    assert Invoice.objects.get(refund=refund).gross == -3000
    billed = sum(Invoice.objects.filter(booking=booking).values_list("gross", flat=True))
    assert billed == 7000  # £100 in cash, £30 of it handed back


def test_a_refunds_credit_note_bills_the_parties_of_the_invoice_it_credits(studio, run_tasks):
    from sessions.payments.refunds import refund_create

    booking = signature_booking()
    booking_invoice_issue(booking_id=booking.pk)  # no VAT registration yet
    cash = paid(booking, 10000)
    Payment.objects.filter(pk=cash.pk).update(method=Payment.Method.CASH)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    with run_tasks():
        booking_invoice_issue(booking_id=booking.pk)
    Studio.objects.filter(pk=studio.pk).update(tax_name="VAT", tax_number="GB 123 4567 89")
    with run_tasks():
        refund = refund_create(payment_id=cash.pk, amount=3000)
    credit = Invoice.objects.get(refund=refund)
    assert (credit.tax_name, credit.tax_number) == ("", "")


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"credit_note_prefix": "INV-"}, "their numbers need different beginnings"),
        ({"invoice_prefix": "", "credit_note_prefix": ""}, "their numbers need different"),
        ({"gift_voucher_min": "500", "gift_voucher_max": "100"}, "can't be below the smallest"),
        ({"gift_voucher_amounts": "50, -10, 0"}, "this isn't one: -10"),
        ({"gift_voucher_months": "0"}, "valid for a month at least"),
    ],
)
def test_studio_settings_that_make_no_sense_are_refused_with_why(
    admin_client, studio, changes, said
):
    url, form = studio_form_as_shown(admin_client, studio)
    assert admin_client.post(url, form).status_code == 302  # as it was: fine
    refused = admin_client.post(url, {**form, **changes})
    assert refused.status_code == 200
    assert said in refused.content.decode().replace("&#x27;", "'")
    assert Studio.objects.get().invoice_prefix == "INV-"
