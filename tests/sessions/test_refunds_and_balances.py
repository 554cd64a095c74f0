"""Late payments, refunds on cancellation and by the studio, and balance requests."""

import html
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from sessions.access import booking_token
from sessions.booking_changes import booking_cancel
from sessions.models import Booking, Payment, Refund
from sessions.payments.checkout import balance_request, payment_checkout_url
from sessions.payments.ledger import booking_balance_due, booking_received, payment_refundable
from sessions.payments.refunds import refund_submit
from sessions.services import booking_create
from studio.models import SentEmail, Studio
from tests.factories import ClientFactory
from tests.payment_fixtures import LONDON, PAY_TEN


def text(response) -> str:
    return html.unescape(response.content.decode())


def deposit_of(booking: Booking) -> Payment:
    return booking.payments.get(kind=Payment.Kind.DEPOSIT)


@pytest.fixture
def pay(stripe_standin, post_event, run_tasks):
    """The client pays a payment on Checkout and Stripe's webhook arrives."""

    def paid(payment: Payment) -> dict:
        payment_checkout_url(payment_id=payment.pk)
        payment.refresh_from_db()
        session = stripe_standin.complete_session(payment.stripe_checkout_session_id)
        with run_tasks():
            response = post_event(stripe_standin.event("checkout.session.completed", session))
        assert response.status_code == 200
        return session

    return paid


@pytest.fixture
def booked(held, pay) -> Booking:
    """Anna's portrait, deposit paid and confirmed."""
    pay(deposit_of(held))
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    mail.outbox.clear()
    return held


def test_a_payment_arriving_after_the_time_went_to_someone_else_is_refunded_once(
    held, stripe_standin, post_event, run_tasks, pay_clock
):
    payment = deposit_of(held)
    payment_checkout_url(payment_id=payment.pk)
    payment.refresh_from_db()
    # The hold runs out; Ben books the same time; then Anna's payment goes through.
    pay_clock.shift(timedelta(minutes=32))
    ben = ClientFactory(name="Ben Okafor", email="ben@example.com")
    bens = booking_create(client=ben, session_type=held.session_type, starts_at=PAY_TEN, tz=LONDON)
    assert bens.status == Booking.Status.HELD
    session = stripe_standin.complete_session(payment.stripe_checkout_session_id)
    event = stripe_standin.event("checkout.session.completed", session)
    with run_tasks():
        assert post_event(event).status_code == 200
    with run_tasks():
        assert post_event(event).status_code == 200  # a replay changes nothing
    with run_tasks():  # nor does the same news in another event
        post_event(stripe_standin.event("checkout.session.async_payment_succeeded", session))

    held.refresh_from_db()
    payment.refresh_from_db()
    assert held.status == Booking.Status.EXPIRED
    assert (payment.status, payment.amount_refunded) == (Payment.Status.REFUNDED, 5000)
    (refund,) = Refund.objects.all()
    assert (refund.amount, refund.reason, refund.status) == (
        5000,
        Refund.Reason.LATE_PAYMENT,
        Refund.Status.SUCCEEDED,
    )
    (asked,) = stripe_standin.requests_to("POST", "/v1/refunds")
    assert asked.params["payment_intent"] == session["payment_intent"]
    assert asked.params["amount"] == "5000"
    assert asked.params["metadata"]["refund_id"] == str(refund.pk)
    assert asked.headers["Idempotency-Key"] == f"sitting-refund-{refund.pk}"
    subjects = {(tuple(m.to), m.subject) for m in mail.outbox}
    assert subjects == {
        (
            ("Anna Kowalska <anna@example.com>",),
            "Your payment arrived after we released your time: full refund",
        ),
        (("Anna Kowalska <anna@example.com>",), "We've refunded £50.00"),
        (
            ("Lumen Portraits <hello@lumen.example>",),
            f"Late payment refunded: {held.reference}, Anna Kowalska",
        ),
    }
    bens.refresh_from_db()
    assert bens.status == Booking.Status.HELD  # Ben keeps the time


def test_a_late_payment_for_a_time_still_free_confirms_the_booking(
    held, pay_clock, stripe_standin, post_event, run_tasks
):
    payment = deposit_of(held)
    payment_checkout_url(payment_id=payment.pk)
    payment.refresh_from_db()
    pay_clock.shift(timedelta(minutes=32))
    session = stripe_standin.complete_session(payment.stripe_checkout_session_id)
    with run_tasks():
        post_event(stripe_standin.event("checkout.session.completed", session))
    held.refresh_from_db()
    payment.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    assert payment.status == Payment.Status.PAID
    assert not stripe_standin.requests_to("POST", "/v1/refunds")
    assert sorted(m.subject for m in mail.outbox) == [
        # to the studio:
        "New booking: Portrait session for Anna Kowalska, Wednesday 10 June, 10:00",
        "You're booked: Portrait session on Wednesday 10 June with Lumen Portraits",
    ]


def test_a_refund_task_run_twice_refunds_once(booked, stripe_standin, run_tasks):
    payment = deposit_of(booked)
    with run_tasks():
        booking_cancel(booking_id=booked.pk, by_client=False)
    refund = Refund.objects.get()
    Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.QUEUED)  # answer lost
    refund_submit(refund_id=refund.pk)
    assert len(stripe_standin.requests_to("POST", "/v1/refunds")) == 2
    assert len(stripe_standin.refunds) == 1  # Stripe replayed the first: same key
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == (Payment.Status.REFUNDED, 5000)


@pytest.mark.parametrize(("percent", "refunded"), [(100, 5000), (50, 2500)])
def test_cancelling_in_time_refunds_the_deposit_by_the_studios_policy(
    booked, client, run_tasks, stripe_standin, percent, refunded
):
    Studio.objects.filter(pk=1).update(cancellation_refund_percent=percent)
    url = reverse("sessions:booking-cancel", args=[booking_token(booked)])
    page = text(client.get(url))
    if percent == 100:
        assert "We'll refund the £50.00 you've paid, in full." in page
    else:
        assert "we'll refund £25.00 of the £50.00 you've paid (50% of the deposit)" in page
    assert "usually shows on your statement within 5 to 10 days" in page
    with run_tasks():
        response = client.post(url, follow=True)
    # Exactly what was paid and what comes back, and when: on the page and in the email.
    if percent == 100:
        said = (
            "You paid £50.00. Refund: £50.00, in full, to the card you paid with; refunds "
            "usually show on your statement within 5 to 10 days."
        )
    else:
        said = (
            "You paid £50.00. Refund: £25.00, to the card you paid with (the studio keeps "
            "£25.00); refunds usually show on your statement within 5 to 10 days."
        )
    assert said in text(response)
    [email] = [m for m in mail.outbox if m.subject.endswith("is cancelled")]
    assert said in email.body
    assert "Paid:" not in email.body
    payment = deposit_of(booked)
    assert payment.amount_refunded == refunded
    (asked,) = stripe_standin.requests_to("POST", "/v1/refunds")
    assert asked.params["amount"] == str(refunded)
    assert f"We've refunded £{refunded / 100:.2f}" in [m.subject for m in mail.outbox]


def test_past_the_cut_off_the_page_says_the_deposit_is_kept_and_nothing_is_refunded(
    booked, client, run_tasks, stripe_standin, pay_clock
):
    pay_clock.move_to(PAY_TEN - timedelta(hours=12))
    url = reverse("sessions:booking-cancel", args=[booking_token(booked)])
    page = text(client.get(url))
    assert (
        "It's less than 48 hours before your session, so under the studio's policy the "
        "£50.00 you've paid is kept." in page
    )
    assert "Move it instead" not in page
    with run_tasks():
        client.post(url)
    booked.refresh_from_db()
    assert booked.status == Booking.Status.CANCELLED
    assert not Refund.objects.exists()
    assert not stripe_standin.requests_to("POST", "/v1/refunds")


def test_cancelling_a_hold_closes_its_payment_page(held, stripe_standin, run_tasks, client):
    payment = deposit_of(held)
    payment_checkout_url(payment_id=payment.pk)
    payment.refresh_from_db()
    with run_tasks():
        client.post(reverse("sessions:booking-cancel", args=[booking_token(held)]))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.EXPIRED
    assert stripe_standin.sessions[payment.stripe_checkout_session_id]["status"] == "expired"
    assert not stripe_standin.requests_to("POST", "/v1/refunds")


def test_staff_refund_any_amount_up_to_what_is_left(
    booked, client, staff_user, run_tasks, stripe_standin
):
    payment = deposit_of(booked)
    client.force_login(staff_user)
    change = text(client.get(reverse("admin:shoots_payment_change", args=[payment.pk])))
    assert "Refund (up to £50.00)" in change
    url = reverse("admin:shoots_payment_refund", args=[payment.pk])

    too_much = client.post(url, {"amount": "60.00", "note": "goodwill"})
    assert too_much.status_code == 200
    assert "At most £50.00 can be refunded on this payment." in text(too_much)
    assert 'value="goodwill"' in text(too_much)  # what was typed is kept
    assert not Refund.objects.exists()

    with run_tasks():
        done = client.post(url, {"amount": "20.00", "note": "goodwill"})
    assert done.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.note, refund.actor, refund.actor_user) == (
        2000,
        Refund.Reason.STUDIO,
        "goodwill",
        "staff",
        staff_user,
    )
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == (Payment.Status.PARTIALLY_REFUNDED, 2000)
    again = text(client.get(reverse("admin:shoots_payment_change", args=[payment.pk])))
    assert "Refund (up to £30.00)" in again
    assert f"https://dashboard.stripe.com/test/payments/{payment.stripe_payment_intent_id}" in again


def test_a_refund_stripe_refuses_is_marked_failed_and_the_studio_is_told(
    booked, run_tasks, stripe_standin
):
    payment = deposit_of(booked)
    stripe_standin.refund(payment.stripe_payment_intent_id)  # already refunded in Stripe
    with run_tasks():
        booking_cancel(booking_id=booked.pk, by_client=False)
    refund = Refund.objects.get(reason=Refund.Reason.CANCELLATION)
    assert refund.status == Refund.Status.FAILED
    assert refund.failure_reason
    studio_mail = [m for m in mail.outbox if "Lumen Portraits" in m.to[0] and "refund" in m.subject]
    assert [m.subject for m in studio_mail] == [f"A refund could not be made: {booked.reference}"]
    assert refund.failure_reason in studio_mail[0].body


def test_a_balance_request_asks_for_price_less_deposit_and_discount_and_is_paid_online(
    booked, client, staff_user, run_tasks, pay, stripe_standin
):
    client.force_login(staff_user)
    change_url = reverse("admin:shoots_booking_change", args=[booked.pk])
    saved = client.post(change_url, {"discount": "10.00", **inline_management()})
    assert saved.status_code == 302, text(saved)[:3000]
    with run_tasks():
        client.post(
            reverse("admin:shoots_booking_changelist"),
            {"action": "request_balance", "_selected_action": [booked.pk]},
        )
    balance = booked.payments.get(kind=Payment.Kind.BALANCE)
    assert (balance.amount, balance.status) == (9000, Payment.Status.PENDING)  # 150 - 50 - 10
    (email,) = mail.outbox
    assert email.subject == "The balance for your Portrait session: £90.00"
    link = f"/booking/{booking_token(booked)}/"
    assert link in email.body

    client.logout()
    page = text(client.get(link))
    assert "Balance due: £90.00" in page
    to_checkout = client.post(
        reverse("sessions:booking-pay", args=[booking_token(booked)]), {"payment": balance.pk}
    )
    assert to_checkout.status_code == 303
    created = stripe_standin.requests_to("POST", "/v1/checkout/sessions")[-1]
    assert created.params["line_items"][0]["price_data"]["unit_amount"] == "9000"
    assert "expires_at" not in created.params  # Stripe's own 24 hours

    mail.outbox.clear()
    pay(balance)
    balance.refresh_from_db()
    assert balance.status == Payment.Status.PAID
    assert [m.subject for m in mail.outbox] == [
        "Payment received: £90.00 for your Portrait session"
    ]
    with pytest.raises(Exception, match="Nothing is left to pay"):
        balance_request(booking_id=booked.pk)


def test_asking_for_the_balance_twice_in_a_day_emails_once(booked, run_tasks, stripe_standin):
    with run_tasks():
        first = balance_request(booking_id=booked.pk)
    with run_tasks():
        second = balance_request(booking_id=booked.pk)
    assert first.pk == second.pk
    assert len(mail.outbox) == 1
    assert SentEmail.objects.filter(key__startswith=f"payment:{first.pk}:balance_due").count() == 1


def test_a_discount_above_the_price_is_refused_with_a_clear_message(booked, client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("admin:shoots_booking_change", args=[booked.pk]),
        {"discount": "500.00", **inline_management()},
    )
    assert response.status_code == 200
    assert "A discount can't be more than the price, £150.00." in text(response)
    booked.refresh_from_db()
    assert booked.discount == 0


def inline_management() -> dict:
    return {
        "payments-TOTAL_FORMS": "0",
        "payments-INITIAL_FORMS": "0",
        "payments-MIN_NUM_FORMS": "0",
        "payments-MAX_NUM_FORMS": "1000",
    }


def test_my_sessions_shows_a_balance_due_with_a_way_to_pay(booked, client, run_tasks, pay_clock):
    from clients.services import sign_in_link_create

    with run_tasks():
        balance_request(booking_id=booked.pk)
    pay_clock.move_to(PAY_TEN + timedelta(days=2))  # after the session
    _link, token = sign_in_link_create(client=booked.client)
    client.post(reverse("clients:sign-in-confirm", args=[token]))
    page = text(client.get(reverse("clients:my-sessions")))
    assert "Balance due: £100.00" in page
    assert f'href="/booking/{booking_token(booked)}/"' in page


def test_paying_twice_gives_the_second_payment_back_once_and_the_first_stays_refundable(
    held, stripe_standin, post_event, run_tasks
):
    payment = deposit_of(held)
    payment_checkout_url(payment_id=payment.pk)
    payment.refresh_from_db()
    first = payment.stripe_checkout_session_id
    # A second page for the same deposit (say, a double click raced the first one).
    Payment.objects.filter(pk=payment.pk).update(checkout_url="", checkout_expires_at=None)
    payment_checkout_url(payment_id=payment.pk)
    payment.refresh_from_db()
    second = payment.stripe_checkout_session_id
    assert first != second
    paid_first = stripe_standin.complete_session(first)
    paid_second = stripe_standin.complete_session(second)
    for session in (paid_first, paid_second, paid_second):
        with run_tasks():
            post_event(stripe_standin.event("checkout.session.completed", session))

    payment.refresh_from_db()
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    assert (payment.status, payment.stripe_payment_intent_id) == (
        Payment.Status.PAID,
        paid_first["payment_intent"],
    )
    (duplicate,) = Refund.objects.all()
    assert (duplicate.reason, duplicate.amount, duplicate.status) == (
        Refund.Reason.DUPLICATE,
        5000,
        Refund.Status.SUCCEEDED,
    )
    (asked,) = stripe_standin.requests_to("POST", "/v1/refunds")
    assert asked.params["payment_intent"] == paid_second["payment_intent"]
    assert asked.params["reason"] == "duplicate"
    assert payment.amount_refunded == 0  # the deposit itself stands
    assert payment_refundable(payment) == 5000  # the second payment's refund is not its money
    with run_tasks():
        booking_cancel(booking_id=held.pk, by_client=False)
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == (Payment.Status.REFUNDED, 5000)


def test_a_balance_whose_payment_page_closed_is_asked_for_again_on_the_same_request(
    booked, client, run_tasks, stripe_standin, post_event, pay_clock
):
    with run_tasks():
        balance = balance_request(booking_id=booked.pk)
    payment_checkout_url(payment_id=balance.pk)
    balance.refresh_from_db()
    closed = stripe_standin.expire_session(balance.stripe_checkout_session_id)
    with run_tasks():
        post_event(stripe_standin.event("checkout.session.expired", closed))
    balance.refresh_from_db()
    assert balance.status == Payment.Status.EXPIRED

    pay_clock.shift(timedelta(days=1))
    with run_tasks():
        again = balance_request(booking_id=booked.pk)
    assert again.pk == balance.pk
    assert again.status == Payment.Status.PENDING
    assert booked.payments.filter(kind=Payment.Kind.BALANCE).count() == 1
    page = text(client.get(f"/booking/{booking_token(booked)}/"))
    assert page.count("Pay £100.00 securely") == 1
    assert len(mail.outbox) == 2  # the request, and the reminder a day later


def test_a_client_cancelling_gets_a_prepaid_balance_back_whatever_the_deposit_policy(
    booked, run_tasks, pay, stripe_standin
):
    Studio.objects.filter(pk=1).update(cancellation_refund_percent=0)
    with run_tasks():
        balance = balance_request(booking_id=booked.pk)
    pay(balance)
    with run_tasks():
        booking_cancel(booking_id=booked.pk, by_client=True)
    refunds = {(r.payment.kind, r.amount) for r in Refund.objects.select_related("payment")}
    assert refunds == {(Payment.Kind.BALANCE, 10000)}
    assert deposit_of(booked).amount_refunded == 0


def test_a_refund_stripe_refuses_for_good_is_failed_not_left_queued(
    booked, run_tasks, stripe_standin, settings
):
    settings.STRIPE_SECRET_KEY = "sk_test_revoked"
    stripe_standin.fail_next("POST", "/v1/refunds", status=401, count=1)
    with run_tasks():
        booking_cancel(booking_id=booked.pk, by_client=False)
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.FAILED
    assert [m.subject for m in mail.outbox if "Lumen" in m.to[0] and "refund" in m.subject] == [
        f"A refund could not be made: {booked.reference}"
    ]


def test_queued_refunds_whose_task_never_ran_are_sent_again(booked, stripe_standin, pay_clock):
    from sessions.payments.refunds import refunds_resubmit
    from studio.celery import app

    booking_cancel(booking_id=booked.pk, by_client=False)  # its task is lost: never run
    assert Refund.objects.get().status == Refund.Status.QUEUED
    assert refunds_resubmit() == 0  # too soon: its task may still be on its way
    pay_clock.shift(timedelta(minutes=11))
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        assert refunds_resubmit() == 1
    finally:
        app.conf.task_always_eager = saved
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    assert len(stripe_standin.requests_to("POST", "/v1/refunds")) == 1


def test_a_refund_the_bank_fails_later_tells_the_studio(
    booked, run_tasks, stripe_standin, post_event
):
    with run_tasks():
        booking_cancel(booking_id=booked.pk, by_client=False)
    refund = Refund.objects.get()
    stripe_standin.refunds[refund.stripe_refund_id]["status"] = "failed"
    charge_id = stripe_standin.refunds[refund.stripe_refund_id]["charge"]
    for item in stripe_standin.charges[charge_id]["refunds"]["data"]:
        item["status"] = "failed"
    mail.outbox.clear()
    with run_tasks():
        post_event(
            stripe_standin.event(
                "charge.refund.updated", stripe_standin.refunds[refund.stripe_refund_id]
            )
        )
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert [m.subject for m in mail.outbox] == [f"A refund could not be made: {booked.reference}"]


def test_a_discount_given_after_the_balance_was_asked_for_is_charged_correctly(
    booked, run_tasks, stripe_standin, client
):
    with run_tasks():
        balance = balance_request(booking_id=booked.pk)
    payment_checkout_url(payment_id=balance.pk)
    balance.refresh_from_db()
    old_page = balance.stripe_checkout_session_id
    Booking.objects.filter(pk=booked.pk).update(discount=2000)
    response = client.post(
        reverse("sessions:booking-pay", args=[booking_token(booked)]), {"payment": balance.pk}
    )
    assert response.status_code == 303
    created = stripe_standin.requests_to("POST", "/v1/checkout/sessions")[-1]
    assert created.params["line_items"][0]["price_data"]["unit_amount"] == "8000"
    assert stripe_standin.sessions[old_page]["status"] == "expired"  # only one page can be paid
    balance.refresh_from_db()
    assert balance.amount == 8000


def test_saving_a_discount_never_undoes_a_change_made_meanwhile(booked, staff_user, rf):
    from django.contrib.admin.sites import site

    from sessions.admin.bookings import BookingAdmin

    stale = Booking.objects.get(pk=booked.pk)
    Booking.objects.filter(pk=booked.pk).update(status=Booking.Status.CANCELLED)
    stale.discount = 1500
    request = rf.post("/")
    request.user = staff_user
    BookingAdmin(Booking, site).save_model(request, stale, form=None, change=True)
    booked.refresh_from_db()
    assert (booked.status, booked.discount) == (Booking.Status.CANCELLED, 1500)


def test_a_double_pressed_cancel_does_not_promise_a_second_refund(booked, client, run_tasks):
    url = reverse("sessions:booking-cancel", args=[booking_token(booked)])
    with run_tasks():
        first = text(client.post(url, follow=True))
    assert "Your session is cancelled" in first
    assert first.count("Refund: £50.00") == 1
    again = text(client.post(url, follow=True))
    assert "Your session is cancelled" not in again
    assert again.count("Refund: £50.00") == 1  # the same refund, not a second
    assert Refund.objects.count() == 1


def test_a_hold_cannot_be_kept_by_reopening_payment_pages(held, stripe_standin, pay_clock):
    payment = deposit_of(held)
    for _minutes in range(2):  # each time, the page is about to close: a new one is opened
        payment_checkout_url(payment_id=payment.pk)
        held.refresh_from_db()
        pay_clock.move_to(held.hold_expires_at - timedelta(seconds=30))
    with pytest.raises(Exception, match="There isn't enough time left to pay"):
        payment_checkout_url(payment_id=payment.pk)


def test_an_enormous_payment_number_is_a_404_not_a_500(client, held):
    response = client.post(
        reverse("sessions:booking-pay", args=[booking_token(held)]), {"payment": "9" * 5000}
    )
    assert response.status_code == 404


def test_an_admin_address_for_no_payment_says_so_kindly(client, staff_user, studio):
    client.force_login(staff_user)
    response = client.get("/admin/shoots/payment/abc/change/", follow=True)
    assert response.status_code == 200
    assert "doesn’t exist" in text(response) or "doesn't exist" in text(response)


def pages_made(stripe_standin, kind: str = "balance") -> list:
    """Checkout Sessions created for this kind of payment (not the calls closing them)."""
    return [
        request
        for request in stripe_standin.requests_to("POST", "/v1/checkout/sessions")
        if request.path == "/v1/checkout/sessions" and request.params["metadata"]["kind"] == kind
    ]


def balance_page_opened(booking, client, run_tasks) -> tuple[Payment, str, object]:
    """The studio asks for the balance and the client opens its payment page: the balance,
    the address that pays it, and the answer (a redirect to Checkout)."""
    with run_tasks():
        balance = balance_request(booking_id=booking.pk)
    pay_url = reverse("sessions:booking-pay", args=[booking_token(booking)])
    response = client.post(pay_url, {"payment": balance.pk})
    balance.refresh_from_db()
    return balance, pay_url, response


def test_a_balance_paid_on_an_older_page_records_what_stripe_took_and_flags_it(
    booked, client, staff_user, run_tasks, stripe_standin, post_event
):
    """The reported case: a £50 balance page is paid, the studio removes the discount, the
    client asks for a new page (now £100), then the old page's webhook arrives."""
    Booking.objects.filter(pk=booked.pk).update(discount=5000)  # £150 - £50 deposit - £50
    balance, pay_url, _first = balance_page_opened(booked, client, run_tasks)
    old_page = balance.stripe_checkout_session_id
    paid = stripe_standin.complete_session(old_page)  # Stripe takes £50; the webhook is late
    assert paid["amount_total"] == 5000
    Booking.objects.filter(pk=booked.pk).update(discount=0)
    mail.outbox.clear()

    with run_tasks():
        again = client.post(pay_url, {"payment": balance.pk}, follow=True)
    assert "Your earlier payment of £50.00 has gone through. Thank you!" in text(again)
    assert len(pages_made(stripe_standin)) == 1  # no £100 page to pay as well
    with run_tasks():
        late = post_event(stripe_standin.event("checkout.session.completed", paid))
    assert late.status_code == 200

    balance.refresh_from_db()
    assert (balance.status, balance.stripe_payment_intent_id) == (
        Payment.Status.PAID,
        paid["payment_intent"],
    )
    assert (balance.amount, balance.amount_received, balance.currency_received) == (
        10000,
        5000,
        "GBP",
    )
    assert balance.received_differs
    booking = Booking.objects.get(pk=booked.pk)
    assert booking_received(booking) == 10000  # the £50 deposit and the £50 Stripe took
    assert booking_balance_due(booking) == 5000
    assert [m.subject for m in mail.outbox] == [
        "Payment received: £50.00 for your Portrait session"
    ]

    client.force_login(staff_user)
    page = text(client.get(reverse("admin:shoots_payment_change", args=[balance.pk])))
    assert "Stripe took £50.00 for this payment, but £100.00 was expected" in page
    listing = text(client.get(reverse("admin:shoots_payment_changelist") + "?received=differs"))
    assert f"/shoots/payment/{balance.pk}/change/" in listing
    assert "⚠ £100.00 was expected" in listing
    dashboard = " ".join(text(client.get("/admin/")).split())
    assert "Balance: Stripe took £50.00 where £100.00 was expected" in dashboard


def test_the_webhook_of_an_older_page_records_what_stripe_took_not_what_was_asked(
    booked, run_tasks, stripe_standin, post_event
):
    """Two pages for one balance (two tabs raced; each made its own): the older one is
    paid. What counts is what Stripe took on it, and the newer page is closed."""
    Booking.objects.filter(pk=booked.pk).update(discount=5000)
    with run_tasks():
        balance = balance_request(booking_id=booked.pk)
    payment_checkout_url(payment_id=balance.pk)
    balance.refresh_from_db()
    old_page = balance.stripe_checkout_session_id
    Booking.objects.filter(pk=booked.pk).update(discount=0)
    # The racing request did not know of the first page (see payment_checkout_url).
    Payment.objects.filter(pk=balance.pk).update(checkout_url="", checkout_expires_at=None)
    payment_checkout_url(payment_id=balance.pk)
    balance.refresh_from_db()
    new_page = balance.stripe_checkout_session_id
    assert (new_page != old_page, balance.amount) == (True, 10000)

    paid = stripe_standin.complete_session(old_page)
    with run_tasks():
        post_event(stripe_standin.event("checkout.session.completed", paid))

    balance.refresh_from_db()
    assert (balance.status, balance.amount_received, balance.received_differs) == (
        Payment.Status.PAID,
        5000,
        True,
    )
    assert booking_balance_due(Booking.objects.get(pk=booked.pk)) == 5000
    assert stripe_standin.sessions[new_page]["status"] == "expired"
    assert payment_refundable(balance) == 5000  # what was taken can be given back, no more


def test_opening_a_new_page_when_the_old_one_was_just_paid_records_that_payment(
    booked, client, run_tasks, stripe_standin
):
    balance, pay_url, _first = balance_page_opened(booked, client, run_tasks)
    old_page = balance.stripe_checkout_session_id
    Booking.objects.filter(pk=booked.pk).update(discount=1000)  # a new page is needed
    paid = stripe_standin.complete_session(old_page)  # paid just before Sitting closes it

    with run_tasks():
        response = client.post(pay_url, {"payment": balance.pk}, follow=True)

    assert "Your earlier payment of £100.00 has gone through" in text(response)
    assert len(pages_made(stripe_standin)) == 1
    (closing,) = stripe_standin.requests_to("POST", f"/v1/checkout/sessions/{old_page}/expire")
    assert closing  # Sitting tried to close it, then asked Stripe what became of it
    assert stripe_standin.requests_to("GET", f"/v1/checkout/sessions/{old_page}")
    balance.refresh_from_db()
    assert (balance.status, balance.amount_received, balance.stripe_payment_intent_id) == (
        Payment.Status.PAID,
        10000,
        paid["payment_intent"],
    )
    assert balance.amount == 9000
    assert balance.received_differs


def test_when_stripe_cannot_close_the_old_page_no_new_page_is_opened(
    booked, client, run_tasks, stripe_standin
):
    balance, pay_url, first = balance_page_opened(booked, client, run_tasks)
    old_page = balance.stripe_checkout_session_id
    Booking.objects.filter(pk=booked.pk).update(discount=1000)
    stripe_standin.fail_next("POST", f"/v1/checkout/sessions/{old_page}/expire", count=3)

    response = client.post(pay_url, {"payment": balance.pk}, follow=True)
    assert "We couldn't check your earlier payment page with our payment provider just now" in (
        text(response)
    )
    assert len(pages_made(stripe_standin)) == 1
    assert stripe_standin.sessions[old_page]["status"] == "open"
    balance.refresh_from_db()
    assert (balance.stripe_checkout_session_id, balance.checkout_url) == (
        old_page,
        first["Location"],
    )

    retry = client.post(pay_url, {"payment": balance.pk})  # Stripe is back
    assert stripe_standin.sessions[old_page]["status"] == "expired"
    (new_page,) = pages_made(stripe_standin)[1:]
    assert new_page.params["line_items"][0]["price_data"]["unit_amount"] == "9000"
    assert retry["Location"].startswith(f"{stripe_standin.url}/pay/")
    assert retry["Location"] != first["Location"]


def test_without_online_payments_the_balance_asks_what_is_left_and_says_how_to_pay(
    portrait, anna, pay_clock, client, staff_user, run_tasks, settings
):
    assert not settings.PAYMENTS_ENABLED
    Studio.objects.filter(pk=1).update(
        payment_instructions="Bank transfer to Lumen Portraits, 12-34-56 12345678, or cash."
    )
    booking = booking_create(client=anna, session_type=portrait, starts_at=PAY_TEN, tz=LONDON)
    mail.outbox.clear()
    client.force_login(staff_user)
    act = reverse("admin:shoots_booking_act", args=[booking.pk])
    with run_tasks():
        client.post(act, {"do": "balance"})  # nine days before the session
    assert not booking.payments.exists()  # nothing can be paid through Sitting
    (email,) = mail.outbox
    assert (
        email.subject == "The balance for your Portrait session: £100.00"
    )  # £150 less the deposit
    assert email.body.startswith(
        "Your balance\n\nThe balance of £100.00 for your Portrait session is"
    )
    assert "How to pay: Bank transfer to Lumen Portraits, 12-34-56 12345678, or cash." in email.body
    assert "Thank you for your" not in email.body  # the session is still to come
    assert "by card" not in email.body
    assert "/booking/" not in email.body  # no button to a payment that would fail
    admin_page = text(client.get(reverse("admin:shoots_booking_change", args=[booking.pk])))
    assert "Balance due: £100.00" in admin_page

    client.logout()
    page = text(client.get(f"/booking/{booking_token(booking)}/"))
    assert "£100.00 after the deposit" in page
    assert "How to pay: Bank transfer to Lumen Portraits" in page
    assert reverse("sessions:booking-pay", args=[booking_token(booking)]) not in page

    pay_clock.move_to(PAY_TEN + timedelta(days=1))  # after the session
    client.force_login(staff_user)
    with run_tasks():
        client.post(act, {"do": "balance"})
        client.post(act, {"do": "balance"})  # pressed twice: one email a day
    assert len(mail.outbox) == 2
    assert "Thank you for your Portrait session on Wednesday 10 June." in mail.outbox[1].body
    assert SentEmail.objects.filter(kind="balance-due", booking=booking).count() == 2
