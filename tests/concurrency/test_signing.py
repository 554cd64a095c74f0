"""Two "Sign" requests for one document at the same moment (a double click on two devices):
one signature, the other refused, on SQLite and PostgreSQL alike."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from sessions.documents.services import (
    DocumentRefused,
    SignatureGiven,
    document_pending_text,
    document_sign,
)
from sessions.models import Booking, Document, DocumentEvent
from sessions.services import booking_create
from tests.payment_fixtures import LONDON, PAY_NOW, PAY_TEN

ROUNDS = 4


@pytest.mark.django_db(transaction=True)
@time_machine.travel(PAY_NOW, tick=False)
def test_signing_one_document_twice_at_once_makes_one_signature(signing_portrait, anna, studio):
    signing_portrait.deposit = 0  # the signature alone confirms it
    signing_portrait.save()
    for n in range(ROUNDS):
        booking = booking_create(
            client=anna,
            session_type=signing_portrait,
            starts_at=PAY_TEN + timedelta(hours=n * 2),
            tz=LONDON,
        )
        document = booking.documents.get(kind="contract")
        shown = document_pending_text(document).text.sha256
        start = threading.Barrier(2)
        outcomes: list[str] = []

        def attempt(
            name, document=document, booking=booking, shown=shown, start=start, outcomes=outcomes
        ):
            try:
                start.wait()
                document_sign(
                    document_id=document.pk,
                    booking=booking,
                    given=SignatureGiven(shown_sha256=shown, signed_name=name, agreed=True),
                    ip="198.51.100.7",
                    user_agent="Racer",
                )
                outcomes.append("signed")
            except DocumentRefused as refused:
                outcomes.append(refused.message)
            except BaseException as error:  # a deadlock or a 500 in the making
                outcomes.append(repr(error))
            finally:
                connection.close()

        threads = [
            threading.Thread(target=attempt, args=(name,))
            for name in ("Anna Kowalska", "anna kowalska")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["This document is already signed. Thank you!", "signed"]
        document.refresh_from_db()
        assert document.status == Document.Status.SIGNED
        assert document.events.filter(kind=DocumentEvent.Kind.SIGNED).count() == 1
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CONFIRMED
