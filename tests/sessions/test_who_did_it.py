"""Who did it: a booking's history, the payments asked for, refunds, emails sent again and
erasures say which staff member did it, or that it was the client, Sitting or Stripe; the
booking page shows it. And the rules the admin's list and buttons share: no refund without
the payments permission, one gallery per session, only for a session that took place."""

import html
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils.html import strip_tags

from clients.models import PrivacyRecord
from gallery.models import Gallery
from gallery.services import GalleryRefused, gallery_create_for_booking
from sessions.models import Booking, BookingEvent, Payment, Refund
from sessions.payments.checkout import booking_holds_expire
from studio.models import SentEmail
from tests.factories import BookingFactory, ClientFactory, UserFactory
from tests.payment_fixtures import PAY_TEN

FORM = {"name": "Rosa Diaz", "email": "rosa@example.com", "phone": "", "notes": "", "agree": "on"}
CHANGELIST = reverse("admin:shoots_booking_changelist")


def text(response) -> str:
    return html.unescape(response.content.decode())


def staff_with(username: str, *codenames: str, name: str = ""):
    first, _sep, last = name.partition(" ")
    user = UserFactory(username=username, is_staff=True, first_name=first, last_name=last)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def paid_booking(client, stripe_standin, pay_clock, portrait, post_event, run_tasks):
    """Rosa books online and pays her deposit on Checkout; Stripe's webhook confirms it."""
    url = reverse("sessions:booking-create", args=["portrait"])
    client.post(f"{url}?{urlencode({'start': PAY_TEN.isoformat()})}", FORM)
    booking = Booking.objects.get()
    payment = booking.payments.get()
    session = stripe_standin.complete_session(payment.stripe_checkout_session_id)
    with run_tasks():
        assert post_event(stripe_standin.event("checkout.session.completed", session)).status_code
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    client.logout()
    mail.outbox.clear()
    stripe_standin.requests.clear()  # what was asked of Stripe from here on
    return booking


def test_the_history_says_the_client_booked_and_stripe_confirmed(paid_booking):
    events = [(e.status, e.actor) for e in paid_booking.events.order_by("pk")]
    assert events == [("held", "client"), ("confirmed", "stripe")]
    payment = paid_booking.payments.get()
    assert (payment.actor, payment.actor_user) == ("client", None)


def test_a_view_only_assistant_cannot_cancel_with_a_refund_and_stripe_hears_nothing(
    client, paid_booking, stripe_standin, run_tasks
):
    """The incident: a view-only assistant's cancel sent a real refund to Stripe."""
    assistant = staff_with("assistant", "view_booking", "view_payment")
    client.force_login(assistant)
    for action in ("cancel", "cancel_keeping_payments", "approve", "request_balance"):
        with run_tasks():
            client.post(
                CHANGELIST,
                {"action": action, "_selected_action": [paid_booking.pk], "post": "yes"},
            )
    with run_tasks():
        button = client.post(
            reverse("admin:shoots_booking_act", args=[paid_booking.pk]), {"do": "cancel"}
        )
    assert button.status_code == 403
    paid_booking.refresh_from_db()
    assert paid_booking.status == Booking.Status.CONFIRMED
    assert not Refund.objects.exists()
    assert not stripe_standin.requests
    assert not mail.outbox
    page = text(client.get(reverse("admin:shoots_booking_change", args=[paid_booking.pk])))
    assert "Cancel, refunding in full" not in page  # no button that would only say no


def test_changing_bookings_alone_does_not_allow_giving_money_back(
    client, paid_booking, stripe_standin, run_tasks
):
    scheduler = staff_with("scheduler", "view_booking", "change_booking")
    client.force_login(scheduler)
    with run_tasks():
        client.post(
            CHANGELIST, {"action": "cancel", "_selected_action": [paid_booking.pk], "post": "yes"}
        )
    paid_booking.refresh_from_db()
    assert paid_booking.status == Booking.Status.CONFIRMED
    assert not stripe_standin.requests
    with run_tasks():  # keeping what was paid is theirs to do
        client.post(
            CHANGELIST,
            {
                "action": "cancel_keeping_payments",
                "_selected_action": [paid_booking.pk],
                "post": "yes",
            },
        )
    paid_booking.refresh_from_db()
    assert paid_booking.status == Booking.Status.CANCELLED
    assert not Refund.objects.exists()
    assert not stripe_standin.requests_to("POST", "/v1/refunds")


def test_staff_who_may_cancel_with_a_refund_do_it_and_the_history_names_them(
    client, paid_booking, stripe_standin, run_tasks
):
    owner = staff_with(
        "maya", "view_booking", "change_booking", "manage_payments", name="Maya Lind"
    )
    client.force_login(owner)
    with run_tasks():
        client.post(
            CHANGELIST, {"action": "cancel", "_selected_action": [paid_booking.pk], "post": "yes"}
        )
    paid_booking.refresh_from_db()
    assert paid_booking.status == Booking.Status.CANCELLED
    (refund,) = Refund.objects.all()
    assert (refund.amount, refund.actor, refund.actor_user) == (5000, "staff", owner)
    (asked,) = stripe_standin.requests_to("POST", "/v1/refunds")
    assert asked.params["amount"] == "5000"
    assert refund.status == Refund.Status.SUCCEEDED
    cancelled = paid_booking.events.get(status=Booking.Status.CANCELLED)
    assert (cancelled.actor, cancelled.actor_user) == ("staff", owner)

    client.force_login(staff_with("viewer", "view_booking", "view_payment"))
    page = " ".join(
        strip_tags(
            client.get(
                reverse("admin:shoots_booking_change", args=[paid_booking.pk])
            ).content.decode()
        ).split()
    )
    assert "Held while paying · for Wed 10 Jun 2026, 10:00 · by the client" in page
    assert "Confirmed · by Stripe" in page
    assert "Cancelled · by Maya Lind" in page
    refund_page = text(client.get(reverse("admin:shoots_payment_change", args=[refund.payment_id])))
    assert "Maya Lind" in refund_page


def test_a_hold_that_runs_out_is_recorded_as_sittings_doing(
    client, stripe_standin, pay_clock, portrait
):
    url = reverse("sessions:booking-create", args=["portrait"])
    client.post(f"{url}?{urlencode({'start': PAY_TEN.isoformat()})}", FORM)
    pay_clock.shift(timedelta(hours=2))
    assert booking_holds_expire() == 1
    expired = BookingEvent.objects.get(status=Booking.Status.EXPIRED)
    assert (expired.actor, expired.actor_user) == ("system", None)


def test_a_balance_request_and_an_email_sent_again_name_the_staff_member(
    client, studio, settings, django_capture_on_commit_callbacks, eager_tasks
):
    settings.PAYMENTS_ENABLED = True
    booking = BookingFactory(status=Booking.Status.COMPLETED)
    owner = staff_with(
        "maya", "view_booking", "manage_payments", "view_sentemail", "resend_sentemail"
    )
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CHANGELIST, {"action": "request_balance", "_selected_action": [booking.pk]})
    payment = Payment.objects.get(booking=booking, kind=Payment.Kind.BALANCE)
    assert (payment.actor, payment.actor_user) == ("staff", owner)
    sent = SentEmail.objects.get(kind="balance-due")
    assert (sent.actor, sent.actor_user) == ("system", None)  # sent by the worker
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:studio_sentemail_send_again", args=[sent.pk]))
    again = SentEmail.objects.get(resend_of=sent)
    assert (again.actor, again.actor_user) == ("staff", owner)
    page = text(client.get(reverse("admin:studio_sentemail_change", args=[again.pk])))
    assert "maya" in page


def test_an_erasure_names_who_erased(client, studio):
    ben = ClientFactory(name="Ben Okafor", email="ben@example.com")
    officer = staff_with("dpo", "view_client", "manage_privacy")
    client.force_login(officer)
    client.post(reverse("admin:clients_client_erase", args=[ben.pk]), {"confirm": "ERASE"})
    record = PrivacyRecord.objects.get(kind=PrivacyRecord.Kind.ERASURE)
    assert record.by == officer


# --- One gallery per session, by one rule -----------------------------------------------


@pytest.mark.parametrize(
    "status", [Booking.Status.CANCELLED, Booking.Status.REQUESTED, Booking.Status.EXPIRED]
)
def test_the_list_action_makes_no_gallery_for_a_session_that_did_not_happen(
    client, studio, staff_user, status
):
    booking = BookingFactory(status=status)
    client.force_login(staff_user)
    response = client.post(
        CHANGELIST, {"action": "create_gallery", "_selected_action": [booking.pk]}, follow=True
    )
    assert not Gallery.objects.exists()
    assert "Only a confirmed or completed session gets a gallery." in text(response)
    with pytest.raises(GalleryRefused):
        gallery_create_for_booking(booking=booking)


def test_the_list_action_and_the_button_make_one_gallery_between_them(client, studio, staff_user):
    booking = BookingFactory(status=Booking.Status.COMPLETED)
    client.force_login(staff_user)
    for _ in range(2):
        client.post(CHANGELIST, {"action": "create_gallery", "_selected_action": [booking.pk]})
        client.post(reverse("admin:shoots_booking_act", args=[booking.pk]), {"do": "gallery"})
    (gallery,) = Gallery.objects.all()
    assert gallery.booking == booking
    assert gallery_create_for_booking(booking=booking) == gallery


def test_a_first_send_is_sittings_even_when_a_staff_request_runs_it(studio, staff_user):
    from studio.actors import acting_as, staff
    from studio.emailing import email_send_once

    with acting_as(staff(staff_user)):  # a task run inside the request (eager, say)
        email_send_once(key="note:1", to="anna@example.com", subject="Hello", text="Hi")
    sent = SentEmail.objects.get(key="note:1")
    assert (sent.actor, sent.actor_user) == ("system", None)
