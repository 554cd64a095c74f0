"""Money the studio received outside Stripe (a bank transfer, cash), recorded on a booking's
page: it counts as a card payment does, for the booking, the balance, the ledger, the
client's page, emails and refunds, and Stripe is never asked about it."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from sessions.access import booking_token, booking_url
from sessions.booking_changes import booking_cancel
from sessions.models import Booking, BookingEvent, Payment, Refund
from sessions.payments.checkout import balance_request, booking_holds_expire, payment_checkout_url
from sessions.payments.emails import payment_email_send
from sessions.payments.errors import PaymentRefused
from sessions.payments.ledger import booking_balance_due, money_ledger
from sessions.payments.manual import Received, payment_record
from sessions.payments.webhooks import payment_refresh
from studio.actors import acting_as, staff
from studio.models import SentEmail
from tests.factories import BookingFactory, ClientFactory, UserFactory
from tests.payment_fixtures import LONDON, PAY_NOW, PAY_TEN
from tests.studio.test_permission_matrix import database_rows


def text(response) -> str:
    return html.unescape(response.content.decode())


def record_url(booking: Booking) -> str:
    return reverse("admin:shoots_booking_payment_record", args=[booking.pk])


def typed(**changes) -> dict:
    """The form as the studio fills it in: £50 by bank transfer, today, for the deposit."""
    return {
        "kind": "deposit",
        "amount": "50.00",
        "method": "bank_transfer",
        "received_on": "2026-06-01",
        "received_time": "",
        "reference": "LUMEN ANNA K",
        **changes,
    }


@pytest.fixture
def owner(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def paying_online(held, stripe_standin):
    """Anna's deposit, with its Checkout page open (she went to pay, and hasn't yet)."""
    deposit = held.payments.get(kind=Payment.Kind.DEPOSIT)
    payment_checkout_url(payment_id=deposit.pk)
    deposit.refresh_from_db()
    assert deposit.checkout_url
    return deposit


@pytest.fixture
def booked(held, paying_online, stripe_standin):
    """Anna's portrait, its £50 deposit paid on Checkout: £100 left to pay."""
    stripe_standin.complete_session(paying_online.stripe_checkout_session_id)
    payment_refresh(payment_id=paying_online.pk)
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    stripe_standin.reset()
    mail.outbox.clear()
    return held


def test_a_deposit_recorded_by_the_studio_confirms_the_held_booking_and_closes_its_page(
    held, paying_online, stripe_standin, owner, staff_user, run_tasks
):
    page = paying_online.stripe_checkout_session_id
    with run_tasks():
        response = owner.post(record_url(held), typed())
    assert response.status_code == 302

    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    (deposit,) = held.payments.all()  # the row waiting for it, completed: not a second
    assert deposit.pk == paying_online.pk
    assert (deposit.status, deposit.method, deposit.reference) == (
        Payment.Status.PAID,
        Payment.Method.BANK_TRANSFER,
        "LUMEN ANNA K",
    )
    assert (deposit.amount_received, deposit.currency_received, deposit.net_received) == (
        5000,
        "GBP",
        5000,
    )
    assert (deposit.stripe_checkout_session_id, deposit.checkout_url) == (None, "")
    assert (deposit.actor, deposit.actor_user) == ("staff", staff_user)
    # Today with no time given: now, in the studio's time (10:00 in London).
    assert deposit.paid_at == PAY_NOW
    # The client's payment page is closed at Stripe, so she cannot pay twice.
    closed = stripe_standin.requests_to("POST", f"/v1/checkout/sessions/{page}/expire")
    assert closed
    assert stripe_standin.sessions[page]["status"] == "expired"
    assert stripe_standin.requests_to("POST", "/v1/refunds") == []
    # As when a deposit is paid online, and a receipt for the money the studio took.
    assert sorted(SentEmail.objects.values_list("kind", flat=True)) == [
        "booking-confirmed",
        "payment-recorded",
        "studio-new",
    ]
    # The history: the payment, then the confirmation, both by the staff member.
    lines = list(held.events.order_by("pk")[1:].values_list("payment_id", "status", "actor"))
    assert lines == [(deposit.pk, "held", "staff"), (None, "confirmed", "staff")]
    page_html = text(owner.get(reverse("admin:shoots_booking_change", args=[held.pk])))
    assert "Payment recorded: £50.00 by bank transfer" in page_html
    assert "Received £50.00 of £150.00 · Balance due: £100.00" in page_html
    clients_page = text(owner.get(reverse("admin:clients_client_change", args=[held.client_id])))
    assert f"Deposit</a> · {held.reference} · Bank transfer" in clients_page


def test_staff_who_may_not_handle_money_cannot_record_it_and_nothing_changes(
    held, paying_online, stripe_standin
):
    viewer = UserFactory(username="assistant", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    editor = UserFactory(username="editor", is_staff=True)
    editor.user_permissions.set(
        Permission.objects.filter(codename__in=["view_booking", "change_booking", "view_payment"])
    )
    # And money without the bookings: no page of a booking they can't see.
    cashier = UserFactory(username="cashier", is_staff=True)
    cashier.user_permissions.set(Permission.objects.filter(codename="manage_payments"))
    browsers = {user: Client() for user in (viewer, editor, cashier)}
    for user, browser in browsers.items():
        browser.force_login(user)
    stripe_standin.reset()
    before = database_rows()
    for user, browser in browsers.items():
        assert browser.get(record_url(held)).status_code == 403
        assert browser.post(record_url(held), typed()).status_code == 403
        if user is not cashier:
            page = browser.get(reverse("admin:shoots_booking_change", args=[held.pk]))
            assert "Record a payment received" not in text(page)
    assert database_rows() == before
    assert stripe_standin.requests == []
    assert mail.outbox == []


def test_a_balance_recorded_lowers_what_is_due_and_the_online_request_asks_the_rest(
    booked, stripe_standin, owner, run_tasks
):
    asked = balance_request(booking_id=booked.pk)
    payment_checkout_url(payment_id=asked.pk)
    asked.refresh_from_db()
    page = asked.stripe_checkout_session_id
    assert booking_balance_due(booked) == 10000

    with run_tasks():
        response = owner.post(
            record_url(booked),
            typed(kind="balance", amount="40.00", method="cash", reference="till receipt 88"),
        )
    assert response.status_code == 302
    assert booking_balance_due(booked) == 6000
    assert stripe_standin.sessions[page]["status"] == "expired"
    asked.refresh_from_db()  # still asked for, now £60, on a new page when she pays
    assert (asked.status, asked.amount, asked.checkout_url) == (Payment.Status.PENDING, 6000, "")
    mine = text(Client().get(reverse("sessions:booking-detail", args=[booking_token(booked)])))
    assert "£40.00 · balance · Cash, 1 June 2026" in mine
    assert "Pay £60.00 securely" in mine

    with run_tasks():
        owner.post(record_url(booked), typed(kind="balance", amount="60.00", method="cash"))
    asked.refresh_from_db()
    assert booking_balance_due(booked) == 0
    assert asked.status == Payment.Status.EXPIRED
    assert booked.payments.filter(method="cash", status="paid").count() == 2


def test_the_ledger_counts_a_recorded_payment_once_in_the_studios_month(
    held, client, staff_user, pay_clock, run_tasks
):
    pay_clock.move_to(datetime(2026, 7, 15, 12, tzinfo=UTC))
    booking_holds_expire()
    held.refresh_from_db()
    assert held.status == Booking.Status.EXPIRED  # a bank transfer can take a while
    client.force_login(staff_user)
    with run_tasks():  # 23:30 on the last evening of June in London
        client.post(record_url(held), typed(received_on="2026-06-30", received_time="23:30"))
    deposit = held.payments.get()
    assert deposit.paid_at == datetime(2026, 6, 30, 22, 30, tzinfo=UTC)
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED  # its time was still free
    # An hour later, 00:30 on 1 July in London, is still 30 June in UTC: it is July's.
    with acting_as(staff(staff_user)):
        payment_record(
            booking_id=held.pk,
            received=Received(
                kind="balance",
                amount=10000,
                method="card_terminal",
                paid_at=datetime(2026, 7, 1, 0, 30, tzinfo=LONDON),
            ),
        )
    months = money_ledger(
        since=datetime(2026, 5, 1, tzinfo=LONDON),
        until=datetime(2026, 8, 1, tzinfo=LONDON),
        zone=LONDON,
    )
    assert [(m.month.isoformat(), m.received, m.count) for m in months] == [
        ("2026-07-01", 10000, 1),
        ("2026-06-01", 5000, 1),
    ]
    totals = text(client.get(reverse("admin:shoots_payment_changelist")))
    assert '<th scope="row">June 2026</th><td>1</td><td>£50.00</td>' in totals
    assert '<th scope="row">July 2026</th><td>1</td><td>£100.00</td>' in totals
    assert "LUMEN ANNA K" in totals
    assert "Card terminal" in totals


def test_more_than_is_owed_is_refused_and_what_was_typed_is_kept(booked, owner):
    response = owner.post(
        record_url(booked), typed(kind="balance", amount="100.01", reference="REF 7")
    )
    assert response.status_code == 200
    page = text(response)
    assert "That is more than is owed: at most £100.00 is left to pay for this." in page
    assert 'value="100.01"' in page
    assert 'value="REF 7"' in page
    assert re.search(r'<input type="radio" name="kind" value="balance"[^>]* checked>', page)
    assert booked.payments.count() == 1
    # A deposit paid already: anything more is the balance.
    response = owner.post(record_url(booked), typed(kind="deposit", amount="10.00"))
    assert f"The deposit of {booked.reference} is paid already" in text(response)
    for amount in ("0", "-5"):
        response = owner.post(record_url(booked), typed(kind="balance", amount=amount))
        assert response.status_code == 200
        assert booked.payments.count() == 1


def test_a_day_in_the_future_is_refused(booked, owner):
    response = owner.post(record_url(booked), typed(kind="balance", received_on="2026-06-02"))
    assert "That is in the future: please give the day the money arrived." in text(response)
    response = owner.post(record_url(booked), typed(kind="balance", received_time="09:01"))
    assert "That is in the future" in text(response)  # 09:00 in London now
    assert booked.payments.count() == 1
    with pytest.raises(PaymentRefused, match="can't be in the future"):
        payment_record(
            booking_id=booked.pk,
            received=Received(
                kind="balance", amount=100, method="cash", paid_at=PAY_NOW + timedelta(minutes=1)
            ),
        )


def test_refunding_a_recorded_payment_asks_nothing_of_stripe_and_is_recorded(
    booked, owner, stripe_standin, run_tasks
):
    with run_tasks():
        owner.post(record_url(booked), typed(kind="balance", amount="100.00", method="cash"))
    cash = booked.payments.get(method="cash")
    refund_page = reverse("admin:shoots_payment_refund", args=[cash.pk])
    assert "Give the money back yourself" in text(owner.get(refund_page))
    stripe_standin.reset()
    with run_tasks():
        response = owner.post(refund_page, {"amount": "30.00", "note": "Two prints fewer"})
    assert response.status_code == 302
    (refund,) = Refund.objects.filter(payment=cash)
    assert (refund.status, refund.amount, refund.stripe_refund_id) == ("succeeded", 3000, None)
    cash.refresh_from_db()
    assert (cash.status, cash.amount_refunded) == (Payment.Status.PARTIALLY_REFUNDED, 3000)
    assert stripe_standin.requests == []
    (email,) = [m for m in mail.outbox if "refunded" in m.subject]
    assert "of the £100.00 you paid by cash" in email.body
    assert "card" not in email.body
    assert booking_balance_due(booked) == 3000
    (june,) = money_ledger(
        since=datetime(2026, 6, 1, tzinfo=UTC), until=datetime(2026, 7, 1, tzinfo=UTC), zone=LONDON
    )
    assert (june.received, june.refunded) == (15000, 3000)


def test_cancelling_with_a_refund_gives_back_recorded_money_without_stripe(
    booked, owner, stripe_standin, run_tasks
):
    with run_tasks():
        owner.post(record_url(booked), typed(kind="balance", amount="100.00", method="cash"))
    token = booking_token(booked)
    asked = text(Client().get(reverse("sessions:booking-cancel", args=[token])))
    assert "The studio gives it back the way you paid it" in asked
    assert "card you paid with" not in asked
    stripe_standin.reset()
    mail.outbox.clear()
    with run_tasks():
        booking_cancel(booking_id=booked.pk, by_client=False)
    cash = booked.payments.get(method="cash")
    assert (cash.status, cash.refunds.get().status) == (Payment.Status.REFUNDED, "succeeded")
    # Only the card deposit goes back through Stripe.
    (refund_call,) = stripe_standin.requests_to("POST", "/v1/refunds")
    assert refund_call.params["amount"] == "5000"
    (cancelled,) = [m for m in mail.outbox if "cancelled" in m.subject]
    assert "Refund: £150.00, in full, given back the way you paid it." in cancelled.body


def test_the_receipt_is_emailed_once(booked, owner, run_tasks):
    with run_tasks():
        owner.post(record_url(booked), typed(kind="balance", amount="40.00"))
    payment = booked.payments.get(method="bank_transfer")
    assert payment_email_send(payment_id=payment.pk, kind="payment_recorded") is False
    (email,) = mail.outbox
    assert email.to == ["Anna Kowalska <anna@example.com>"]
    assert email.subject == "Payment received: £40.00 for your Portrait session"
    assert "We've received £40.00 by bank transfer on Monday 1 June 2026" in email.body
    assert "Left to pay: £60.00." in email.body
    assert SentEmail.objects.get().key == f"payment:{payment.pk}:payment_recorded"
    [(name, pdf, kind)] = email.attachments  # its receipt, as on the booking's page
    assert (name, kind) == (f"R-{booked.reference}-{payment.pk}.pdf", "application/pdf")
    assert pdf.startswith(b"%PDF")


def test_the_receipt_counts_a_deposit_still_due_at_the_studio_in_what_is_left(
    owner, anna, run_tasks, settings
):
    from tests.factories import BookingFactory

    settings.PAYMENTS_ENABLED = False  # the deposit is paid at the studio, not recorded yet
    booking = BookingFactory(client=anna, starts_at=datetime.now(UTC) + timedelta(days=9))
    assert (booking.price, booking.deposit) == (20000, 5000)
    with run_tasks():
        owner.post(record_url(booking), typed(kind="balance", amount="40.00"))
    (email,) = [m for m in mail.outbox if m.subject.startswith("Payment received")]
    assert "Left to pay: £160.00." in email.body  # £110 of the balance and the £50 deposit


def test_a_payment_the_client_just_made_online_is_kept_and_nothing_is_recorded(
    held, paying_online, stripe_standin, owner, run_tasks
):
    stripe_standin.complete_session(paying_online.stripe_checkout_session_id)  # no webhook yet
    with run_tasks():
        response = owner.post(record_url(held), typed())
    assert response.status_code == 200
    assert "The client has just paid £50.00 online for this, so nothing was recorded." in text(
        response
    )
    (deposit,) = held.payments.all()
    assert (deposit.method, deposit.status) == (Payment.Method.CARD, Payment.Status.PAID)
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    assert not BookingEvent.objects.filter(payment__isnull=False).exists()


def test_money_paid_on_a_page_stripe_could_not_close_is_given_back_as_paid_twice(
    held, paying_online, stripe_standin, owner, post_event, run_tasks
):
    page = paying_online.stripe_checkout_session_id
    stripe_standin.fail_next("POST", "/v1/checkout/sessions/", status=500, count=10)
    owner.post(record_url(held), typed())  # its worker would close the page later
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    session = stripe_standin.complete_session(page)  # and the client pays on it first
    with run_tasks():
        post_event(stripe_standin.event("checkout.session.completed", session))
    deposit = held.payments.get()
    assert (deposit.method, deposit.amount_received) == (Payment.Method.BANK_TRANSFER, 5000)
    (refund,) = deposit.refunds.all()
    assert (refund.reason, refund.stripe_payment_intent_id) == (
        Refund.Reason.DUPLICATE,
        session["payment_intent"],
    )
    (call,) = stripe_standin.requests_to("POST", "/v1/refunds")
    assert call.params["payment_intent"] == session["payment_intent"]


def test_a_deposit_cannot_confirm_a_time_taken_since_the_hold_ran_out(held, owner, pay_clock):
    pay_clock.shift(timedelta(hours=1))
    booking_holds_expire()
    BookingFactory(
        client=ClientFactory(email="ben@example.com"),
        session_type=held.session_type,
        photographer=held.photographer,
        starts_at=PAY_TEN,
    )
    response = owner.post(record_url(held), typed())
    assert "time has been taken by another booking" in text(response)
    deposit = held.payments.get()
    assert (deposit.method, deposit.status) == (Payment.Method.CARD, Payment.Status.EXPIRED)
    held.refresh_from_db()
    assert held.status == Booking.Status.EXPIRED
    assert not BookingEvent.objects.filter(payment__isnull=False).exists()


def test_a_balance_waits_for_the_deposit_and_a_cancelled_booking_owes_nothing(held, owner):
    response = owner.post(record_url(held), typed(kind="balance"))
    assert f"{held.reference} is waiting for its deposit: record the deposit first." in text(
        response
    )
    booking_cancel(booking_id=held.pk, by_client=False)
    response = owner.post(record_url(held), typed())
    assert f"{held.reference} is cancelled, so nothing is owed on it." in text(response)
    assert not held.payments.filter(status="paid").exists()


def test_without_online_payments_the_studio_records_the_deposit_and_the_balance(
    studio, settings, owner, run_tasks
):
    settings.PAYMENTS_ENABLED = False
    booking = BookingFactory(
        session_type__price=15000, session_type__deposit=5000, starts_at=PAY_TEN
    )
    assert booking_balance_due(booking) == 10000  # the deposit is taken at the studio
    page_url = reverse("admin:shoots_booking_change", args=[booking.pk])
    assert "Deposit due at the studio: £50.00" in owner.get(page_url).content.decode()
    with run_tasks():
        owner.post(record_url(booking), typed(kind="balance", amount="100.00", method="cash"))
    assert booking_balance_due(booking) == 0
    with run_tasks():
        owner.post(record_url(booking), typed(kind="deposit", amount="50.00", method="cash"))
    assert booking.payments.filter(status="paid").count() == 2
    assert booking_balance_due(booking) == 0
    assert "Deposit due at the studio" not in owner.get(page_url).content.decode()
    client_page = Client().get(booking_url(booking)).content.decode()
    assert "deposit, due at the studio" not in client_page
    assert "£50.00 deposit" in client_page


@pytest.mark.parametrize(
    "stripe_id",
    [
        {"stripe_payment_intent_id": "pi_123"},
        {"stripe_checkout_session_id": "cs_123"},
        {"stripe_dispute_id": "dp_123"},
    ],
)
def test_the_database_refuses_a_recorded_payment_with_a_stripe_id(studio, stripe_id):
    booking = BookingFactory()
    fields = {
        "booking": booking,
        "kind": Payment.Kind.BALANCE,
        "amount": 1000,
        "currency": "GBP",
        "amount_received": 1000,
        "currency_received": "GBP",
        "status": Payment.Status.PAID,
        "paid_at": PAY_NOW,
        "method": Payment.Method.CASH,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(**fields, **stripe_id)
    with pytest.raises(IntegrityError), transaction.atomic():  # and is received in full
        Payment.objects.create(**{**fields, "amount_received": 900})
    Payment.objects.create(**fields)


def test_a_client_cancelling_is_told_the_studio_gives_back_cash_and_the_studio_is_told_to(
    booked, owner, staff_user, stripe_standin, run_tasks
):
    from sessions.payments.refunds import refund_create

    with run_tasks():
        owner.post(record_url(booked), typed(kind="balance", amount="100.00", method="cash"))
    cash = booked.payments.get(method="cash")
    with acting_as(staff(staff_user)), run_tasks():  # £30 handed back at the studio before
        refund_create(payment_id=cash.pk, amount=3000)
    mail.outbox.clear()
    url = reverse("sessions:booking-cancel", args=[booking_token(booked)])
    with run_tasks():
        Client().post(url, follow=True)
    booked.refresh_from_db()
    assert booked.status == "cancelled"
    (yours,) = [m for m in mail.outbox if m.subject == "Your refund of £70.00"]
    body = " ".join(yours.body.split())
    assert "The studio gives back £70.00 of the £100.00 you paid by cash" in body
    assert "We've refunded" not in body
    (studio,) = [m for m in mail.outbox if m.subject.startswith("Cancelled: Portrait session")]
    said = " ".join(studio.body.split())
    assert "Give back £70.00 yourself: it was paid another way (cash)" in said  # not the £30


def test_staff_cancelling_are_not_told_by_email_to_give_back_what_the_page_reminded_them(
    booked, owner, staff_user, stripe_standin, run_tasks
):
    with run_tasks():
        owner.post(record_url(booked), typed(kind="balance", amount="100.00", method="cash"))
    mail.outbox.clear()
    with acting_as(staff(staff_user)), run_tasks():
        booking_cancel(booking_id=booked.pk, by_client=False)
    notices = [m for m in mail.outbox if m.subject.startswith("Cancelled: Portrait session")]
    assert notices
    assert all("Give back" not in m.body for m in notices)
