"""Stripe's webhook: signed, fresh, each event acted on once, in any order."""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.urls import reverse

from sessions.access import booking_token
from sessions.models import Booking, Payment, Refund, StripeEvent
from sessions.payments.checkout import payment_checkout_url
from studio.models import SentEmail
from tests.payment_fixtures import PAY_NOW


def deposit_of(booking: Booking) -> Payment:
    return booking.payments.get(kind=Payment.Kind.DEPOSIT)


@pytest.fixture
def checkout(held, stripe_standin) -> dict:
    """Anna's held booking with its Checkout Session open at the stand-in."""
    payment = deposit_of(held)
    payment_checkout_url(payment_id=payment.pk)
    payment.refresh_from_db()
    return stripe_standin.sessions[payment.stripe_checkout_session_id]


@pytest.fixture
def deliver(post_event, eager_tasks, django_capture_on_commit_callbacks):
    """Post an event and run what it queues (emails, refunds), as a worker would."""

    def run(event, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post_event(event, **kwargs)

    return run


def state(booking: Booking) -> tuple:
    booking.refresh_from_db()
    payment = deposit_of(booking)
    return (
        booking.status,
        payment.status,
        payment.amount_refunded,
        sorted((r.amount, r.status, r.reason) for r in payment.refunds.all()),
    )


def test_a_paid_checkout_confirms_the_booking_and_records_the_event(
    held, checkout, stripe_standin, deliver
):
    session = stripe_standin.complete_session(checkout["id"])
    event = stripe_standin.event("checkout.session.completed", session)
    response = deliver(event)

    assert response.status_code == 200
    held.refresh_from_db()
    payment = deposit_of(held)
    assert held.status == Booking.Status.CONFIRMED
    assert (payment.status, payment.stripe_payment_intent_id) == (
        Payment.Status.PAID,
        session["payment_intent"],
    )
    recorded = StripeEvent.objects.get()
    assert (recorded.event_id, recorded.type, recorded.payment) == (
        event["id"],
        "checkout.session.completed",
        payment,
    )
    assert recorded.processed_at is not None
    to_client = [m for m in mail.outbox if m.to == ["Anna Kowalska <anna@example.com>"]]
    assert len(to_client) == 1
    assert to_client[0].subject.startswith("You're booked")
    # Stripe's word was checked with Stripe: the session was read back, expanded.
    (read,) = stripe_standin.requests_to("GET", f"/v1/checkout/sessions/{checkout['id']}")
    assert "payment_intent.latest_charge.refunds" in json.dumps(read.params)


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "changed body", "old timestamp", "no signature"],
)
def test_a_request_not_signed_by_stripe_now_is_refused_and_changes_nothing(
    held, checkout, stripe_standin, client, tamper
):
    session = stripe_standin.complete_session(checkout["id"])
    body = json.dumps(stripe_standin.event("checkout.session.completed", session)).encode()
    signature = stripe_standin.sign(body)
    if tamper == "wrong secret":
        signature = stripe_standin.sign(body, secret="whsec_someone_else")
    elif tamper == "changed body":
        body = body.replace(b'"livemode": false', b'"livemode": true')
    elif tamper == "old timestamp":
        signature = stripe_standin.sign(body, timestamp=int(time.time()) - 600)
    elif tamper == "no signature":
        signature = ""
    response = client.post(
        reverse("sessions:stripe-webhook"),
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )
    assert response.status_code == 400
    assert state(held)[:2] == (Booking.Status.HELD, Payment.Status.PENDING)
    assert not StripeEvent.objects.exists()
    assert not stripe_standin.requests_to("GET", "/v1/")


def test_the_same_event_twice_is_acted_on_once(held, checkout, stripe_standin, deliver):
    session = stripe_standin.complete_session(checkout["id"])
    event = stripe_standin.event("checkout.session.completed", session)
    assert deliver(event).status_code == 200
    again = deliver(event)
    assert again.status_code == 200
    assert again.content == b"already processed"
    assert StripeEvent.objects.count() == 1
    assert len(stripe_standin.requests_to("GET", "/v1/checkout/sessions/")) == 1
    assert len(mail.outbox) == 2  # the confirmation, and the studio's note of a new booking


def test_two_events_saying_the_same_thing_change_it_once(held, checkout, stripe_standin, deliver):
    session = stripe_standin.complete_session(checkout["id"])
    deliver(stripe_standin.event("checkout.session.completed", session))
    deliver(stripe_standin.event("checkout.session.async_payment_succeeded", session))
    assert StripeEvent.objects.count() == 2
    assert state(held)[:2] == (Booking.Status.CONFIRMED, Payment.Status.PAID)
    assert SentEmail.objects.filter(key__contains=":confirmed:").count() == 1


def test_a_refund_event_before_the_payment_event_ends_in_the_same_state(
    held, checkout, stripe_standin, deliver
):
    session = stripe_standin.complete_session(checkout["id"])
    intent = session["payment_intent"]
    refund = stripe_standin.refund(intent, 2000)  # made in Stripe's dashboard
    charge = stripe_standin.charges[stripe_standin.payment_intents[intent]["latest_charge"]]
    completed = stripe_standin.event("checkout.session.completed", session)

    assert deliver(stripe_standin.event("charge.refunded", charge)).status_code == 200
    after_refund_first = state(held)
    assert deliver(completed).status_code == 200
    assert (
        state(held)
        == after_refund_first
        == (
            Booking.Status.CONFIRMED,
            Payment.Status.PARTIALLY_REFUNDED,
            2000,
            [(2000, Refund.Status.SUCCEEDED, Refund.Reason.STRIPE)],
        )
    )
    assert Refund.objects.get().stripe_refund_id == refund["id"]
    # The client hears about the refund once, and gets one confirmation.
    subjects = sorted(m.subject for m in mail.outbox if m.to[0].startswith("Anna"))
    assert subjects == ["We've refunded £20.00", subjects[1]]
    assert subjects[1].startswith("You're booked")


def test_an_unknown_event_type_is_acknowledged_and_ignored(held, stripe_standin, deliver):
    response = deliver(
        stripe_standin.event("customer.created", {"id": "cus_1", "object": "customer"})
    )
    assert response.status_code == 200
    assert response.content == b"ignored"
    assert StripeEvent.objects.get().outcome == "ignored"
    assert state(held)[:2] == (Booking.Status.HELD, Payment.Status.PENDING)


def test_an_event_about_someone_elses_checkout_is_ignored(held, stripe_standin, deliver):
    foreign = {"id": "cs_test_foreign", "object": "checkout.session", "metadata": {}}
    response = deliver(stripe_standin.event("checkout.session.completed", foreign))
    assert response.status_code == 200
    assert response.content == b"not a Sitting payment"


@pytest.mark.parametrize("payload", [b"{not json", b'"a string"', b'{"id": "evt_1"}', b"\xff\xfe"])
def test_malformed_json_with_a_good_signature_is_refused(held, stripe_standin, client, payload):
    timestamp = int(time.time())
    mac = hmac.new(
        stripe_standin.webhook_secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    )
    response = client.post(
        reverse("sessions:stripe-webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=f"t={timestamp},v1={mac.hexdigest()}",
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_without_a_webhook_secret_every_request_is_refused_and_the_check_warns(
    held, checkout, stripe_standin, post_event, settings
):
    settings.STRIPE_WEBHOOK_SECRET = ""
    session = stripe_standin.complete_session(checkout["id"])
    response = post_event(stripe_standin.event("checkout.session.completed", session))
    assert response.status_code == 400
    assert state(held)[:2] == (Booking.Status.HELD, Payment.Status.PENDING)
    assert "shoots.W001" in [message.id for message in run_checks()]
    settings.STRIPE_WEBHOOK_SECRET = "whsec_set"
    assert "shoots.W001" not in [message.id for message in run_checks()]


def test_when_stripe_cannot_be_read_the_event_is_released_for_stripe_to_retry(
    held, checkout, stripe_standin, deliver
):
    session = stripe_standin.complete_session(checkout["id"])
    event = stripe_standin.event("checkout.session.completed", session)
    stripe_standin.fail_next("GET", "/v1/checkout/sessions", status=500, count=3)
    assert deliver(event).status_code == 503
    assert not StripeEvent.objects.exists()
    assert state(held)[:2] == (Booking.Status.HELD, Payment.Status.PENDING)
    assert deliver(event).status_code == 200  # Stripe's retry
    assert state(held)[:2] == (Booking.Status.CONFIRMED, Payment.Status.PAID)


def test_an_expired_checkout_releases_the_hold_at_once(held, checkout, stripe_standin, deliver):
    session = stripe_standin.expire_session(checkout["id"])
    deliver(stripe_standin.event("checkout.session.expired", session))
    booking_status, payment_status, *_ = state(held)
    assert (booking_status, payment_status) == (Booking.Status.EXPIRED, Payment.Status.EXPIRED)


def test_an_older_checkout_expiring_leaves_the_current_one_alone(
    held, checkout, stripe_standin, deliver, pay_clock
):
    payment = deposit_of(held)
    # The client's page closed and a new one was opened for them.
    Payment.objects.filter(pk=payment.pk).update(checkout_expires_at=None, checkout_url="")
    payment_checkout_url(payment_id=payment.pk)
    old = stripe_standin.expire_session(checkout["id"])
    deliver(stripe_standin.event("checkout.session.expired", old))
    assert state(held)[:2] == (Booking.Status.HELD, Payment.Status.PENDING)


def test_a_bank_payment_keeps_the_time_while_it_clears_and_releases_it_if_it_fails(
    held, checkout, stripe_standin, deliver, pay_clock
):
    processing = stripe_standin.complete_session(checkout["id"], paid=False)
    deliver(stripe_standin.event("checkout.session.completed", processing))
    held.refresh_from_db()
    assert state(held)[:2] == (Booking.Status.HELD, Payment.Status.PROCESSING)
    assert held.hold_expires_at == PAY_NOW + timedelta(days=7)  # kept while the bank works
    pay_clock.shift(timedelta(days=3))
    failed = stripe_standin.fail_async(checkout["id"])
    deliver(stripe_standin.event("checkout.session.async_payment_failed", failed))
    held.refresh_from_db()
    payment = deposit_of(held)
    assert (held.status, payment.status) == (Booking.Status.EXPIRED, Payment.Status.FAILED)
    assert payment.failure_reason == "The bank did not complete the payment."


def test_a_bank_payment_failing_at_once_leaves_time_to_pay_another_way(
    held, checkout, stripe_standin, deliver, client
):
    processing = stripe_standin.complete_session(checkout["id"], paid=False)
    deliver(stripe_standin.event("checkout.session.completed", processing))
    failed = stripe_standin.fail_async(checkout["id"])
    deliver(stripe_standin.event("checkout.session.async_payment_failed", failed))
    held.refresh_from_db()
    payment = deposit_of(held)
    assert (held.status, payment.status) == (Booking.Status.HELD, Payment.Status.FAILED)
    assert held.hold_expires_at == datetime.fromtimestamp(checkout["expires_at"], UTC)
    page = client.get(reverse("sessions:booking-detail", args=[booking_token(held)]))
    assert "Pay £50.00 securely" in page.content.decode()


def test_a_bank_payment_that_succeeds_later_confirms_the_booking(
    held, checkout, stripe_standin, deliver
):
    processing = stripe_standin.complete_session(checkout["id"], paid=False)
    deliver(stripe_standin.event("checkout.session.completed", processing))
    paid = stripe_standin.succeed_async(checkout["id"])
    deliver(stripe_standin.event("checkout.session.async_payment_succeeded", paid))
    assert state(held)[:2] == (Booking.Status.CONFIRMED, Payment.Status.PAID)


def test_a_dispute_flags_the_booking_and_tells_the_studio_once(
    held, checkout, stripe_standin, deliver, client, staff_user
):
    session = stripe_standin.complete_session(checkout["id"])
    deliver(stripe_standin.event("checkout.session.completed", session))
    dispute = stripe_standin.dispute(session["payment_intent"])
    deliver(stripe_standin.event("charge.dispute.created", dispute))
    deliver(stripe_standin.event("charge.dispute.created", dispute))  # a second delivery, new id

    payment = deposit_of(held)
    assert payment.disputed_at is not None
    assert payment.stripe_dispute_id == dispute["id"]
    to_studio = [
        m
        for m in mail.outbox
        if m.to == ["Lumen Portraits <hello@lumen.example>"] and "disputed" in m.subject
    ]
    assert [m.subject for m in to_studio] == [f"Payment disputed: {held.reference}, Anna Kowalska"]
    assert f"https://dashboard.stripe.com/test/disputes/{dispute['id']}" not in to_studio[0].body
    assert f"https://dashboard.stripe.com/test/payments/{session['payment_intent']}" in (
        to_studio[0].body
    )
    client.force_login(staff_user)
    listing = client.get(reverse("admin:shoots_booking_changelist") + "?disputed=yes")
    assert held.reference in listing.content.decode()
    undisputed = client.get(reverse("admin:shoots_booking_changelist") + "?disputed=no")
    assert held.reference not in undisputed.content.decode()


def test_an_event_left_half_done_by_a_crashed_request_is_taken_over_later(
    held, checkout, stripe_standin, deliver, pay_clock
):
    session = stripe_standin.complete_session(checkout["id"])
    event = stripe_standin.event("checkout.session.completed", session)
    StripeEvent.objects.create(event_id=event["id"], type=event["type"])  # claimed, never done
    assert deliver(event).status_code == 409  # in flight: Stripe will try again
    pay_clock.shift(timedelta(minutes=6))
    assert deliver(event).status_code == 200
    assert state(held)[:2] == (Booking.Status.CONFIRMED, Payment.Status.PAID)


def test_an_approved_requests_payment_page_closing_keeps_its_longer_hold(
    portrait, anna, stripe_standin, deliver, pay_clock
):
    from sessions.booking_changes import booking_approve
    from sessions.services import booking_create
    from tests.payment_fixtures import LONDON, PAY_TEN

    portrait.requires_approval = True
    portrait.save()
    requested = booking_create(client=anna, session_type=portrait, starts_at=PAY_TEN, tz=LONDON)
    approved = booking_approve(booking_id=requested.pk)
    payment = deposit_of(approved)
    payment_checkout_url(payment_id=payment.pk)  # open for Stripe's longest, 24 hours
    payment.refresh_from_db()
    pay_clock.shift(timedelta(hours=24))
    closed = stripe_standin.expire_session(payment.stripe_checkout_session_id)
    deliver(stripe_standin.event("checkout.session.expired", closed))
    approved.refresh_from_db()
    assert approved.status == Booking.Status.HELD  # promised until 48 hours after approval
    assert payment_checkout_url(payment_id=payment.pk).startswith(stripe_standin.url)


def test_the_return_page_explains_a_bank_payment_that_is_still_clearing(
    held, checkout, stripe_standin, deliver, client
):
    processing = stripe_standin.complete_session(checkout["id"], paid=False)
    deliver(stripe_standin.event("checkout.session.completed", processing))
    payment = deposit_of(held)
    page = client.get(reverse("sessions:payment-return", args=[booking_token(held), payment.pk]))
    body = page.content.decode()
    assert "Your bank is processing the payment" in body
    assert "hx-trigger" not in body  # nothing to poll for days


@pytest.mark.parametrize("first", ["checkout.session.completed", "charge.refunded"])
def test_a_deposit_refunded_in_full_before_sitting_saw_it_paid_confirms_nothing(
    held, checkout, stripe_standin, deliver, client, pay_clock, first
):
    """The studio refunds the deposit in Stripe's dashboard before the webhook arrives:
    Checkout says paid, the charge says refunded. Whichever event comes first."""
    session = stripe_standin.complete_session(checkout["id"])
    intent = session["payment_intent"]
    stripe_standin.refund(intent)  # in full, in Stripe's dashboard
    charge = stripe_standin.charges[stripe_standin.payment_intents[intent]["latest_charge"]]
    events = {
        "checkout.session.completed": stripe_standin.event("checkout.session.completed", session),
        "charge.refunded": stripe_standin.event("charge.refunded", charge),
    }
    for kind in (first, *(k for k in events if k != first)):
        assert deliver(events[kind]).status_code == 200

    payment = deposit_of(held)
    assert state(held) == (  # its time is free again at once: this deposit can't be paid again
        Booking.Status.EXPIRED,
        Payment.Status.REFUNDED,
        5000,
        [(5000, Refund.Status.SUCCEEDED, Refund.Reason.STRIPE)],
    )
    assert (payment.amount_received, payment.currency_received) == (5000, "GBP")
    assert payment.net_received == 0
    assert not [m for m in mail.outbox if "booked" in m.subject.lower()]
    assert not [m for m in mail.outbox if m.subject.startswith("New booking")]
    assert [m.subject for m in mail.outbox] == ["We've refunded £50.00"]
    page = client.get(reverse("sessions:payment-return", args=[booking_token(held), payment.pk]))
    assert "Your payment has been refunded" in page.content.decode()
    assert "you're booked" not in page.content.decode()
    from sessions.payments.checkout import payment_check_payable
    from sessions.payments.errors import PaymentRefused

    with pytest.raises(PaymentRefused, match="This payment was refunded"):
        payment_check_payable(deposit_of(held))


def test_what_stripe_took_is_recorded_from_its_payment_intent(
    held, checkout, stripe_standin, deliver
):
    session = stripe_standin.complete_session(checkout["id"])
    deliver(stripe_standin.event("checkout.session.completed", session))
    payment = deposit_of(held)
    intent = stripe_standin.payment_intents[session["payment_intent"]]
    assert (payment.amount_received, payment.currency_received) == (
        intent["amount_received"],
        intent["currency"].upper(),
    )
    assert not payment.received_differs
