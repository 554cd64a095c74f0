"""A signed document's PDF: rendered from plain values, sealed, and checked (no database)."""

import io
import logging
import multiprocessing
import os
import stat
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from PIL import Image, ImageDraw
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from sessions.documents.pdf import document_pdf_render
from sessions.documents.seal import (
    pdf_seal,
    pdf_seal_check,
    seal_certificate_load_or_create,
    seal_certificate_paths,
)

STUDIO = "Lumen Portraits"
CLIENT = 'Zoë <b>&" Łukasz Straße 李明'
CLAUSE = (
    "<h3>{n}. {head}</h3><p>The studio will photograph <strong>{client}</strong> at the time and "
    "place agreed in the booking. If you need to move the session, tell us at least two days "
    "before; we will offer the nearest free times. The deposit holds your time and is kept if "
    "the session is cancelled later than the policy allows, because the studio turned other "
    "clients away for it. Photographs remain the studio's work; you may print and share them "
    "for personal use, and the studio may use them only as the model release allows.</p>"
    "<ul><li>Editing of the chosen photographs</li><li>An online gallery for 60 days</li></ul>"
)
BODY = "".join(
    CLAUSE.format(n=n, head=head, client="Zoë &lt;b&gt;")
    for n, head in enumerate(
        ["Booking", "Fees", "Cancellation", "Usage", "Liability", "Privacy", "Law"], 1
    )
)


def signature_png() -> bytes:
    image = Image.new("RGBA", (600, 160), (255, 255, 255, 0))
    ImageDraw.Draw(image).line(
        [(10, 120), (100, 30), (200, 130), (300, 40), (420, 120), (580, 60)],
        fill=(20, 20, 80, 255),
        width=5,
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def render(**overrides) -> bytes:
    values = {
        "title": "Portrait session agreement",
        "body_html": BODY,
        "studio_name": STUDIO,
        "studio_address": "1 High Street\nLondon N1 1AA",
        "reference": "SIT-7Q4K-2M9X",
        "certificate": [
            ("Signed by", CLIENT),
            ("Email", "zoe@example.com"),
            ("Signed at (UTC)", "2026-12-01 10:04:17"),
            ("IP address", "203.0.113.7"),
            ("User agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)"),
            ("SHA-256 of the signed text", "9f2c" * 16),
            ("Consent", 'I agree to sign electronically (version 1) <script>"'),
            ("Reference", "SIT-7Q4K-2M9X"),
        ],
        "audit": [
            ("2026-12-01 10:00:02", "Sent", "Lumen Portraits"),
            ("2026-12-01 10:03:40", "Opened", CLIENT),
            ("2026-12-01 10:04:17", "Signed", CLIENT),
        ],
        "drawn_signature_png": signature_png(),
    }
    return document_pdf_render(**(values | overrides))


@pytest.fixture(scope="module")
def contract() -> bytes:
    return render()


@pytest.fixture
def seal_dir(tmp_path):
    return tmp_path / "document-seal"


def sealed(pdf: bytes, seal_dir) -> bytes:
    return pdf_seal(
        pdf, reason="Signed agreement", location="London", directory=seal_dir, studio_name=STUDIO
    )


def test_a_three_page_contract_renders_with_the_certificate_last(contract):
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(contract)).pages]

    assert len(pages) == 3
    assert "Portrait session agreement" in pages[0]
    assert STUDIO in pages[0]
    assert f"Signed electronically by {CLIENT}" in " ".join(pages[:2]).replace("\n", " ")
    assert "Signature certificate" in pages[-1]
    assert "Signature certificate" not in " ".join(pages[:-1])
    assert CLIENT in pages[-1]
    assert 'I agree to sign electronically (version 1) <script>"' in pages[-1]
    for number, text in enumerate(pages, 1):
        assert f"SIT-7Q4K-2M9X · Page {number} of 3" in text


def test_markup_in_plain_values_is_shown_as_text(contract):
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(contract)).pages)

    assert "Zoë <b>" in text  # from the sanitised body, entities and all
    assert "<strong>" not in text
    assert "<script>" in text  # the certificate's value, escaped, not executed or dropped


def test_a_logo_and_no_drawn_signature_render(contract):
    logo = io.BytesIO()
    Image.new("RGB", (300, 100), (200, 40, 40)).save(logo, "PNG")

    pdf = render(drawn_signature_png=None, logo_png=logo.getvalue(), signer_name="Zoë Ng")

    text = PdfReader(io.BytesIO(pdf)).pages[1].extract_text()
    assert "Signed electronically by Zoë Ng" in text.replace("\n", " ")


def test_the_document_fetches_nothing(caplog, monkeypatch):
    body = BODY + '<p><img src="http://127.0.0.1:9/x.png"><img src="file:///etc/passwd"></p>'
    # Heard directly, whatever an earlier test did to logging (a dictConfig disables loggers).
    logger = logging.getLogger("xhtml2pdf.files")
    monkeypatch.setattr(logger, "disabled", False)
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.WARNING, logger="xhtml2pdf.files"):
            pdf = render(body_html=body)
    finally:
        logger.removeHandler(caplog.handler)

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 3
    blocked = {r.getMessage() for r in caplog.records if "resource policy" in r.getMessage()}
    assert len(blocked) == 2


def test_the_seal_validates_with_pyhanko(contract, seal_dir):
    pdf = sealed(contract, seal_dir)

    _key, cert = seal_certificate_load_or_create(directory=seal_dir, studio_name=STUDIO)
    trusted = PdfFileReader(io.BytesIO(pdf))
    root = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    (seal,) = trusted.embedded_signatures
    status = validate_pdf_signature(seal, ValidationContext(trust_roots=[root]))
    assert seal.field_name == "SittingSeal"
    assert status.bottom_line
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE

    check = pdf_seal_check(pdf, directory=seal_dir)
    assert check.intact
    assert check.ours
    assert check.problem == ""
    assert check.signed_by == "Lumen Portraits document seal"
    assert abs(check.signed_at - datetime.now(UTC)) < timedelta(minutes=1)


def test_one_changed_byte_breaks_the_seal(contract, seal_dir):
    pdf = bytearray(sealed(contract, seal_dir))
    where = pdf.index(b"Portrait session agreement")  # the document's title, in the info dict
    pdf[where] = ord("p")

    check = pdf_seal_check(bytes(pdf), directory=seal_dir)
    assert not check.intact
    assert check.problem == "This PDF has been changed since it was sealed."
    (seal,) = PdfFileReader(io.BytesIO(bytes(pdf))).embedded_signatures
    assert not validate_pdf_signature(seal, ValidationContext(trust_roots=[])).intact


def test_an_update_appended_after_the_seal_is_reported(contract, seal_dir):
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed(contract, seal_dir)))
    writer.root["/Lang"] = generic.TextStringObject("fr")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)

    check = pdf_seal_check(out.getvalue(), directory=seal_dir)
    assert not check.intact
    assert check.ours
    assert "added to this PDF after it was sealed" in check.problem


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "This file is not a PDF we can read."),
        (os.urandom(4096), "This file is not a PDF we can read."),
        (b"%PDF-1.7\n" + os.urandom(4096), "This file is not a PDF we can read."),
        ("truncated", "This file is not a PDF we can read."),
        ("unsealed", "This PDF has no seal."),
    ],
)
def test_bad_files_give_a_problem_not_an_exception(contract, seal_dir, data, problem):
    if data == "truncated":
        whole = sealed(contract, seal_dir)
        data = whole[: len(whole) * 2 // 3]
    elif data == "unsealed":
        data = contract

    check = pdf_seal_check(data, directory=seal_dir)
    assert not check.intact
    assert check.problem == problem


def test_another_installations_seal_is_intact_but_not_ours(contract, tmp_path):
    pdf = sealed(contract, tmp_path / "elsewhere")

    check = pdf_seal_check(pdf, directory=tmp_path / "here")
    assert check.intact
    assert not check.ours
    assert check.problem == "This PDF was sealed, but not by this studio's certificate."


def fingerprint(cert) -> bytes:
    return cert.fingerprint(hashes.SHA256())


def test_the_certificate_is_made_once_then_reused(seal_dir):
    _key, first = seal_certificate_load_or_create(directory=seal_dir, studio_name=STUDIO)
    _key, again = seal_certificate_load_or_create(directory=seal_dir, studio_name="Renamed")

    assert fingerprint(first) == fingerprint(again)
    key_path, cert_path = seal_certificate_paths(directory=seal_dir)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert first.subject.rfc4514_string() == "CN=Lumen Portraits document seal"
    usage = first.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment
    assert first.not_valid_after_utc - first.not_valid_before_utc > timedelta(days=3650)
    assert x509.load_pem_x509_certificate(cert_path.read_bytes()) == first


def test_a_studio_configured_certificate_is_used(settings, tmp_path):
    _key, made = seal_certificate_load_or_create(directory=tmp_path / "made", studio_name=STUDIO)
    key_path, cert_path = seal_certificate_paths(directory=tmp_path / "made")
    settings.DOCUMENT_SEAL_KEY_FILE = str(key_path)
    settings.DOCUMENT_SEAL_CERT_FILE = str(cert_path)

    _key, used = seal_certificate_load_or_create(directory=tmp_path / "unused", studio_name=STUDIO)

    assert fingerprint(used) == fingerprint(made)
    assert not (tmp_path / "unused").exists()


def create_at_once(directory, barrier) -> bytes:
    barrier.wait()
    _key, cert = seal_certificate_load_or_create(directory=directory, studio_name=STUDIO)
    return fingerprint(cert)


def test_concurrent_first_uses_end_with_one_certificate(seal_dir):
    context = multiprocessing.get_context("fork")
    barrier = context.Manager().Barrier(4)
    with context.Pool(4) as pool:
        prints = pool.starmap(create_at_once, [(seal_dir, barrier)] * 4)

    assert len(set(prints)) == 1
    assert sorted(path.name for path in seal_dir.iterdir()) == ["active"]
    _key, cert = seal_certificate_load_or_create(directory=seal_dir, studio_name=STUDIO)
    assert fingerprint(cert) == prints[0]
