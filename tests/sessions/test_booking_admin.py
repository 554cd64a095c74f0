from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from sessions.emails import booking_email_send
from sessions.models import Booking
from tests.factories import BookingFactory

CHANGELIST = reverse("admin:shoots_booking_changelist")
SOON = datetime(2030, 6, 10, 9, tzinfo=UTC)


@pytest.fixture
def owner(client, studio, staff_user):
    client.force_login(staff_user)
    return client


def act(owner, action, *bookings):
    return owner.post(
        CHANGELIST,
        {"action": action, "_selected_action": [b.pk for b in bookings]},
        follow=True,
    )


def test_the_studio_approves_a_request_and_the_client_hears_of_it(
    owner, anna, django_capture_on_commit_callbacks
):
    request = BookingFactory(client=anna, status=Booking.Status.REQUESTED, starts_at=SOON)
    with django_capture_on_commit_callbacks() as callbacks:
        response = act(owner, "approve", request)
    assert "1 request approved." in response.content.decode()
    request.refresh_from_db()
    assert request.status == Booking.Status.CONFIRMED
    assert callbacks[0].keywords["kwargs"] == {
        "booking_id": request.pk,
        "kind": "confirmed",
        "sequence": 1,
    }


def test_with_payments_on_an_approved_request_is_held_for_its_deposit(owner, anna, settings):
    settings.PAYMENTS_ENABLED = True
    request = BookingFactory(client=anna, status=Booking.Status.REQUESTED, starts_at=SOON)
    act(owner, "approve", request)
    request.refresh_from_db()
    assert request.status == Booking.Status.HELD
    assert request.hold_expires_at is not None


def test_declining_frees_the_time_and_tells_the_client_kindly(owner, anna):
    request = BookingFactory(client=anna, status=Booking.Status.REQUESTED, starts_at=SOON)
    act(owner, "decline", request)
    request.refresh_from_db()
    assert request.status == Booking.Status.DECLINED
    booking_email_send(booking_id=request.pk, kind="declined")
    assert "we can't take your session" in mail.outbox[0].body


def test_only_requests_can_be_approved_and_the_admin_says_which_were_not(owner, anna):
    confirmed = BookingFactory(client=anna, starts_at=SOON)
    cancelled = BookingFactory(
        client=anna, status=Booking.Status.CANCELLED, starts_at=SOON + timedelta(days=1)
    )
    response = act(owner, "approve", cancelled, confirmed)
    html = response.content.decode()
    assert f"{cancelled.reference}: Only requests waiting for approval can be approved." in html
    cancelled.refresh_from_db()
    assert cancelled.status == Booking.Status.CANCELLED


def test_the_studio_may_cancel_even_past_the_clients_cut_off(owner, anna):
    tomorrow = BookingFactory(client=anna, starts_at=datetime.now(UTC) + timedelta(hours=20))
    act(owner, "cancel", tomorrow)
    tomorrow.refresh_from_db()
    assert tomorrow.status == Booking.Status.CANCELLED


def test_booking_list_is_query_bounded(owner, django_assert_max_num_queries):
    for n in range(30):
        BookingFactory(starts_at=SOON + timedelta(days=n))
    with django_assert_max_num_queries(10):
        response = owner.get(CHANGELIST)
    assert response.status_code == 200


def test_a_booking_cannot_be_edited_around_the_services(owner, anna):
    booking = BookingFactory(client=anna, starts_at=SOON)
    owner.post(
        reverse("admin:shoots_booking_change", args=[booking.pk]),
        {"starts_at_0": "2030-06-11", "starts_at_1": "09:00", "status": "cancelled"},
    )
    booking.refresh_from_db()
    assert (booking.starts_at, booking.status) == (SOON, Booking.Status.CONFIRMED)


BOOK_FOR_CLIENT = reverse("admin:shoots_booking_book_for_client")


@pytest.fixture
def headshot_with_maya(db):
    from datetime import time

    from sessions.models import AvailabilityRule
    from tests.factories import PhotographerFactory, SessionTypeFactory

    maya = PhotographerFactory(display_name="Maya Lind")
    for weekday in range(7):
        AvailabilityRule.objects.create(
            photographer=maya, weekday=weekday, start_time=time(9), end_time=time(17)
        )
    with time_machine.travel(datetime(2030, 6, 1, 8, tzinfo=UTC), tick=False):
        yield SessionTypeFactory(duration_minutes=60, photographers=[maya]), maya


def phone_form(session_type, photographer, **overrides):
    return {
        "new_client_name": "Walter Phone",
        "new_client_email": "walter@example.com",
        "new_client_phone": "07700 900000",
        "session_type": session_type.pk,
        "photographer": photographer.pk,
        "date": "2030-06-12",
        "time": "10:00",
        "client_notes": "Rang on Tuesday",
        "email_client": "on",
        **overrides,
    }


def test_staff_book_a_new_client_by_phone(headshot_with_maya, owner):
    session_type, maya = headshot_with_maya
    page = owner.get(BOOK_FOR_CLIENT)
    assert page.status_code == 200
    response = owner.post(BOOK_FOR_CLIENT, phone_form(session_type, maya))
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert booking.created_by_staff
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.client.email == "walter@example.com"
    assert booking.starts_at == datetime(2030, 6, 12, 9, tzinfo=UTC)  # 10:00 BST


def test_outside_the_public_rules_the_studio_is_warned_then_may_book_anyway(
    headshot_with_maya, owner
):
    session_type, maya = headshot_with_maya
    late = phone_form(session_type, maya, time="19:00")
    warned = owner.post(BOOK_FOR_CLIENT, late)
    assert "Clients could not book this time online" in warned.content.decode()
    assert 'value="Walter Phone"' in warned.content.decode()
    assert not Booking.objects.exists()
    booked = owner.post(BOOK_FOR_CLIENT, {**late, "book_anyway": "on"})
    assert booked.status_code == 302
    assert Booking.objects.get().starts_at == datetime(2030, 6, 12, 18, tzinfo=UTC)


def test_the_studio_can_never_double_book_even_when_booking_anyway(headshot_with_maya, owner, anna):
    session_type, maya = headshot_with_maya
    BookingFactory(
        client=anna,
        session_type=session_type,
        photographer=maya,
        starts_at=datetime(2030, 6, 12, 9, tzinfo=UTC),
    )
    response = owner.post(
        BOOK_FOR_CLIENT, phone_form(session_type, maya, time="10:30", book_anyway="on")
    )
    assert "Maya Lind already has a session" in response.content.decode()
    assert Booking.objects.count() == 1
    assert not Booking.objects.filter(client__email="walter@example.com").exists()


def test_a_booking_needs_a_client(headshot_with_maya, owner):
    session_type, maya = headshot_with_maya
    response = owner.post(
        BOOK_FOR_CLIENT, phone_form(session_type, maya, new_client_name="", new_client_email="")
    )
    assert "Choose an existing client" in response.content.decode()


def test_clients_and_visitors_cannot_book_for_others(client, studio, anna):
    response = client.get(BOOK_FOR_CLIENT)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
