"""Two "Sign" requests for one document at the same moment (a double click on two devices):
one signature, the other refused, on SQLite and PostgreSQL alike."""

from datetime import timedelta

import pytest
import time_machine

from sessions.documents.services import (
    SignatureGiven,
    document_pending_text,
    document_sign,
)
from sessions.models import Booking, Document, DocumentEvent
from sessions.services import booking_create
from tests.concurrency.races import at_once
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
        presses = [
            lambda name=name, document=document, booking=booking, shown=shown: document_sign(
                document_id=document.pk,
                booking=booking,
                given=SignatureGiven(shown_sha256=shown, signed_name=name, agreed=True),
                ip="198.51.100.7",
                user_agent="Racer",
            )
            for name in ("Anna Kowalska", "anna kowalska")
        ]
        outcomes = ["signed" if outcome == "done" else outcome for outcome in at_once(*presses)]
        assert sorted(outcomes) == ["This document is already signed. Thank you!", "signed"]
        document.refresh_from_db()
        assert document.status == Document.Status.SIGNED
        assert document.events.filter(kind=DocumentEvent.Kind.SIGNED).count() == 1
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CONFIRMED
