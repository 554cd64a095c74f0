"""The studio's document buttons pressed twice at the same moment (a double click, two
people at two desks): one document sent, one voided with one new copy, on SQLite and
PostgreSQL alike."""

from datetime import UTC, datetime

import pytest
import time_machine

from sessions.documents.admin_services import booking_documents_send_by_staff
from sessions.documents.services import document_issue, document_void
from sessions.models import Document
from tests.concurrency.races import at_once
from tests.factories import BookingFactory

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)
SOON = datetime(2026, 6, 10, 9, tzinfo=UTC)


def twice_at_once(press) -> list[str]:
    return at_once(press, press)


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_sending_one_document_twice_at_once_issues_it_once(studio, anna, adult_release):
    booking = BookingFactory(client=anna, starts_at=SOON)
    outcomes = twice_at_once(
        lambda: booking_documents_send_by_staff(
            booking_id=booking.pk, template=adult_release, required=False, person_name="Ola"
        )
    )
    assert outcomes == ["This booking already has “Model release” for Ola. Void it first.", "done"]
    assert booking.documents.count() == 1


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_voiding_twice_at_once_voids_once_with_one_new_copy(studio, anna, contract):
    booking = BookingFactory(client=anna, starts_at=SOON)
    document = document_issue(booking=booking, template=contract, required=True)
    outcomes = twice_at_once(
        lambda: document_void(document_id=document.pk, reason="Wrong date", reissue=True)
    )
    assert outcomes == ["This document is already void.", "done"]
    assert booking.documents.filter(status=Document.Status.PENDING).count() == 1
    assert document.events.filter(kind="voided").count() == 1
