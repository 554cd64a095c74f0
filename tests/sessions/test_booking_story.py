"""A booking's whole story on its admin page: the client, its history (every status and
move, however it happened), the emails, the gallery; and its buttons: confirm, move, cancel,
mark completed or no-show, create a gallery, ask for the balance."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from gallery.models import Gallery
from sessions.models import AvailabilityRule, Booking, BookingEvent
from sessions.payments.checkout import booking_holds_expire
from tests.factories import BookingFactory, PhotographerFactory, SessionTypeFactory

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # Wednesday 10:00 in London


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def maya(db):
    photographer = PhotographerFactory(display_name="Maya Lind")
    AvailabilityRule.objects.create(
        photographer=photographer, weekday=2, start_time=time(9), end_time=time(17)
    )
    return photographer


@pytest.fixture
def booking(studio, maya, anna):
    headshot = SessionTypeFactory(name="Headshot", duration_minutes=60, photographers=[maya])
    return BookingFactory(client=anna, session_type=headshot, photographer=maya, starts_at=TEN)


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def act(admin_client, booking, do):
    """A button pressed, and confirmed when it asks first."""
    url = reverse("admin:shoots_booking_act", args=[booking.pk])
    return admin_client.post(url, {"do": do, "confirmed": "yes"})


def history(booking) -> list[tuple[str, bool]]:
    return [(e.status, e.moved) for e in BookingEvent.objects.filter(booking=booking)]


def test_moving_and_cancelling_from_the_page_are_written_in_its_history(admin_client, booking):
    move = reverse("admin:shoots_booking_reschedule", args=[booking.pk])
    form = admin_client.get(move)
    assert "now Wednesday 10 June 2026, 10:00" in form.content.decode()
    moved = admin_client.post(move, {"date": "2026-06-10", "time": "14:00"})
    assert moved.status_code == 302
    booking.refresh_from_db()
    assert booking.starts_at == TEN + timedelta(hours=4)
    assert booking.calendar_sequence == 1  # the client's invite is updated in place
    act(admin_client, booking, "cancel_keep")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert history(booking) == [("confirmed", False), ("confirmed", True), ("cancelled", False)]
    page = admin_client.get(reverse("admin:shoots_booking_change", args=[booking.pk])).content
    text = page.decode()
    assert "moved to Wed 10 Jun 2026, 14:00" in text
    assert "Cancelled" in text
    assert "Emails sent" in text


def test_moving_onto_a_taken_time_is_refused_with_the_nearest_free_times(
    admin_client, booking, maya
):
    taken = BookingFactory(
        photographer=maya, session_type=booking.session_type, starts_at=TEN + timedelta(hours=2)
    )
    move = reverse("admin:shoots_booking_reschedule", args=[booking.pk])
    refused = admin_client.post(move, {"date": "2026-06-10", "time": "12:00"})
    assert refused.status_code == 200
    assert [str(problem) for problem in refused.context["problems"]] == [
        f"That time overlaps {taken.client.name}'s Headshot session, 12:00–13:00 on Wednesday "
        "10 June 2026."
    ]
    day, times = refused.context["free_days"][0]  # that day's free times come first
    assert (str(day), [t.strftime("%H:%M") for t in times][:5]) == (
        "2026-06-10",
        ["09:00", "09:30", "10:30", "11:00", "13:00"],  # not its own 10:00, nor near 12:00
    )
    booking.refresh_from_db()
    assert booking.starts_at == TEN


def test_completed_or_no_show_only_once_the_session_has_started(admin_client, booking):
    early = act(admin_client, booking, "complete")
    assert early.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    with time_machine.travel(TEN + timedelta(minutes=70), tick=False):
        act(admin_client, booking, "no_show")
        booking.refresh_from_db()
        assert booking.status == Booking.Status.NO_SHOW
        act(admin_client, booking, "complete")
        booking.refresh_from_db()
        assert booking.status == Booking.Status.COMPLETED
    assert [status for status, _moved in history(booking)] == ["confirmed", "no_show", "completed"]


def test_a_gallery_is_made_from_the_page_and_shown_in_the_story(admin_client, booking):
    made = act(admin_client, booking, "gallery")
    gallery = Gallery.objects.get(booking=booking)
    assert made["Location"] == reverse("admin:gallery_gallery_change", args=[gallery.pk])
    page = admin_client.get(reverse("admin:shoots_booking_change", args=[booking.pk])).content
    assert gallery.title in page.decode()


def test_the_page_shows_the_client_and_their_other_bookings(admin_client, booking, anna):
    BookingFactory(client=anna, starts_at=TEN + timedelta(days=30))
    page = admin_client.get(reverse("admin:shoots_booking_change", args=[booking.pk])).content
    text = page.decode()
    assert "Anna Kowalska" in text
    assert f"?client__id__exact={anna.pk}" in text
    assert "1 other booking" in text


def test_buttons_need_a_post_and_a_known_action(admin_client, booking, client, anna):
    url = reverse("admin:shoots_booking_act", args=[booking.pk])
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"do": "explode"}).status_code == 404
    admin_client.logout()
    assert client.post(url, {"do": "cancel"})["Location"].startswith("/admin/login/")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_holds_that_run_out_are_in_the_history_too(studio, maya):
    held = BookingFactory(
        photographer=maya, starts_at=TEN, status=Booking.Status.HELD, hold_expires_at=NOW
    )
    assert booking_holds_expire() == 1
    assert history(held) == [("held", False), ("expired", False)]


def test_a_gallery_is_made_once_and_only_for_a_real_session(admin_client, booking, maya):
    first = act(admin_client, booking, "gallery")
    second = act(admin_client, booking, "gallery")
    assert first["Location"] == second["Location"]
    assert Gallery.objects.filter(booking=booking).count() == 1
    cancelled = BookingFactory(
        photographer=maya, starts_at=TEN + timedelta(days=7), status="cancelled"
    )
    act(admin_client, cancelled, "gallery")
    assert not Gallery.objects.filter(booking=cancelled).exists()


def test_cancelling_from_the_page_asks_first_and_says_what_happens_to_the_money(
    admin_client, booking
):
    from sessions.models import Payment

    Payment.objects.create(
        booking=booking, kind=Payment.Kind.DEPOSIT, amount=5000, currency="GBP",
        amount_received=5000, currency_received="GBP", status=Payment.Status.PAID,
        method=Payment.Method.BANK_TRANSFER, paid_at=TEN - timedelta(days=3),
    )  # fmt: skip
    url = reverse("admin:shoots_booking_act", args=[booking.pk])
    for doing in ("cancel", "cancel_keep"):
        asked = admin_client.post(url, {"do": doing})
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CONFIRMED  # nothing happens before the yes
        page = asked.content.decode()
        assert 'name="confirmed" value="yes"' in page
        assert "No, go back" in page
    assert "The £50.00 paid is kept: nothing is refunded." in page
    page = admin_client.post(url, {"do": "cancel"}).content.decode()
    assert "paid another way (bank transfer): you give it back yourself" in page
    done = admin_client.post(url, {"do": "cancel", "confirmed": "yes"}, follow=True)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    text = done.content.decode()
    assert "Cancelled, with a full refund" in text
    assert "Give back the £50.00 paid another way (bank transfer) yourself" in text
    assert "Cancelled · refunded: £50.00 · kept: £0.00 · nothing more is owed" in text


def test_an_email_with_nothing_left_to_send_offers_no_send_again(admin_client, booking):
    from studio.models import SentEmail

    for n, body in enumerate(("Hello Anna", "")):  # the second's client was erased
        SentEmail.objects.create(
            key=f"booking:{booking.pk}:note:{n}", to="(erased)" if not body else "anna@x.example",
            subject=f"Email {n}", text_body=body,
        )  # fmt: skip
    page = admin_client.get(reverse("admin:shoots_booking_change", args=[booking.pk]))
    assert page.content.decode().count("inline-resend") == 1


def test_a_card_refund_on_its_way_counts_as_refunded_on_the_cancelled_booking(
    admin_client, booking
):
    from sessions.models import Payment, Refund

    Payment.objects.create(
        booking=booking, kind=Payment.Kind.DEPOSIT, amount=5000, currency="GBP",
        amount_received=5000, currency_received="GBP", status=Payment.Status.PAID,
        stripe_payment_intent_id="pi_story_1", paid_at=TEN - timedelta(days=3),
    )  # fmt: skip
    url = reverse("admin:shoots_booking_act", args=[booking.pk])
    page = admin_client.post(url, {"do": "cancel"}).content.decode()
    assert "The £50.00 paid is refunded in full to the card." in page
    done = admin_client.post(url, {"do": "cancel", "confirmed": "yes"}, follow=True)
    assert Refund.objects.get().status == Refund.Status.QUEUED  # Stripe has not answered
    text = done.content.decode()
    assert "Cancelled · refunded: £50.00 · kept: £0.00 · nothing more is owed" in text
    assert "yourself" not in text
