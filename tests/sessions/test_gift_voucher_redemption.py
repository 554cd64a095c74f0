"""A gift voucher's code at booking: it pays what is left on it up to the booking's total
(a way to pay, not a discount: the price and the bill stay whole), the rest stays on it for
a later booking, and a booking that ends without taking place gives its amount back."""

import html
import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from sessions.booking_changes import booking_cancel
from sessions.models import Booking, CodeRedemption, GiftVoucher, Payment
from sessions.payments.checkout import booking_holds_expire
from sessions.payments.ledger import booking_balance_due
from sessions.payments.redemptions import CodeRefused
from sessions.payments.vouchers import voucher_remaining
from sessions.services import booking_create
from tests.factories import ClientFactory
from tests.payment_fixtures import LONDON, PAY_NOW, PAY_TEN


def voucher(value: int, **fields) -> GiftVoucher:
    return GiftVoucher.objects.create(
        **{
            "code": "GIFT-ACDE-FGHJ",
            "value": value,
            "currency": "GBP",
            "buyer_name": "Rosa Diaz",
            "recipient_name": "Amy Santiago",
            "status": GiftVoucher.Status.PAID,
            "paid_at": PAY_NOW,
            "expires_on": date(2028, 6, 1),
            **fields,
        }
    )


def book(portrait, code="gift-acde-fghj", *, starts_at=PAY_TEN) -> Booking:
    return booking_create(
        client=ClientFactory(), session_type=portrait, starts_at=starts_at, tz=LONDON, code=code
    )


@pytest.fixture
def clock(pay_clock, stripe_standin):
    return pay_clock


def test_a_voucher_worth_less_than_the_price_pays_all_of_itself(clock, portrait):
    gift = voucher(4000)
    booking = book(portrait)
    # Price £150: £40 by voucher; the £50 deposit is still due, the balance £60 after it.
    assert (booking.price, booking.discount, booking.gift_voucher_amount) == (15000, 0, 4000)
    assert booking.deposit == 5000
    assert voucher_remaining(gift) == 0
    use = CodeRedemption.objects.get()
    assert (use.gift_voucher, use.discount_code, use.amount) == (gift, None, 4000)
    assert use.description == "Gift voucher GIFT-ACDE-FGHJ"
    assert booking_balance_due(booking) == 15000 - 4000


@pytest.mark.parametrize("typed", ["gift acde fghj", " Gift-ACDE-FGHJ ", "acde-fghj", "ACDEFGHJ"])
def test_a_voucher_code_copied_from_paper_is_found_however_it_is_spaced(clock, portrait, typed):
    gift = voucher(4000)
    assert book(portrait, code=typed).gift_voucher_amount == 4000
    assert CodeRedemption.objects.get().gift_voucher == gift


def test_a_code_is_read_as_a_printed_voucher_code_and_else_as_typed():
    from sessions.payments.redemptions import voucher_code_typed

    assert voucher_code_typed("spring25") == "GIFT-SPRI-NG25"  # looked up, not found
    assert voucher_code_typed(" spring-2025 ") == "SPRING-2025"  # as typed otherwise


def test_a_voucher_worth_more_pays_the_whole_and_keeps_the_rest_for_later(clock, portrait):
    gift = voucher(20000)
    first = book(portrait)
    assert (first.gift_voucher_amount, first.deposit, first.status) == (
        15000,
        0,
        Booking.Status.CONFIRMED,  # nothing to pay: confirmed at once
    )
    assert booking_balance_due(first) == 0
    assert voucher_remaining(gift) == 5000

    second = book(portrait, starts_at=PAY_TEN + timedelta(hours=2))
    assert second.gift_voucher_amount == 5000
    assert voucher_remaining(gift) == 0
    with pytest.raises(CodeRefused, match=re.escape("That gift voucher has been used up.")):
        book(portrait, starts_at=PAY_TEN + timedelta(hours=4))


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"status": GiftVoucher.Status.VOID}, "That gift voucher is no longer valid."),
        ({"expires_on": date(2026, 5, 31)}, "That gift voucher expired on 31 May 2026."),
        ({"currency": "EUR"}, "That gift voucher can't be used for this session."),
        (
            {"status": GiftVoucher.Status.PENDING, "paid_at": None, "expires_on": None},
            "That gift voucher hasn't been paid for yet.",
        ),
    ],
)
def test_a_voucher_that_cannot_pay_is_refused_with_why(clock, portrait, fields, says):
    voucher(10000, **fields)
    with pytest.raises(CodeRefused, match=re.escape(says)):
        book(portrait)
    assert Booking.objects.count() == 0


def test_cancelling_gives_the_amount_back_to_the_voucher(clock, portrait, client):
    from sessions.access import booking_token
    from sessions.emails import ended_booking_money

    gift = voucher(20000)
    booking = book(portrait)
    asked = client.get(reverse("sessions:booking-cancel", args=[booking_token(booking)]))
    assert "The £150.00 paid by gift voucher goes back on the voucher" in asked.text
    booking_cancel(booking_id=booking.pk, by_client=True)
    booking.refresh_from_db()
    assert booking.gift_voucher_amount == 0
    assert CodeRedemption.objects.get().released_at is not None
    assert voucher_remaining(gift) == 20000
    # The cancellation says where the money went, not "nothing was paid".
    assert ended_booking_money(booking)["lines"] == [
        f"The £150.00 paid by gift voucher {gift.code} is back on the voucher, to use another time."
    ]


def test_the_booking_email_says_what_the_voucher_paid(clock, portrait):
    from django.core import mail

    from sessions.emails import booking_email_send

    voucher(5000)
    booking = book(portrait)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CONFIRMED)
    booking_email_send(booking_id=booking.pk, kind="confirmed")
    assert "Paid by gift voucher: £50.00" in mail.outbox[-1].body


def test_a_hold_running_out_gives_it_back_and_a_late_deposit_takes_it_again(clock, portrait):
    from sessions.payments.webhooks import booking_confirm_paid

    gift = voucher(4000)
    booking = book(portrait)
    assert booking.status == Booking.Status.HELD
    clock.shift(timedelta(minutes=31))
    assert booking_holds_expire() == 1
    assert voucher_remaining(gift) == 4000
    booking.refresh_from_db()
    assert booking.gift_voucher_amount == 0
    assert booking_confirm_paid(booking, now=PAY_NOW + timedelta(minutes=32))
    booking.refresh_from_db()
    assert (booking.status, booking.gift_voucher_amount) == (Booking.Status.CONFIRMED, 4000)
    assert voucher_remaining(gift) == 0


def test_the_booking_page_applies_a_voucher_and_says_what_is_left_to_pay(clock, portrait, client):
    voucher(4000)
    url = reverse("sessions:booking-create", args=["portrait"])
    url = f"{url}?{urlencode({'start': PAY_TEN.isoformat()})}"
    page = client.post(url, {"code": "GIFT-ACDE-FGHJ", "apply_code": "1"}, follow=True)
    shown = html.unescape(page.content.decode())
    assert "Gift voucher GIFT-ACDE-FGHJ" in shown
    assert "−£40.00" in shown
    assert "Left to pay" in shown
    assert "£110.00" in shown
    assert CodeRedemption.objects.count() == 0  # only shown, nothing kept


def test_the_invoice_keeps_its_taxable_total_and_shows_the_voucher_below_it(
    clock, portrait, studio
):
    from sessions.payments.invoice_pdf import invoice_pdf
    from sessions.payments.invoices import booking_invoice_issue
    from tests.sessions.test_gift_vouchers import pdf_text

    studio.tax_name, studio.tax_rate = "VAT", 2000
    studio.save()
    voucher(20000)
    booking = book(portrait)
    invoice = booking_invoice_issue(booking_id=booking.pk)
    assert (invoice.gross, invoice.tax) == (15000, 2500)
    assert invoice.voucher_paid == 15000
    text = pdf_text(invoice_pdf(invoice))
    assert "Paid by gift voucher GIFT-ACDE-FGHJ" in text
    assert "Amount due" in text
    assert "£0.00" in text


def test_a_voucher_and_its_payments_leave_the_deposit_out_of_what_is_owed(clock, portrait):
    voucher(12000)
    booking = book(portrait)
    # £150 less £120 by voucher: a £30 deposit (never more than what is left).
    assert booking.deposit == 3000
    payment = booking.payments.get(kind=Payment.Kind.DEPOSIT)
    assert payment.amount == 3000


def test_the_months_export_lists_the_sale_as_money_and_the_use_as_its_own_row(
    clock, portrait, studio
):
    import csv
    import io

    from sessions.models import VoucherPayment
    from sessions.payments.exports import month_csv
    from sessions.payments.ledger import money_ledger

    gift = voucher(20000)
    VoucherPayment.objects.create(
        voucher=gift,
        amount=20000,
        currency="GBP",
        status=VoucherPayment.Status.PAID,
        amount_received=20000,
        currency_received="GBP",
        paid_at=PAY_NOW,
        stripe_payment_intent_id="pi_gift",
    )
    booking = book(portrait)
    booking_cancel(booking_id=booking.pk, by_client=True)

    rows = list(csv.reader(io.StringIO(month_csv(date(2026, 6, 1), LONDON))))
    voucher_rows = [(r[1], r[2], r[6], r[7], r[11]) for r in rows if "Gift voucher" in r[1]]
    assert voucher_rows == [
        ("Gift voucher sale", "GIFT-ACDE-FGHJ", "", "200.00", "pi_gift"),  # no tax
        ("Gift voucher used", "GIFT-ACDE-FGHJ", "", "150.00", ""),
        ("Gift voucher given back", "GIFT-ACDE-FGHJ", "", "-150.00", ""),
    ]
    (june,) = money_ledger(since=PAY_NOW - timedelta(days=1), until=PAY_TEN, zone=LONDON)
    assert (june.received, june.count) == (20000, 1)  # the sale; the use moves no money
