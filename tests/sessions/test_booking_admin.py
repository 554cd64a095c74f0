from datetime import UTC, datetime, timedelta

import pytest
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
    assert callbacks[0].keywords["kwargs"] == {"booking_id": request.pk, "kind": "confirmed"}


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
