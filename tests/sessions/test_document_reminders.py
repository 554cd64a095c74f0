"""Reminders of documents still to sign: a nudge some days after they were sent, one the
day before the sign-by time; never at night, never twice, never after the sign-by time or
once signed."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from sessions.documents.emails import documents_email_send
from sessions.documents.reminders import document_reminder_send, document_reminders_scan
from sessions.documents.services import booking_documents_issue
from sessions.models import Booking, DocumentEvent
from sessions.tasks import reminders_scan_task
from studio.models import EmailTemplate, SentEmail
from tests.factories import BookingFactory
from tests.payment_fixtures import PAY_NOW, PAY_TEN
from tests.sessions.test_documents import sign

pytestmark = pytest.mark.django_db

# Sent Monday 1 June 09:00 London; session Wednesday 10 June 10:00; sign by Monday 8 June
# 10:00 (48 hours before); nudge Wednesday 3 June 09:00; last reminder Sunday 7 June 10:00.
NUDGE = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)
LAST = datetime(2026, 6, 7, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 6, 8, 9, 0, tzinfo=UTC)


@pytest.fixture
def booking(signing_portrait, anna, studio) -> Booking:
    with time_machine.travel(PAY_NOW, tick=False):
        booking = BookingFactory(
            client=anna,
            session_type=signing_portrait,
            photographer=signing_portrait.photographers.first(),
            starts_at=PAY_TEN,
            status=Booking.Status.CONFIRMED,
        )
        with transaction.atomic():
            booking_documents_issue(booking=booking)
        ids = list(booking.documents.values_list("pk", flat=True))
        documents_email_send(booking_id=booking.pk, document_ids=ids)
    return booking


def scan_at(moment: datetime, run_tasks) -> int:
    """Beat's scan at `moment`, its tasks run by the worker then; how many it queued."""
    with time_machine.travel(moment, tick=False), run_tasks():
        return document_reminders_scan()


def reminders_sent() -> list[str]:
    return list(
        SentEmail.objects.filter(kind="documents-reminder")
        .order_by("pk")
        .values_list("key", flat=True)
    )


def test_a_nudge_goes_days_after_sending_and_once_more_the_day_before_the_sign_by_time(
    booking, run_tasks, mailoutbox
):
    mailoutbox.clear()
    assert scan_at(NUDGE - timedelta(minutes=5), run_tasks) == 0
    assert scan_at(NUDGE + timedelta(minutes=5), run_tasks) == 1
    assert scan_at(NUDGE + timedelta(minutes=10), run_tasks) == 0  # sent: once only
    (nudge,) = mailoutbox
    assert (
        nudge.subject
        == "A reminder: still to sign for your Portrait session on Wednesday 10 June, 10:00"
    )
    assert "Please sign by Monday 8 June, 10:00" in nudge.body
    assert booking.documents.get(kind="contract").reference in nudge.body
    assert scan_at(LAST - timedelta(minutes=5), run_tasks) == 0
    assert scan_at(LAST + timedelta(minutes=5), run_tasks) == 1
    assert mailoutbox[1].subject == "Please sign by Monday 8 June, 10:00: your Portrait session"
    assert scan_at(LAST + timedelta(hours=2), run_tasks) == 0
    assert reminders_sent() == [
        f"booking:{booking.pk}:documents-nudge",
        f"booking:{booking.pk}:documents-last:{int(PAY_TEN.timestamp())}",
    ]
    reminded = DocumentEvent.objects.filter(kind=DocumentEvent.Kind.REMINDED)
    assert reminded.count() == 4  # two documents, two reminders


def test_nothing_goes_at_night_it_waits_for_the_morning(booking, run_tasks, studio):
    # Sent at 22:00 on Monday (London), nudged a day later: 22:00 on Tuesday is night.
    DocumentEvent.objects.filter(kind="sent").update(at=datetime(2026, 6, 1, 21, 0, tzinfo=UTC))
    studio.documents_nudge_days = 1
    studio.save()
    assert scan_at(datetime(2026, 6, 2, 21, 30, tzinfo=UTC), run_tasks) == 0  # 22:30
    assert scan_at(datetime(2026, 6, 3, 6, 59, tzinfo=UTC), run_tasks) == 0  # 07:59
    assert scan_at(datetime(2026, 6, 3, 7, 1, tzinfo=UTC), run_tasks) == 1  # 08:01
    assert reminders_sent() == [f"booking:{booking.pk}:documents-nudge"]


def test_reminders_stop_at_the_sign_by_time(booking, run_tasks, mailoutbox):
    mailoutbox.clear()
    # No worker ran for a week: after the sign-by time nothing goes.
    assert scan_at(DUE + timedelta(minutes=1), run_tasks) == 0
    # Just before it, only the later of the two overdue reminders goes.
    assert scan_at(DUE - timedelta(hours=1), run_tasks) == 1
    assert reminders_sent() == [f"booking:{booking.pk}:documents-last:{int(PAY_TEN.timestamp())}"]


def test_signing_the_required_documents_stops_the_reminders(booking, run_tasks, mailoutbox):
    with time_machine.travel(NUDGE - timedelta(days=1), tick=False):
        sign(booking.documents.get(kind="contract"))
    mailoutbox.clear()
    assert scan_at(NUDGE + timedelta(minutes=5), run_tasks) == 0
    assert scan_at(LAST + timedelta(minutes=5), run_tasks) == 0
    assert mailoutbox == []


def test_a_reminder_queued_then_overtaken_by_a_signature_is_not_sent(booking, mailoutbox):
    mailoutbox.clear()
    key = f"booking:{booking.pk}:documents-nudge"
    with time_machine.travel(NUDGE + timedelta(minutes=5), tick=False):
        sign(booking.documents.get(kind="contract"))
        assert document_reminder_send(booking_id=booking.pk, key=key) is False
    assert mailoutbox == []


def test_a_cancelled_booking_or_zero_days_or_the_email_off_means_no_nudge(
    booking, run_tasks, studio
):
    studio.documents_nudge_days = 0
    studio.save()
    assert scan_at(NUDGE + timedelta(minutes=5), run_tasks) == 0
    assert scan_at(LAST + timedelta(minutes=5), run_tasks) == 1  # the last one still goes
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    SentEmail.objects.all().delete()
    assert scan_at(LAST + timedelta(minutes=10), run_tasks) == 0
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.REQUESTED)
    EmailTemplate.objects.create(kind="documents-reminder", enabled=False)
    assert scan_at(LAST + timedelta(minutes=15), run_tasks) == 0


def test_a_requested_booking_is_reminded_too(booking, run_tasks):
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.REQUESTED)
    assert scan_at(NUDGE + timedelta(minutes=5), run_tasks) == 1
    assert reminders_sent() == [f"booking:{booking.pk}:documents-nudge"]


def test_beats_reminder_task_runs_the_documents_scan(booking, run_tasks):
    with time_machine.travel(NUDGE + timedelta(minutes=5), tick=False), run_tasks():
        assert reminders_scan_task() == 1
    assert reminders_sent() == [f"booking:{booking.pk}:documents-nudge"]
