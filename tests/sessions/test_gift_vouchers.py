"""Gift vouchers: bought on /gift/ through Stripe Checkout (the stand-in, a real signed
webhook), the PDF by its signed link only, the emails to the buyer and, on the buyer's
day, to the recipient; the studio giving and voiding one."""

import subprocess
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from sessions.models import GiftVoucher, VoucherPayment
from sessions.payments.voucher_sales import (
    voucher_give,
    voucher_token,
    voucher_url,
    voucher_void,
    vouchers_due_scan,
)
from sessions.payments.vouchers import CODE_ALPHABET, voucher_code_new
from studio.models import SentEmail
from tests.payment_fixtures import PAY_NOW

BUY = {
    "choice": "amount:10000",
    "buyer_name": "Rosa Diaz",
    "buyer_email": "rosa@example.com",
    "recipient_name": "Amy Santiago",
    "recipient_email": "amy@example.com",
    "message": "Happy birthday!",
}


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def deliver(post_event, eager_tasks, django_capture_on_commit_callbacks):
    def run(event):
        with django_capture_on_commit_callbacks(execute=True):
            return post_event(event)

    return run


@pytest.fixture
def bought(stripe_standin, pay_clock, studio, client):
    """Rosa has pressed Pay for a £100 voucher for Amy, to go to Amy on 5 June."""
    response = client.post(reverse("sessions:gift-voucher-buy"), {**BUY, "send_on": "2026-06-05"})
    assert response.status_code == 303
    sale = VoucherPayment.objects.get()
    assert response["Location"] == sale.checkout_url
    return sale


def test_codes_are_human_friendly_and_unguessable():
    codes = {voucher_code_new() for _n in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert code.startswith("GIFT-")
        assert len(code) == 14
        assert set(code[5:].replace("-", "")) <= set(CODE_ALPHABET)
    assert not set("01OILSZB5") & set(CODE_ALPHABET)


def test_the_page_offers_the_studios_amounts_and_refuses_an_amount_outside_its_limits(
    stripe_standin, studio, client
):
    page = client.get(reverse("sessions:gift-voucher-buy")).content.decode()
    assert "£50.00" in page
    assert "£200.00" in page
    response = client.post(
        reverse("sessions:gift-voucher-buy"), {**BUY, "choice": "other", "other_amount": "5000"}
    )
    assert response.status_code == 200
    assert "Between £25.00 and £1,000.00." in response.content.decode()
    assert GiftVoucher.objects.count() == 0


def test_a_send_day_in_the_past_is_refused(stripe_standin, pay_clock, studio, client):
    response = client.post(reverse("sessions:gift-voucher-buy"), {**BUY, "send_on": "2026-05-31"})
    assert "Please choose today or a later day." in response.content.decode()
    assert GiftVoucher.objects.count() == 0


def test_checkout_asks_the_amount_with_our_ids_and_an_idempotency_key(bought, stripe_standin):
    checkout = stripe_standin.sessions[bought.stripe_checkout_session_id]
    assert (checkout["amount_total"], checkout["currency"]) == (10000, "gbp")
    assert checkout["metadata"]["voucher_payment_id"] == str(bought.pk)
    (create,) = [r for r in stripe_standin.requests if r.path == "/v1/checkout/sessions"]
    assert create.headers["Idempotency-Key"] == f"sitting-gift-voucher-{bought.pk}"
    assert bought.voucher.status == GiftVoucher.Status.PENDING


def test_the_signed_webhook_makes_it_paid_and_emails_the_buyer_the_pdf_once(
    bought, stripe_standin, deliver
):
    paid = stripe_standin.complete_session(bought.stripe_checkout_session_id)
    event = stripe_standin.event("checkout.session.completed", paid)
    assert deliver(event).status_code == 200

    voucher = GiftVoucher.objects.get()
    assert voucher.status == GiftVoucher.Status.PAID
    assert voucher.expires_on == date(2028, 6, 1)  # two years, the studio's default
    bought.refresh_from_db()
    assert (bought.status, bought.amount_received, bought.currency_received) == (
        "paid",
        10000,
        "GBP",
    )
    (email,) = mail.outbox
    assert email.to == ["Rosa Diaz <rosa@example.com>"]
    name, data, kind = email.attachments[0]
    assert (name, kind) == (f"{voucher.code}.pdf", "application/pdf")
    text = pdf_text(data)
    assert voucher.code in text
    assert "Amy Santiago" in text
    assert "£100.00" in text

    # Stripe delivers it again, and a new event about the same session: nothing changes.
    assert deliver(event).status_code == 200
    again = stripe_standin.event("checkout.session.completed", paid)
    assert deliver(again).status_code == 200
    assert len(mail.outbox) == 1
    assert GiftVoucher.objects.get().paid_at == voucher.paid_at


def test_what_stripe_took_is_what_the_voucher_is_worth(bought, stripe_standin, deliver):
    paid = stripe_standin.complete_session(bought.stripe_checkout_session_id)
    paid = {**paid, "amount_total": 9000}  # a forged event is read again from Stripe
    deliver(stripe_standin.event("checkout.session.completed", paid))
    assert GiftVoucher.objects.get().value == 10000


def test_the_return_page_shows_the_pdf_link_once_paid(bought, stripe_standin, client):
    voucher = bought.voucher
    url = voucher_url(voucher)
    assert "waiting for your payment" in client.get(url).content.decode()
    stripe_standin.complete_session(bought.stripe_checkout_session_id)
    page = client.get(url, {"session_id": bought.stripe_checkout_session_id}).content.decode()
    assert voucher.code in page
    pdf = client.get(reverse("sessions:gift-voucher-pdf", args=[voucher_token(voucher)]))
    assert pdf.status_code == 200
    assert voucher.code in pdf_text(pdf.content)


def test_the_pdf_opens_only_with_its_signed_link(bought, stripe_standin, client):
    stripe_standin.complete_session(bought.stripe_checkout_session_id)
    voucher = bought.voucher
    client.get(voucher_url(voucher), {"session_id": bought.stripe_checkout_session_id})
    tampered = voucher_token(voucher)[:-2] + "xx"
    for token in (tampered, str(voucher.pk), voucher.code):
        assert client.get(reverse("sessions:gift-voucher-pdf", args=[token])).status_code == 404
        assert client.get(reverse("sessions:gift-voucher", args=[token])).status_code == 404


def test_an_unpaid_vouchers_pdf_is_not_there(bought, client):
    url = reverse("sessions:gift-voucher-pdf", args=[voucher_token(bought.voucher)])
    assert client.get(url).status_code == 404


def test_the_recipient_gets_it_on_the_day_once_however_often_the_scan_runs(
    bought, stripe_standin, deliver, run_tasks
):
    paid = stripe_standin.complete_session(bought.stripe_checkout_session_id)
    deliver(stripe_standin.event("checkout.session.completed", paid))
    mail.outbox.clear()
    with run_tasks():
        assert vouchers_due_scan() == 0  # 1 June: not yet
    with time_machine.travel(PAY_NOW + timedelta(days=4), tick=False):
        with run_tasks():
            assert vouchers_due_scan() == 1
        with run_tasks():
            assert vouchers_due_scan() == 0
    (email,) = mail.outbox
    assert email.to == ["Amy Santiago <amy@example.com>"]
    assert "Happy birthday!" in email.body
    assert GiftVoucher.objects.get().recipient_sent_at is not None
    assert SentEmail.objects.filter(kind="gift-voucher-recipient").count() == 1


def test_a_voucher_for_today_goes_to_the_recipient_at_once(
    stripe_standin, pay_clock, studio, client, deliver
):
    client.post(reverse("sessions:gift-voucher-buy"), {**BUY, "send_on": "2026-06-01"})
    sale = VoucherPayment.objects.get()
    paid = stripe_standin.complete_session(sale.stripe_checkout_session_id)
    deliver(stripe_standin.event("checkout.session.completed", paid))
    assert sorted(e.to[0] for e in mail.outbox) == [
        "Amy Santiago <amy@example.com>",
        "Rosa Diaz <rosa@example.com>",
    ]


def test_a_page_closing_unpaid_leaves_no_valid_voucher(bought, stripe_standin, deliver):
    expired = stripe_standin.expire_session(bought.stripe_checkout_session_id)
    deliver(stripe_standin.event("checkout.session.expired", expired))
    bought.refresh_from_db()
    assert bought.status == VoucherPayment.Status.EXPIRED
    assert bought.voucher.status == GiftVoucher.Status.PENDING
    assert mail.outbox == []


def test_the_studio_gives_one_and_voids_it(studio, pay_clock):
    voucher = voucher_give(
        voucher=GiftVoucher(value=5000, currency="GBP", recipient_name="Charles Boyle")
    )
    assert (voucher.status, voucher.given_by_studio, voucher.buyer_name) == (
        "paid",
        True,
        "Lumen Portraits",
    )
    assert not hasattr(voucher, "payment") or voucher.payment is None
    assert voucher_void(voucher_id=voucher.pk) is True
    assert voucher_void(voucher_id=voucher.pk) is False
    assert GiftVoucher.objects.get().status == GiftVoucher.Status.VOID


def give_in_the_admin(client, **fields):
    """The admin's "Add gift voucher" form posted: £50 for Charles, in the studio's pounds."""
    return client.post(
        reverse("admin:shoots_giftvoucher_add"),
        {
            "value": "50.00",
            "currency": "GBP",
            "recipient_name": "Charles Boyle",
            "recipient_email": "charles@example.com",
            "uses-TOTAL_FORMS": "0",
            "uses-INITIAL_FORMS": "0",
            "redemptions-TOTAL_FORMS": "0",
            "redemptions-INITIAL_FORMS": "0",
            **fields,
        },
    )


def test_the_studio_gives_one_in_the_admin_and_voids_it_there(
    client, staff_user, studio, pay_clock, django_assert_max_num_queries
):
    client.force_login(staff_user)
    response = give_in_the_admin(client, value="50.00", buyer_name="")
    assert response.status_code == 302, response.content.decode()[:3000]
    voucher = GiftVoucher.objects.get()
    assert (voucher.value, voucher.status, voucher.given_by_studio) == (5000, "paid", True)
    assert voucher.expires_on == date(2028, 6, 1)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("admin:shoots_giftvoucher_changelist")).content.decode()
    assert voucher.code in page
    assert "£50.00" in page
    # Its own page links to the voucher and its PDF, for the studio to print or pass on.
    own = client.get(reverse("admin:shoots_giftvoucher_change", args=[voucher.pk])).text
    pdf = reverse("sessions:gift-voucher-pdf", args=[voucher_token(voucher)])
    assert f'href="{pdf}"' in own
    assert client.get(pdf)["Content-Type"] == "application/pdf"

    client.post(
        reverse("admin:shoots_giftvoucher_changelist"),
        {"action": "void", "_selected_action": [voucher.pk]},
    )
    assert GiftVoucher.objects.get().status == GiftVoucher.Status.VOID


@pytest.mark.parametrize(
    ("dates", "said"),
    [
        ({"currency": "EUR"}, "one in EUR could never be used"),
        ({"expires_on": "2026-05-01"}, "That day has passed: the voucher would be no use."),
        (
            {"send_on": "2027-02-01", "expires_on": "2027-01-01"},
            "It would expire before it is sent: choose a later day.",
        ),
    ],
)
def test_a_voucher_given_with_impossible_dates_is_refused(
    client, staff_user, studio, pay_clock, dates, said
):
    client.force_login(staff_user)
    response = give_in_the_admin(client, value="100.00", **dates)
    assert response.status_code == 200
    assert said in response.content.decode()
    assert not GiftVoucher.objects.exists()
