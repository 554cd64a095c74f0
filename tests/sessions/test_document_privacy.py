"""A client's documents in their data export, and in an erasure: signed contracts kept as
a legal record without the drawn signature, the PDFs showing it deleted and sealed again
without it, documents still waiting withdrawn; another client's untouched."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image

from clients.models import PrivacyRecord
from sessions.documents.services import booking_documents_issue, document_sign
from sessions.models import Booking, Document, DocumentEvent, DocumentFile
from studio.background import _send_after_commit
from studio.models import QueuedTask
from tests.factories import BookingFactory
from tests.sessions.test_document_emails import sealed
from tests.sessions.test_documents import given_for
from workspace.privacy import client_data, client_data_export, client_erase

pytestmark = pytest.mark.django_db

SIGNED_AT = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def drawing() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 100), (0, 0, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def past_booking(client, session_type) -> Booking:
    """A session on 10 June whose documents were issued and the agreement signed (with a
    drawing) on 1 June; the release left waiting."""
    with time_machine.travel(SIGNED_AT, tick=False):
        booking = BookingFactory(
            client=client,
            session_type=session_type,
            photographer=session_type.photographers.first(),
            starts_at=datetime(2026, 6, 10, 9, 0, tzinfo=UTC),
            status=Booking.Status.CONFIRMED,
        )
        with transaction.atomic():
            booking_documents_issue(booking=booking)
        contract = booking.documents.get(kind="contract")
        document_sign(
            document_id=contract.pk,
            booking=booking,
            given=given_for(contract, drawn_png=drawing()),
            ip="203.0.113.9",
            user_agent="Firefox on a phone",
        )
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.COMPLETED)
    return booking


@pytest.fixture
def annas(signing_portrait, anna) -> Booking:
    return past_booking(anna, signing_portrait)


@pytest.fixture
def bens(signing_portrait, ben) -> Booking:
    return past_booking(ben, signing_portrait)


def test_the_export_holds_each_document_with_its_evidence_and_trail(
    annas, staff_user, django_assert_max_num_queries
):
    contract = annas.documents.get(kind="contract")
    file = sealed(contract)
    with django_assert_max_num_queries(20):
        data = client_data(client=annas.client)
    by_kind = {document["kind"]: document for document in data["documents"]}
    signed = by_kind["contract"]
    assert signed["title"] == "Portrait session agreement"
    assert signed["status"] == "signed"
    assert signed["booking"] == annas.reference
    assert "What we agree" in signed["text_signed"]
    assert signed["text_sha256"] == contract.text_sha256
    assert (signed["signed_name"], signed["signed_email"]) == ("Anna Kowalska", "anna@example.com")
    assert signed["signed_ip"] == "203.0.113.9"
    assert signed["signed_user_agent"] == "Firefox on a phone"
    assert signed["drawn_signature"] is True
    assert "sign this document electronically" in signed["consent"]
    assert [event["what"] for event in signed["audit_trail"]] == ["issued", "signed"]
    assert signed["sealed_pdfs"] == [
        {
            "stage": "signed",
            "file_name": file.file.name.rsplit("/", 1)[-1],
            "sha256": file.sha256,
            "made_at": file.created_at,
        }
    ]
    assert by_kind["release"]["status"] == "pending"
    assert by_kind["release"]["release_choices"] == []
    exported = json.loads(client_data_export(client=annas.client, by=staff_user))
    assert len(exported["documents"]) == 2


def test_a_signed_release_exports_its_choices(signing_portrait, anna):
    booking = past_booking(anna, signing_portrait)
    release = booking.documents.get(kind="release")
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CONFIRMED)
    document_sign(
        document_id=release.pk,
        booking=booking,
        given=given_for(release, usages={"portfolio": True, "social": False}),
        ip=None,
        user_agent="",
    )
    [exported] = [d for d in client_data(client=anna)["documents"] if d["kind"] == "release"]
    choices = {choice["use"]: choice["allowed"] for choice in exported["release_choices"]}
    assert choices == {
        "portfolio": True,
        "social": False,
        "advertising": False,
        "competitions": False,
    }


def test_erasure_keeps_the_contract_without_the_drawing_and_withdraws_what_waits(
    annas, bens, staff_user, django_capture_on_commit_callbacks
):
    contract = annas.documents.get(kind="contract")
    file = sealed(contract)
    path = file.file.name
    bens_contract = bens.documents.get(kind="contract")
    bens_file = sealed(bens_contract, stage=DocumentFile.Stage.COUNTERSIGNED)
    QueuedTask.objects.all().delete()
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks() as committed,
    ):
        record = client_erase(client_id=annas.client_id, by=staff_user)
    assert default_storage.exists(path)  # deleted only once committed
    for callback in committed:  # as the commit would, but leaving the broker out of it
        if getattr(callback, "func", None) is not _send_after_commit:
            callback()
    assert not default_storage.exists(path)
    contract.refresh_from_db()
    assert contract.status == Document.Status.SIGNED  # the legal record stays
    assert contract.drawn_signature is None
    assert contract.signed_name == "Anna Kowalska"
    assert contract.text_sha256
    assert contract.erased_at == NOW
    file.refresh_from_db()
    assert file.file.name == ""
    assert file.sha256  # a copy the client holds can still be checked
    erased_event = contract.events.get(kind=DocumentEvent.Kind.ERASED)
    assert "Drawn signature removed." in erased_event.detail
    assert "signed" in erased_event.detail
    # A copy without the drawing is sealed again.
    [reseal] = QueuedTask.objects.filter(name="sessions.tasks.document_seal_task")
    assert reseal.kwargs == {"document_id": contract.pk, "stage": "redacted"}
    release = annas.documents.get(kind="release")
    assert release.status == Document.Status.VOIDED
    assert release.void_reason == "Client's data erased"
    assert release.events.filter(kind="voided", detail="Client's data erased").exists()
    assert (
        "Signed contracts are kept as a legal record; drawn signatures were removed."
        in record.summary
    )
    assert "Documents not yet signed were withdrawn: 1." in record.summary
    assert record.kind == PrivacyRecord.Kind.ERASURE
    # Ben's documents are untouched.
    bens_contract.refresh_from_db()
    assert bens_contract.drawn_signature is not None
    assert bens_contract.erased_at is None
    assert default_storage.exists(DocumentFile.objects.get(pk=bens_file.pk).file.name)
    assert bens.documents.get(kind="release").status == Document.Status.PENDING


def test_an_erasure_without_a_drawing_seals_nothing_again(anna, signing_portrait, staff_user):
    booking = past_booking(anna, signing_portrait)
    Document.objects.filter(booking=booking).update(drawn_signature=None)
    QueuedTask.objects.all().delete()
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        record = client_erase(client_id=anna.pk, by=staff_user)
    assert not QueuedTask.objects.filter(name="sessions.tasks.document_seal_task").exists()
    assert "Signed contracts are kept as a legal record." in record.summary
    assert "drawn signatures were removed" not in record.summary
