"""The seal on a signed document's PDF: a PAdES B-B signature by this installation's certificate.

The certificate is made on first use (self-signed, ECDSA P-256, ten years) and kept beside the
studio's data, or the studio names its own through DOCUMENT_SEAL_KEY_FILE and
DOCUMENT_SEAL_CERT_FILE. Sealing and checking touch no network: no timestamp server, no
revocation look-up. Plain values in and out; no models.
"""

import datetime as dt
import io
import logging
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.translation import gettext
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

log = logging.getLogger(__name__)

FIELD_NAME = "SittingSeal"
# Key and certificate live together in this folder, which appears in one rename, so a
# reader never finds one without the other and two first uses at once keep one pair.
ACTIVE = "active"
KEY_FILE = "key.pem"
CERT_FILE = "cert.pem"
VALID_FOR = dt.timedelta(days=3652)


@dataclass(frozen=True)
class SealCheck:
    intact: bool
    signed_by: str = ""
    signed_at: dt.datetime | None = None
    ours: bool = False
    problem: str = ""


def _configured_paths() -> tuple[Path, Path] | None:
    key = getattr(settings, "DOCUMENT_SEAL_KEY_FILE", "")
    cert = getattr(settings, "DOCUMENT_SEAL_CERT_FILE", "")
    return (Path(key), Path(cert)) if key and cert else None


def seal_certificate_paths(*, directory: Path) -> tuple[Path, Path]:
    """Where the key and the certificate are (the studio's own if configured); may not exist."""
    return _configured_paths() or (directory / ACTIVE / KEY_FILE, directory / ACTIVE / CERT_FILE)


def _load(key_path: Path, cert_path: Path):
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return key, cert


def _new_pair(studio_name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    # A common name may be at most 64 characters.
    common_name = (studio_name.strip() or "Sitting")[:45] + " document seal"
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _create(directory: Path, studio_name: str) -> None:
    """Make a pair in a private folder of its own, then rename it into place once."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = directory / f".new-{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700)
    try:
        key, cert = _new_pair(studio_name)
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor = os.open(staging / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key_pem)
            os.fsync(handle.fileno())
        (staging / CERT_FILE).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        # Fails when another process's folder is already in place (not empty): theirs stays.
        os.rename(staging, directory / ACTIVE)
    except OSError:
        if not (directory / ACTIVE / CERT_FILE).exists():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def seal_certificate_load_or_create(*, directory: Path, studio_name: str):
    """The (private key, certificate) that seal this installation's PDFs, as cryptography
    objects: the studio's configured pair, else the one in `directory`, made on first use."""
    key_path, cert_path = seal_certificate_paths(directory=directory)
    if _configured_paths() is None and not cert_path.exists():
        _create(directory, studio_name)
    for _attempt in range(50):
        try:
            return _load(key_path, cert_path)
        except FileNotFoundError:
            # Only while another process's rename is landing; give it a moment.
            time.sleep(0.05)
    return _load(key_path, cert_path)


def _signer(key, cert) -> signers.SimpleSigner:
    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert_asn1 = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    return signers.SimpleSigner(
        signing_cert=cert_asn1,
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([cert_asn1]),
    )


def pdf_seal(pdf: bytes, *, reason: str, location: str, directory: Path, studio_name: str) -> bytes:
    """The PDF with an invisible PAdES B-B seal in the field SittingSeal, added as an
    incremental update so the bytes before it are the document as rendered."""
    key, cert = seal_certificate_load_or_create(directory=directory, studio_name=studio_name)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=reason,
        location=location,
        name=studio_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    # Room for the signature said up front, or pyHanko signs twice to measure it.
    out = signers.sign_pdf(writer, metadata, signer=_signer(key, cert), bytes_reserved=8192)
    return out.getvalue()


def _our_certificate(directory: Path):
    _key_path, cert_path = seal_certificate_paths(directory=directory)
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError):
        return None
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _problem(status, ours: bool) -> str:
    if not status.intact or not status.valid:
        return gettext("This PDF has been changed since it was sealed.")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return gettext(
            "Something was added to this PDF after it was sealed, so what you see may not be "
            "what was sealed."
        )
    if not ours:
        return gettext("This PDF was sealed, but not by this studio's certificate.")
    return ""


def _common_name(cert) -> str:
    subject = cert.subject
    return str(subject.native.get("common_name") or subject.human_friendly)


def _check(pdf: bytes, directory: Path) -> SealCheck:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    seals = reader.embedded_signatures
    if not seals:
        return SealCheck(intact=False, problem=gettext("This PDF has no seal."))
    seal = next((sig for sig in seals if sig.field_name == FIELD_NAME), seals[-1])
    ours_cert = _our_certificate(directory)
    context = ValidationContext(
        trust_roots=[ours_cert] if ours_cert else [],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    status = validate_pdf_signature(seal, context, skip_diff=True)
    ours = bool(ours_cert) and status.signing_cert.sha256 == ours_cert.sha256
    problem = _problem(status, ours)
    intact = (
        status.intact and status.valid and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    )
    return SealCheck(
        intact=intact,
        signed_by=_common_name(status.signing_cert),
        signed_at=status.signer_reported_dt,
        ours=ours,
        problem=problem,
    )


def pdf_seal_check(pdf: bytes, *, directory: Path) -> SealCheck:
    """Whether `pdf` carries an intact seal, whose, and from when. Never raises: anything
    that cannot be read is a SealCheck whose problem says so for a person."""
    if pdf.lstrip()[:5] != b"%PDF-":
        return SealCheck(intact=False, problem=gettext("This file is not a PDF we can read."))
    try:
        return _check(pdf, directory)
    except Exception:  # a damaged file fails inside pyHanko in many different ways
        log.info("A PDF's seal could not be read", exc_info=True)
        return SealCheck(intact=False, problem=gettext("This file is not a PDF we can read."))
