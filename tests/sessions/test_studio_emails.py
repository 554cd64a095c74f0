"""The studio hears of new bookings and requests (not the ones it made), cancellations and
questionnaires sent: once each, with a link to the booking."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail

from sessions.booking_changes import booking_cancel
from sessions.models import Booking, Questionnaire, QuestionnaireResponse
from sessions.services import booking_email_enqueue
from sessions.studio_emails import studio_email_send
from tests.factories import BookingFactory, SessionTypeFactory

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def to_studio():
    return [m for m in mail.outbox if m.to == ["Lumen Portraits <hello@lumen.example>"]]


def test_new_bookings_requests_and_cancellations_reach_the_studio_once(studio, anna, run_tasks):
    booking = BookingFactory(
        client=anna, starts_at=TEN, session_type=SessionTypeFactory(name="Portrait")
    )
    with run_tasks():
        booking_email_enqueue(booking, kind="confirmed")
        booking_email_enqueue(booking, kind="confirmed")  # queued twice: sent once
    [new] = to_studio()
    assert (
        new.subject == "New booking: Portrait session for Anna Kowalska, Wednesday 10 June, 10:00"
    )
    assert f"/admin/shoots/booking/{booking.pk}/change/" in new.body
    with run_tasks():
        booking_cancel(booking_id=booking.pk, by_client=True)
    assert [m.subject for m in to_studio()][1] == (
        "Cancelled: Portrait session for Anna Kowalska, Wednesday 10 June, 10:00"
    )
    requested = BookingFactory(starts_at=TEN, status=Booking.Status.REQUESTED)
    with run_tasks():
        booking_email_enqueue(requested, kind="requested")
    assert to_studio()[-1].subject.startswith("Request to approve:")


def test_bookings_the_studio_made_itself_are_not_announced_to_it(studio, anna, run_tasks):
    booking = BookingFactory(client=anna, starts_at=TEN, created_by_staff=True)
    with run_tasks():
        booking_email_enqueue(booking, kind="confirmed")
    assert to_studio() == []
    assert len(mail.outbox) == 1  # the client still hears


def test_a_sent_questionnaire_is_announced(studio, anna):
    booking = BookingFactory(client=anna, starts_at=TEN)
    questionnaire = Questionnaire.objects.create(name="Wardrobe")
    response = QuestionnaireResponse.objects.create(
        booking=booking, questionnaire=questionnaire, questionnaire_name="Wardrobe", status="draft"
    )
    assert (
        studio_email_send(booking_id=booking.pk, kind="questionnaire", response_id=response.pk)
        is False
    )
    QuestionnaireResponse.objects.filter(pk=response.pk).update(status="submitted")
    assert studio_email_send(booking_id=booking.pk, kind="questionnaire", response_id=response.pk)
    assert (
        studio_email_send(booking_id=booking.pk, kind="questionnaire", response_id=response.pk)
        is False
    )
    [note] = to_studio()
    assert note.subject.startswith("Questionnaire in: Anna Kowalska")


def test_the_studio_hears_once_of_each_move_a_client_makes(studio, anna, run_tasks):
    from datetime import time, timedelta
    from zoneinfo import ZoneInfo

    from sessions.booking_changes import booking_reschedule
    from sessions.models import AvailabilityRule
    from tests.factories import PhotographerFactory

    maya = PhotographerFactory(display_name="Maya Lind")
    AvailabilityRule.objects.create(
        photographer=maya, weekday=2, start_time=time(9), end_time=time(17)
    )
    portrait = SessionTypeFactory(name="Portrait", photographers=[maya])
    booking = BookingFactory(client=anna, session_type=portrait, photographer=maya, starts_at=TEN)
    london = ZoneInfo("Europe/London")
    with run_tasks():
        booking_reschedule(
            booking_id=booking.pk, starts_at=TEN + timedelta(hours=2), tz=london, by_client=True
        )
    [moved] = to_studio()
    assert (
        moved.subject == "Moved: Portrait session for Anna Kowalska, now Wednesday 10 June, 12:00"
    )
    assert (
        f"Anna Kowalska moved their Portrait session with Maya Lind ({booking.reference}) from "
        "Wednesday 10 June, 10:00 to Wednesday 10 June, 12:00." in moved.body
    )
    assert studio_email_send(booking_id=booking.pk, kind="moved", sequence=1) is False  # again
    with run_tasks():  # the studio moving it itself needs no telling
        booking_reschedule(
            booking_id=booking.pk, starts_at=TEN + timedelta(hours=4), tz=london, by_client=False
        )
    assert len(to_studio()) == 1
