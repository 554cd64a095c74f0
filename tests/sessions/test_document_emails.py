"""Emails about contracts and model releases: the links to sign, once per set; the sealed
PDF attached, to the client and the studio, once per file; each in the audit trail."""

import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image

from sessions.access import booking_token
from sessions.documents.emails import document_pdf_emails_send, documents_email_send
from sessions.documents.services import booking_documents_issue, documents_send
from sessions.models import Booking, Document, DocumentEvent, DocumentFile
from studio.models import EmailTemplate, SentEmail
from tests.factories import BookingFactory
from tests.payment_fixtures import PAY_TEN
from tests.sessions.test_documents import sign

pytestmark = pytest.mark.django_db


def small_pdf(colour: str = "#8a5a44", title: str = "Sealed") -> bytes:
    """A real one-page PDF, made by Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), colour).save(buffer, "PDF", title=title)
    return buffer.getvalue()


@pytest.fixture
def booking(signing_portrait, anna, pay_clock) -> Booking:
    """Anna's confirmed portrait on 10 June, its agreement and release waiting."""
    booking = BookingFactory(
        client=anna,
        session_type=signing_portrait,
        photographer=signing_portrait.photographers.first(),
        starts_at=PAY_TEN,
        status=Booking.Status.CONFIRMED,
    )
    with transaction.atomic():
        booking_documents_issue(booking=booking)
    return booking


def waiting_ids(booking: Booking) -> list[int]:
    return sorted(booking.documents.filter(status="pending").values_list("pk", flat=True))


def sealed(document: Document, stage: str = DocumentFile.Stage.SIGNED) -> DocumentFile:
    colours = {"signed": "#8a5a44", "countersigned": "#224466", "redacted": "#446622"}
    content = small_pdf(colours[stage], title=f"{document.reference} {stage}")
    return DocumentFile.objects.create(
        document=document,
        stage=stage,
        file=ContentFile(content, name=f"{document.reference}-{stage}.pdf"),
        sha256=hashlib.sha256(content).hexdigest(),
    )


# Links to sign ---------------------------------------------------------------------------


def test_the_client_gets_one_email_listing_each_document_with_its_link(booking, mailoutbox):
    ids = waiting_ids(booking)
    assert documents_email_send(booking_id=booking.pk, document_ids=ids) is True
    (email,) = mailoutbox
    assert email.to == ["Anna Kowalska <anna@example.com>"]
    assert (
        email.subject == "2 documents to sign for your Portrait session on Wednesday 10 June, 10:00"
    )
    token = booking_token(booking)
    contract, release = booking.documents.order_by("-required", "kind")
    for document in (contract, release):
        assert f"/booking/{token}/documents/{document.reference}/" in email.body
    assert "Portrait session agreement (required)" in email.body
    assert "Model release (optional)" in email.body
    assert "Those marked required need your signature before the session" in email.body
    # The button opens the first: the required agreement.
    button = email.body.split("Read and sign:\n")[1].split("\n")[0]
    assert button.endswith(f"/documents/{contract.reference}/")
    html = email.alternatives[0][0]
    assert "Read and sign" in html
    assert contract.reference in html
    assert set(
        DocumentEvent.objects.filter(kind=DocumentEvent.Kind.SENT).values_list(
            "document_id", flat=True
        )
    ) == set(ids)


def test_the_same_set_is_sent_once(booking, mailoutbox):
    ids = waiting_ids(booking)
    assert documents_email_send(booking_id=booking.pk, document_ids=ids) is True
    assert documents_email_send(booking_id=booking.pk, document_ids=list(reversed(ids))) is False
    assert len(mailoutbox) == 1
    assert DocumentEvent.objects.filter(kind=DocumentEvent.Kind.SENT).count() == 2
    logged = SentEmail.objects.get()
    assert logged.kind == "documents-to-sign"
    # The log keeps the links without their private token, like every booking link.
    assert booking_token(booking) not in logged.text_body
    assert "/documents/" in logged.text_body


def test_documents_no_longer_waiting_are_left_out_and_none_sends_nothing(booking, mailoutbox):
    ids = waiting_ids(booking)
    contract = booking.documents.get(kind="contract")
    sign(contract)
    assert documents_email_send(booking_id=booking.pk, document_ids=ids) is True
    assert contract.reference not in mailoutbox[0].body
    assert mailoutbox[0].subject.startswith("A document to sign for your Portrait session")
    assert "Those marked required" not in mailoutbox[0].body  # only the optional release
    assert not DocumentEvent.objects.filter(document=contract, kind="sent").exists()
    assert documents_email_send(booking_id=booking.pk, document_ids=[contract.pk]) is False
    assert len(mailoutbox) == 1


def test_a_cancelled_booking_gets_no_documents_email(booking, mailoutbox):
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    assert documents_email_send(booking_id=booking.pk, document_ids=waiting_ids(booking)) is False
    assert mailoutbox == []


def test_documents_send_queues_the_email_by_name_after_commit(booking, run_tasks, mailoutbox):
    with run_tasks():
        documents_send(booking=booking)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject.startswith("2 documents to sign")
    assert DocumentEvent.objects.filter(kind="sent").count() == 2


def test_the_studio_can_turn_the_documents_email_off(booking, mailoutbox):
    EmailTemplate.objects.create(kind="documents-to-sign", enabled=False)
    assert documents_email_send(booking_id=booking.pk, document_ids=waiting_ids(booking)) is False
    assert mailoutbox == []
    assert not DocumentEvent.objects.filter(kind="sent").exists()


# The sealed PDF ---------------------------------------------------------------------------


def test_the_sealed_pdf_reaches_the_client_and_the_studio_attached_once(booking, mailoutbox):
    contract = sign(booking.documents.get(kind="contract"))
    file = sealed(contract)
    pdf = file.file.open("rb").read()
    document_pdf_emails_send(document_id=contract.pk, file_id=file.pk)
    document_pdf_emails_send(document_id=contract.pk, file_id=file.pk)  # a retry: nothing more
    assert len(mailoutbox) == 2
    to_client, to_studio = mailoutbox
    assert to_client.to == ["Anna Kowalska <anna@example.com>"]
    assert to_client.subject == "Your signed copy of “Portrait session agreement”"
    assert "Signed by Anna Kowalska on" in to_client.body
    assert contract.reference in to_client.body
    assert to_studio.to == ["Lumen Portraits <hello@lumen.example>"]
    assert to_studio.subject.startswith("Signed: “Portrait session agreement” by Anna Kowalska")
    assert f"/admin/shoots/booking/{booking.pk}/change/" in to_studio.body
    for email in (to_client, to_studio):
        ((name, content, mimetype),) = email.attachments
        assert name == f"portrait-session-agreement-{contract.reference}.pdf"
        assert mimetype == "application/pdf"
        assert content == pdf
        assert content.startswith(b"%PDF")
    # The log keeps the attachment by name, and the audit trail says who was sent it.
    logged = SentEmail.objects.get(kind="document-signed")
    assert [a["filename"] for a in logged.attachments] == [name]
    assert SentEmail.objects.filter(kind="studio-document-signed").count() == 1
    assert list(
        contract.events.filter(kind=DocumentEvent.Kind.EMAILED).values_list("detail", flat=True)
    ) == ["anna@example.com", "hello@lumen.example"]


def test_a_countersigned_document_reaches_the_client_only_when_final(booking, contract, mailoutbox):
    contract.studio_countersigns = True
    contract.save()
    document = sign(booking.documents.get(kind="contract"))
    first = sealed(document)
    document_pdf_emails_send(document_id=document.pk, file_id=first.pk)
    (to_studio,) = mailoutbox
    assert "waiting for your countersignature" in to_studio.body
    final = sealed(document, stage=DocumentFile.Stage.COUNTERSIGNED)
    document_pdf_emails_send(document_id=document.pk, file_id=final.pk)
    assert len(mailoutbox) == 3
    to_client = mailoutbox[1]
    assert to_client.to == ["Anna Kowalska <anna@example.com>"]
    assert to_client.subject == "Your copy of “Portrait session agreement”, signed by both of us"
    assert to_client.attachments[0][0].endswith("-countersigned.pdf")
    assert to_client.attachments[0][1] == final.file.open("rb").read()


def test_a_voided_or_redacted_pdf_is_not_emailed(booking, mailoutbox):
    contract = sign(booking.documents.get(kind="contract"))
    redacted = sealed(contract, stage=DocumentFile.Stage.REDACTED)
    document_pdf_emails_send(document_id=contract.pk, file_id=redacted.pk)
    file = sealed(contract)
    Document.objects.filter(pk=contract.pk).update(status=Document.Status.VOIDED)
    document_pdf_emails_send(document_id=contract.pk, file_id=file.pk)
    # Another document's id with this file: not found.
    release = booking.documents.get(kind="release")
    document_pdf_emails_send(document_id=release.pk, file_id=file.pk)
    assert mailoutbox == []
    assert not DocumentEvent.objects.filter(kind="emailed").exists()
