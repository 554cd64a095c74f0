"""Is this the document we signed? A public check: a PDF (its bytes) or a reference, and
the answer whether it matches the record — signed by whom, when, still in force — with
nothing else from the record."""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from sessions.documents.seal import SealCheck, pdf_seal_check
from sessions.documents.sealing import seal_directory
from sessions.models import Document, DocumentFile

REFERENCE = re.compile(r"^DOC-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$")


@dataclass(frozen=True)
class Verdict:
    """What the page says. `good`: the PDF or reference matches a signed record in force."""

    good: bool
    headline: str
    title: str = ""
    reference: str = ""
    signed_by: str = ""
    signed_at: datetime | None = None
    countersigned_by: str = ""
    countersigned_at: datetime | None = None
    voided_at: datetime | None = None
    stage: str = ""
    later_copy: bool = False  # a newer sealed copy exists (countersigned, redacted)
    seal: SealCheck | None = None


def reference_clean(text: str) -> str:
    """ "doc-ab12 cd34-ef56 " -> "DOC-AB12-CD34-EF56"; "" when it can't be a reference."""
    letters = re.sub(r"[^A-Za-z0-9]", "", text or "").upper()
    letters = letters.removeprefix("DOC")
    if len(letters) != 12:
        return ""
    return "DOC-" + "-".join(letters[i : i + 4] for i in range(0, 12, 4))


def _from_record(document: Document, *, headline: str, good: bool, **more) -> Verdict:
    return Verdict(
        good=good and document.status == Document.Status.SIGNED,
        headline=headline
        if document.status == Document.Status.SIGNED
        else _("This document was signed, then withdrawn by the studio: it no longer applies."),
        title=document.title,
        reference=document.reference,
        signed_by=document.signed_name,
        signed_at=document.signed_at,
        countersigned_by=document.countersigned_name,
        countersigned_at=document.countersigned_at,
        voided_at=document.voided_at,
        **more,
    )


def verify_reference(text: str) -> Verdict:
    reference = reference_clean(text)
    document = (
        Document.objects.filter(reference=reference).exclude(status=Document.Status.PENDING).first()
        if reference
        else None
    )
    if document is None or document.signed_at is None:
        return Verdict(
            good=False,
            headline=_(
                "No signed document has this reference. Please check it against the PDF "
                "(it is at the foot of every page, like DOC-ACDE-FGHJ-KMNP)."
            ),
        )
    return _from_record(
        document, good=True, headline=_("This reference belongs to a signed document.")
    )


def verify_pdf(data: bytes) -> Verdict:
    """A PDF matches the record when its SHA-256 is one Sitting sealed; its seal is checked
    too, so a changed copy says it was changed."""
    seal = pdf_seal_check(data, directory=seal_directory())
    digest = hashlib.sha256(data).hexdigest()
    sealed = DocumentFile.objects.select_related("document").filter(sha256=digest).first()
    if sealed is None:
        if seal.problem:
            headline = seal.problem
        elif seal.ours:
            headline = _("This PDF carries this studio's seal, but it matches no record here.")
        else:
            headline = _("This PDF matches no document signed here.")
        return Verdict(good=False, headline=headline, seal=seal)
    document = sealed.document
    later = document.files.filter(pk__gt=sealed.pk).exists()
    return _from_record(
        document,
        good=seal.intact and seal.ours,
        headline=_("This PDF is exactly the one sealed when the document was signed.")
        if seal.intact and seal.ours
        else (seal.problem or _("The seal of this PDF could not be confirmed.")),
        stage=sealed.get_stage_display(),
        later_copy=later,
        seal=seal,
    )
