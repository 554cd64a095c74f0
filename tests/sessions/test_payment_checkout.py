"""Paying a deposit: from the details form to Stripe Checkout and back."""

import html
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import strip_tags

from sessions.access import booking_token
from sessions.models import Booking, Payment
from sessions.payments.checkout import booking_holds_expire
from sessions.selectors import session_type_slots
from tests.factories import BookingFactory
from tests.payment_fixtures import LONDON, PAY_NOW, PAY_TEN

FORM = {"name": "Rosa Diaz", "email": "rosa@example.com", "phone": "", "notes": "", "agree": "on"}


def details_url(start=PAY_TEN):
    url = reverse("sessions:booking-create", args=["portrait"])
    return f"{url}?{urlencode({'start': start.isoformat()})}"


def text(response) -> str:
    return html.unescape(response.content.decode())


def deposit_of(booking: Booking) -> Payment:
    return booking.payments.get(kind=Payment.Kind.DEPOSIT)


def test_booking_with_a_deposit_goes_straight_to_stripe_checkout_for_the_deposit(
    client, stripe_standin, pay_clock, portrait, settings
):
    response = client.post(details_url(), {**FORM, "amount": "1", "unit_amount": "1"})

    booking = Booking.objects.get()
    payment = deposit_of(booking)
    assert booking.status == Booking.Status.HELD
    assert response.status_code == 303
    assert response["Location"] == f"{stripe_standin.url}/pay/{payment.stripe_checkout_session_id}"
    (created,) = stripe_standin.requests_to("POST", "/v1/checkout/sessions")
    item = created.params["line_items"][0]
    assert item["price_data"]["unit_amount"] == "5000"  # the booking's, not the browser's
    assert item["price_data"]["currency"] == "gbp"
    assert item["quantity"] == "1"
    assert item["price_data"]["product_data"]["name"] == (
        "Deposit: Portrait session on Wednesday 10 June 2026, 10:00"
    )
    assert booking.reference in item["price_data"]["product_data"]["description"]
    assert created.params["metadata"] == {
        "payment_id": str(payment.pk),
        "booking_reference": booking.reference,
        "kind": "deposit",
    }
    assert created.params["payment_intent_data"]["metadata"] == created.params["metadata"]
    assert created.params["client_reference_id"] == booking.reference
    assert created.params["customer_email"] == "rosa@example.com"
    token = booking_token(booking)
    assert created.params["success_url"] == (
        f"{settings.SITE_URL}/booking/{token}/payments/{payment.pk}/"
        "?session_id={CHECKOUT_SESSION_ID}"
    )
    assert created.params["cancel_url"] == (
        f"{settings.SITE_URL}/booking/{token}/?payment=cancelled"
    )
    assert created.headers["Idempotency-Key"] == f"sitting-checkout-{payment.pk}-1"
    # The payment page closes when the hold ends, and Stripe's 30-minute minimum is kept.
    assert int(created.params["expires_at"]) == int(booking.hold_expires_at.timestamp())
    assert booking.hold_expires_at >= PAY_NOW + timedelta(minutes=31)
    assert not mail.outbox  # nothing is confirmed until the payment is


def test_coming_back_without_paying_shows_the_hold_and_reuses_the_open_payment_page(
    client, held, stripe_standin
):
    payment = deposit_of(held)
    url = reverse("sessions:booking-detail", args=[booking_token(held)])
    first = client.post(
        reverse("sessions:booking-pay", args=[booking_token(held)]), {"payment": payment.pk}
    )

    page = text(client.get(url + "?payment=cancelled"))
    assert "You left the payment page before paying, so nothing was charged." in page
    assert "We're keeping this time for you until 09:31" in strip_tags(page)  # time marked up
    assert "Pay £50.00 securely" in page

    again = client.post(
        reverse("sessions:booking-pay", args=[booking_token(held)]), {"payment": payment.pk}
    )
    assert again.status_code == 303
    assert again["Location"] == first["Location"]
    assert len(stripe_standin.requests_to("POST", "/v1/checkout/sessions")) == 1


def test_when_stripe_cannot_be_reached_the_time_stays_held_and_trying_again_works(
    client, stripe_standin, pay_clock, portrait
):
    stripe_standin.fail_next("POST", "/v1/checkout/sessions", status=500, count=3)
    response = client.post(details_url(), FORM, follow=True)

    booking = Booking.objects.get()
    assert booking.status == Booking.Status.HELD
    page = text(response)
    assert "We couldn't open the payment page just now. Nothing has been charged" in page
    assert "Pay £50.00 securely" in page

    pay_clock.shift(timedelta(minutes=10))
    retry = client.post(
        reverse("sessions:booking-pay", args=[booking_token(booking)]),
        {"payment": deposit_of(booking).pk},
    )
    assert retry.status_code == 303
    created = stripe_standin.requests_to("POST", "/v1/checkout/sessions")[-1]
    assert created.headers["Idempotency-Key"] == f"sitting-checkout-{deposit_of(booking).pk}-2"
    booking.refresh_from_db()
    # Ten minutes on, the page still gets Stripe's minimum, and the hold follows it.
    assert int(created.params["expires_at"]) == int(booking.hold_expires_at.timestamp())
    assert booking.hold_expires_at >= PAY_NOW + timedelta(minutes=41)


def test_the_return_page_confirms_the_booking_from_stripe_before_the_webhook_arrives(
    client, held, stripe_standin, eager_tasks, django_capture_on_commit_callbacks
):
    payment = deposit_of(held)
    client.post(
        reverse("sessions:booking-pay", args=[booking_token(held)]), {"payment": payment.pk}
    )
    payment.refresh_from_db()
    stripe_standin.complete_session(payment.stripe_checkout_session_id)  # no webhook yet

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            reverse("sessions:payment-return", args=[booking_token(held), payment.pk])
        )
    page = text(response)
    assert "Payment received — you're booked" in page
    assert response["Cache-Control"].startswith("private")
    held.refresh_from_db()
    payment.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    assert payment.status == Payment.Status.PAID
    assert payment.stripe_payment_intent_id.startswith("pi_")
    assert sorted(message.subject for message in mail.outbox) == [
        # to the studio:
        "New booking: Portrait session for Anna Kowalska, Wednesday 10 June, 10:00",
        "You're booked: Portrait session on Wednesday 10 June with Lumen Portraits",
    ]
    assert "Paid: £50.00 of £150.00" in mail.outbox[0].body


def test_the_return_page_says_confirming_and_polls_until_the_webhook_confirms(
    client, held, stripe_standin, post_event, eager_tasks, django_capture_on_commit_callbacks
):
    payment = deposit_of(held)
    client.post(
        reverse("sessions:booking-pay", args=[booking_token(held)]), {"payment": payment.pk}
    )
    payment.refresh_from_db()
    status_url = reverse("sessions:payment-status", args=[booking_token(held), payment.pk])

    page = text(
        client.get(reverse("sessions:payment-return", args=[booking_token(held), payment.pk]))
    )
    assert "Confirming your payment…" in page
    assert f'hx-get="{status_url}"' in page
    assert 'hx-trigger="every 2s"' in page

    session = stripe_standin.complete_session(payment.stripe_checkout_session_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            post_event(stripe_standin.event("checkout.session.completed", session)).status_code
            == 200
        )
    fragment = text(client.get(status_url))
    assert "Payment received — you're booked" in fragment
    assert "hx-trigger" not in fragment  # polling stops
    assert "<html" not in fragment


def test_ben_cannot_open_or_pay_annas_payments(client, held, stripe_standin, ben):
    payment = deposit_of(held)
    bens = BookingFactory(
        client=ben,
        session_type=held.session_type,
        photographer=held.photographer,
        starts_at=PAY_TEN + timedelta(hours=3),
    )
    bens_token = booking_token(bens)
    for name in ("sessions:payment-return", "sessions:payment-status"):
        assert client.get(reverse(name, args=[bens_token, payment.pk])).status_code == 404
        assert (
            client.get(reverse(name, args=[booking_token(held) + "x", payment.pk])).status_code
            == 404
        )
    pay = client.post(reverse("sessions:booking-pay", args=[bens_token]), {"payment": payment.pk})
    assert pay.status_code == 404
    assert (
        client.post(
            reverse("sessions:booking-pay", args=[bens_token]), {"payment": "1; DROP"}
        ).status_code
        == 404
    )
    assert not stripe_standin.requests_to("POST", "/v1/checkout/sessions")


def test_a_hold_that_runs_out_frees_the_time_and_the_scheduled_job_closes_it(
    held, pay_clock, stripe_standin
):
    def free_at_ten() -> bool:
        day = PAY_TEN.astimezone(LONDON).date()
        slots = session_type_slots(
            session_type=held.session_type, first_day=day, last_day=day, tz=LONDON
        )
        return PAY_TEN in {slot.starts_at for slot in slots.get(day, [])}

    assert not free_at_ten()
    pay_clock.shift(timedelta(minutes=31))
    assert free_at_ten()  # at once, before any job has run
    assert booking_holds_expire() == 1
    held.refresh_from_db()
    assert held.status == Booking.Status.EXPIRED
    assert deposit_of(held).status == Payment.Status.EXPIRED
    assert booking_holds_expire() == 0


def test_a_deposit_cannot_be_paid_once_the_hold_has_ended(client, held, pay_clock, stripe_standin):
    pay_clock.shift(timedelta(minutes=31))
    response = client.post(
        reverse("sessions:booking-pay", args=[booking_token(held)]),
        {"payment": deposit_of(held).pk},
        follow=True,
    )
    assert "We're no longer holding this time" in text(response)
    assert not stripe_standin.requests_to("POST", "/v1/checkout/sessions")


def test_a_payment_never_sent_to_stripe_says_so_instead_of_confirming_for_ever(
    client, held, stripe_standin
):
    """Its status address typed by hand, before the client pressed Pay: nothing is on its
    way, so the page says how to pay and does not poll."""
    payment = deposit_of(held)
    assert not payment.stripe_checkout_session_id
    page = text(
        client.get(reverse("sessions:payment-status", args=[booking_token(held), payment.pk]))
    )
    assert "This payment hasn't been made" in page
    assert "hx-trigger" not in page
    assert "Confirming your payment" not in page


def test_with_payments_off_the_booking_confirms_and_the_deposit_is_due_at_the_studio(
    client, pay_clock, portrait, staff_user, settings
):
    assert not settings.PAYMENTS_ENABLED
    response = client.post(details_url(), FORM, follow=True)
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED
    assert not booking.payments.exists()
    assert "£50.00 deposit, due at the studio" in text(response)
    client.force_login(staff_user)
    admin_page = client.get(reverse("admin:shoots_booking_change", args=[booking.pk]))
    assert "Deposit due at the studio: £50.00" in text(admin_page)


def test_the_booking_page_with_payments_stays_within_its_query_budget(
    client, held, django_assert_max_num_queries
):
    url = reverse("sessions:booking-detail", args=[booking_token(held)])
    # Studio, booking, payments, documents to sign (for the deposit, and the list),
    # questionnaires, answers, guides, invoices, the payment plan's parts, session: none per row.
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("raw", ["", "abc", "999999"])
def test_paying_an_unknown_payment_is_a_404(client, held, raw):
    response = client.post(
        reverse("sessions:booking-pay", args=[booking_token(held)]), {"payment": raw}
    )
    assert response.status_code == 404


def test_an_approved_request_asks_for_the_deposit_by_email_and_holds_the_time_for_two_days(
    client,
    pay_clock,
    portrait,
    anna,
    stripe_standin,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    from sessions.booking_changes import booking_approve
    from sessions.services import booking_create

    portrait.requires_approval = True
    portrait.save()
    with django_capture_on_commit_callbacks(execute=True):
        requested = booking_create(client=anna, session_type=portrait, starts_at=PAY_TEN, tz=LONDON)
    assert requested.status == Booking.Status.REQUESTED
    assert not requested.payments.exists()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        approved = booking_approve(booking_id=requested.pk)
    assert approved.status == Booking.Status.HELD
    assert approved.hold_expires_at == PAY_NOW + timedelta(hours=48)
    (email,) = mail.outbox
    assert email.subject == (
        "Good news: Portrait session on Wednesday 10 June 2026, 10:00, pay the deposit to confirm"
    )
    assert "please pay the £50.00 deposit by Wednesday 3 June, 09:00" in email.body
    link = f"/booking/{booking_token(approved)}/"
    assert link in email.body

    page = text(client.get(link))
    assert "Pay £50.00 securely" in page
    to_checkout = client.post(
        reverse("sessions:booking-pay", args=[booking_token(approved)]),
        {"payment": deposit_of(approved).pk},
    )
    assert to_checkout.status_code == 303
    (created,) = stripe_standin.requests_to("POST", "/v1/checkout/sessions")
    # Stripe keeps a payment page open 24 hours at most; the hold is longer.
    assert int(created.params["expires_at"]) == int((PAY_NOW + timedelta(hours=24)).timestamp())
