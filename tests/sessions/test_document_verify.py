"""Sealed PDFs of signed documents, and the public page that checks one."""

import io
from email.utils import parseaddr

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from sessions.documents.sealing import document_seal
from sessions.documents.services import document_countersign, document_void
from sessions.documents.verify import reference_clean, verify_pdf
from sessions.models import DocumentFile
from tests.sessions.test_documents import booked, contract_of, sign  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(booked):  # noqa: F811
    document = sign(contract_of(booked), drawn_png=None)
    assert document_seal(document_id=document.pk, stage="signed") is True
    return document


def pdf_of(document, stage="signed") -> bytes:
    sealed = document.files.get(stage=stage)
    with sealed.file.open("rb") as handle:
        return handle.read()


def test_the_sealed_pdf_holds_the_text_the_signature_and_the_certificate(signed):
    data = pdf_of(signed)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    text = "\n".join(pages)
    assert "Portrait session agreement" in text
    assert "Anna Kowalska" in pages[0]
    assert "Signature certificate" in pages[-1]
    assert signed.text_sha256 in text.replace("\n", "").replace(" ", "")
    assert "203.0.113.9" in pages[-1]
    assert signed.reference in pages[0]


def test_sealing_again_makes_nothing_new(signed):
    assert document_seal(document_id=signed.pk, stage="signed") is False
    assert DocumentFile.objects.filter(document=signed).count() == 1


def test_the_client_and_the_studio_get_the_sealed_pdf_by_email(signed, mailoutbox):
    assert len(mailoutbox) == 2
    data = pdf_of(signed)
    assert {parseaddr(message.to[0])[1] for message in mailoutbox} == {
        "anna@example.com",
        "hello@lumen.example",
    }
    for message in mailoutbox:
        (name, content, kind) = message.attachments[0]
        assert kind == "application/pdf"
        assert content == data
        assert name.endswith(".pdf")
    document_seal(document_id=signed.pk, stage="signed")  # a retry sends nothing twice
    assert len(mail.outbox) == 2


def test_a_genuine_pdf_verifies_and_a_changed_byte_does_not(signed):
    data = pdf_of(signed)
    verdict = verify_pdf(data)
    assert verdict.good
    assert verdict.signed_by == "Anna Kowalska"
    assert verdict.reference == signed.reference
    middle = len(data) // 3
    tampered = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
    changed = verify_pdf(tampered)
    assert not changed.good
    assert changed.reference == ""  # nothing from the record for a file that isn't ours
    assert "changed" in changed.headline or "no seal" in changed.headline


def test_the_verification_page_answers_for_a_pdf_a_reference_and_garbage(client, signed):
    url = reverse("sessions:document-verify")
    assert client.get(url).status_code == 200
    genuine = io.BytesIO(pdf_of(signed))
    genuine.name = "contract.pdf"
    page = client.post(url, {"pdf": genuine})
    assert b"exactly the one sealed" in page.content
    assert b"Anna Kowalska" in page.content
    assert b"anna@example.com" not in page.content  # nothing more than who and when
    typed = client.post(url, {"reference": signed.reference.lower().replace("-", " ")})
    assert b"belongs to a signed document" in typed.content
    garbage = io.BytesIO(b"not a pdf at all")
    garbage.name = "x.pdf"
    assert b"not a PDF we can read" in client.post(url, {"pdf": garbage}).content
    assert b"No signed document" in client.post(url, {"reference": "DOC-AAAA-AAAA-AAAA"}).content
    empty = client.post(url, {})
    assert b"Please choose the PDF" in empty.content


def test_a_waiting_document_is_unknown_to_the_page_and_a_void_one_says_so(client, booked):  # noqa: F811
    release = booked.documents.get(kind="release")
    url = reverse("sessions:document-verify")
    assert b"No signed document" in client.post(url, {"reference": release.reference}).content
    document = sign(contract_of(booked))
    document_void(document_id=document.pk, reason="Wrong date")
    page = client.post(url, {"reference": document.reference})
    assert b"withdrawn" in page.content
    assert b"Wrong date" not in page.content


def test_a_countersigned_document_is_sent_once_the_studio_has_signed(
    booked,  # noqa: F811
    contract,
    staff_user,
    mailoutbox,
):
    contract.studio_countersigns = True
    contract.save()
    document = sign(contract_of(booked))
    document_seal(document_id=document.pk, stage="signed")
    assert mailoutbox == []  # not final yet
    document_countersign(document_id=document.pk, user=staff_user, name="Maya Lind")
    document_seal(document_id=document.pk, stage="countersigned")
    assert len(mailoutbox) == 2
    final = pdf_of(document, "countersigned")
    assert "Maya Lind" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(final)).pages)
    earlier = verify_pdf(pdf_of(document, "signed"))
    assert earlier.good
    assert earlier.later_copy


def test_references_are_read_however_they_are_typed():
    assert reference_clean(" doc-acde fghj-kmnp ") == "DOC-ACDE-FGHJ-KMNP"
    assert reference_clean("ACDEFGHJKMNP") == "DOC-ACDE-FGHJ-KMNP"
    assert reference_clean("DOC-ACDE") == ""
