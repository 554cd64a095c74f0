"""Send again never tells a client something no longer true: an email about coming to a
session (with its calendar invite) is refused once the booking is cancelled; the
cancellation itself, and emails to a booking still on, go again."""

import pytest
from django.core import mail
from django.urls import reverse

from sessions.booking_changes import booking_cancel
from sessions.emails import booking_email_send
from studio.models import SentEmail
from tests.factories import BookingFactory


@pytest.fixture
def owner(client, staff_user):
    client.force_login(staff_user)
    return client


def send_again(owner, email, capture):
    with capture(execute=True):
        return owner.post(
            reverse("admin:studio_sentemail_send_again", args=[email.pk]), follow=True
        )


def test_a_cancelled_bookings_confirmation_is_not_sent_again(
    owner, anna, studio, eager_tasks, django_capture_on_commit_callbacks
):
    booking = BookingFactory(client=anna)
    booking_email_send(booking_id=booking.pk, kind="confirmed")
    confirmed = SentEmail.objects.get(kind="booking-confirmed")
    sent = len(mail.outbox)
    again = send_again(owner, confirmed, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == sent + 1  # while the session is on, it goes again

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking_id=booking.pk, by_client=False)
    sent = len(mail.outbox)
    refused = send_again(owner, confirmed, django_capture_on_commit_callbacks)
    page = refused.content.decode().replace("&#x27;", "'")
    assert f"booking {booking.reference} is cancelled now" in page
    assert "would tell the client something no longer true" in page
    assert len(mail.outbox) == sent
    assert SentEmail.objects.filter(resend_of=confirmed).count() == 1  # only the first
    # The cancellation itself is still true: it goes again.
    cancelled = SentEmail.objects.get(kind="booking-cancelled")
    send_again(owner, cancelled, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == sent + 1
    assert again.status_code == 200


def test_the_confirmation_of_a_time_the_booking_has_moved_from_is_not_sent_again(
    owner, anna, studio, eager_tasks, django_capture_on_commit_callbacks
):
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from sessions.booking_changes import booking_reschedule

    booking = BookingFactory(client=anna)
    booking_email_send(booking_id=booking.pk, kind="confirmed")
    confirmed = SentEmail.objects.get(kind="booking-confirmed")
    with django_capture_on_commit_callbacks(execute=True):
        booking_reschedule(
            booking_id=booking.pk,
            starts_at=booking.starts_at + timedelta(minutes=30),
            tz=ZoneInfo("Europe/London"),
            by_client=False,
            outside_rules=True,
        )
    sent = len(mail.outbox)
    refused = send_again(owner, confirmed, django_capture_on_commit_callbacks)
    page = refused.content.decode().replace("&#x27;", "'")
    assert f"booking {booking.reference} has moved or changed since" in page
    assert len(mail.outbox) == sent  # the old time never goes again
    moved = SentEmail.objects.get(kind="booking-rescheduled")
    send_again(owner, moved, django_capture_on_commit_callbacks)  # the new time: still true
    assert len(mail.outbox) == sent + 1


def test_a_booking_email_counts_what_was_paid_against_the_discounted_total(anna, studio):
    from tests.payment_fixtures import PAY_NOW, payment_received

    unpaid, paid = (
        BookingFactory(client=anna, price=15000, discount=2500, deposit=5000) for _n in range(2)
    )
    payment_received(paid, amount=5000, paid_at=PAY_NOW)
    booking_email_send(booking_id=unpaid.pk, kind="confirmed")
    assert "Deposit: £50.00 of £125.00" in mail.outbox[-1].body
    booking_email_send(booking_id=paid.pk, kind="confirmed")
    assert "Paid: £50.00 of £125.00" in mail.outbox[-1].body
