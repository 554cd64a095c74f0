"""Contracts and model releases: versioning templates, issuing a booking's documents,
signing (with its evidence), countersigning and voiding. Every change to a document
writes a line of its audit trail (DocumentEvent), which says who did it (studio.actors).

Locks, in the house order: the booking, then its documents.
"""

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sessions.documents.merge import Rendered, document_facts, document_html, rendered
from sessions.models import (
    Booking,
    Document,
    DocumentEvent,
    DocumentTemplate,
    DocumentTemplateVersion,
    ReleaseChoice,
    SessionType,
    Usage,
)
from studio.background import task_enqueue_on_commit
from studio.selectors import studio_get

# What a signer agrees to by ticking the box; the version is stored with each signature,
# so a change of wording is a new version here.
ELECTRONIC_CONSENT_VERSION = "2026-12-1"
ELECTRONIC_CONSENT = gettext_lazy(
    "I agree to sign this document electronically. My typed name (and my drawn signature, "
    "if I add one) is my signature and has the same effect as signing on paper. I can ask "
    "the studio for a paper copy at any time."
)
# An online booking that needs a signature is held this much longer than one that only pays.
SIGNING_MINUTES = 15
# The booking statuses in which a document can still be signed.
SIGNABLE_STATUSES = (*Booking.ACTIVE_STATUSES, Booking.Status.COMPLETED)


class DocumentRefused(Exception):
    """A document can't be signed, countersigned or voided as asked; `message` says why,
    for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class DocumentChanged(DocumentRefused):
    """The text changed since the signer opened it (the studio edited the template, the
    session moved): they are shown the new text to read."""


@dataclass(frozen=True)
class PendingText:
    """What a waiting document says now: its text and the template version it comes from."""

    text: Rendered
    version: DocumentTemplateVersion


@dataclass
class SignatureGiven:
    """A signer's cleaned answers (sessions.document_forms.SignForm)."""

    shown_sha256: str
    signed_name: str
    agreed: bool
    on_behalf_of: str = ""
    person_name: str = ""
    drawn_png: bytes | None = None
    usages: dict[str, bool] = field(default_factory=dict)


# Templates -------------------------------------------------------------------------------


def _version_fields(template: DocumentTemplate) -> dict:
    return {
        "name": template.name,
        "body": template.body,
        "signer": template.signer,
        "usages": list(template.usages or []),
    }


@transaction.atomic
def document_template_save(*, template: DocumentTemplate) -> DocumentTemplateVersion:
    """Save a template; a new version when its words, signer or uses changed. Documents
    already signed keep the text they were signed with."""
    is_new = template.pk is None
    template.save()
    DocumentTemplate.objects.select_for_update().filter(pk=template.pk).first()
    latest = template.versions.order_by("-number").first()
    wanted = _version_fields(template)
    if latest and not is_new and {name: getattr(latest, name) for name in wanted} == wanted:
        return latest
    number = (latest.number if latest else 0) + 1
    version = DocumentTemplateVersion.objects.create(template=template, number=number, **wanted)
    DocumentTemplate.objects.filter(pk=template.pk).update(version=number)
    template.version = number
    return version


def document_template_retire(*, template_id: int) -> bool:
    """Take a template out of use: session types stop asking for it; documents already
    issued stay as they are. False when it was out of use already."""
    taken_out = DocumentTemplate.objects.filter(pk=template_id, is_active=True).update(
        is_active=False, updated_at=timezone.now()
    )
    return taken_out == 1


def template_version_latest(template: DocumentTemplate) -> DocumentTemplateVersion:
    """The version a waiting document shows; made now for a template saved without one."""
    version = template.versions.order_by("-number").first()
    return version or document_template_save(template=template)


# Issuing ---------------------------------------------------------------------------------


def document_event_record(
    document: Document, kind: str, *, ip: str | None = None, user_agent: str = "", detail=""
) -> DocumentEvent:
    return DocumentEvent.objects.create(
        document=document,
        kind=kind,
        ip=ip or None,
        user_agent=(user_agent or "")[:500],
        detail=str(detail)[:500],
    )


def session_type_requires_signing(session_type: SessionType) -> bool:
    return session_type.document_links.filter(required=True, template__is_active=True).exists()


def document_issue(
    *,
    booking: Booking,
    template: DocumentTemplate,
    required: bool,
    person_name: str = "",
    replaces: Document | None = None,
) -> Document:
    """A new document for the booking's client to sign. Call inside a transaction."""
    document = Document.objects.create(
        booking=booking,
        template=template,
        kind=template.kind,
        required=required,
        person_name=person_name.strip(),
        replaces=replaces,
    )
    document_event_record(
        document,
        DocumentEvent.Kind.ISSUED,
        detail=_("Replaces %(reference)s") % {"reference": replaces.reference} if replaces else "",
    )
    return document


def booking_documents_issue(*, booking: Booking) -> list[Document]:
    """The documents the booking's session type asks for, each once (a second call adds
    only what is missing: a document added to the session type since). Call inside the
    transaction that makes or changes the booking."""
    have = set(
        booking.documents.exclude(status=Document.Status.VOIDED).values_list(
            "template_id", flat=True
        )
    )
    return [
        document_issue(booking=booking, template=link.template, required=link.required)
        for link in booking.session_type.document_links.select_related("template").filter(
            template__is_active=True
        )
        if link.template_id not in have
    ]


def documents_send(*, booking: Booking) -> None:
    """Email the client a link to what is waiting to be signed (after commit, once per set
    of documents)."""
    ids = sorted(
        booking.documents.filter(status=Document.Status.PENDING).values_list("pk", flat=True)
    )
    if ids:
        task_enqueue_on_commit(
            "sessions.tasks.documents_email_send_task", booking_id=booking.pk, document_ids=ids
        )


def documents_outstanding(booking: Booking):
    """The required documents still waiting to be signed."""
    return booking.documents.filter(required=True, status=Document.Status.PENDING)


def documents_in_signing_order(booking: Booking) -> list[Document]:
    """Waiting documents in the order the client is asked: required first."""
    return list(
        booking.documents.filter(status=Document.Status.PENDING)
        .select_related("template")
        .order_by("-required", "kind", "pk")
    )


# Reading ---------------------------------------------------------------------------------


def document_pending_text(document: Document, *, studio=None, person_name: str = "") -> PendingText:
    """A waiting document's text now: the template's latest version filled in with the
    booking's facts, in the studio's time zone (the caller's active zone). A guardian's
    release whose child is not named yet says "the child named below" (never the parent's
    own name) until `person_name`, the name typed when signing, is given."""
    version = template_version_latest(document.template)
    named = person_name or document.person_name
    if not named and document.template.signer == DocumentTemplate.Signer.GUARDIAN:
        named = str(CHILD_NAMED_BELOW)
    facts = document_facts(document.booking, studio or studio_get(), person_name=named)
    return PendingText(
        text=rendered(version.name, document_html(version.body, facts)), version=version
    )


# In a guardian's release before the child's name is typed beneath it.
CHILD_NAMED_BELOW = gettext_lazy("the child named below")


def document_text(document: Document) -> Rendered:
    """What the document says: as signed once signed, else as it would be signed now."""
    if document.status == Document.Status.PENDING:
        return document_pending_text(document).text
    return rendered(document.title, document.text_html)


# Letters that carry no accent to strip, as people type them without one ("Lukasz" for
# "Łukasz"); apostrophes left out and hyphens, dots and dashes made spaces, so a phone's curly
# "O’Neill" is the keyboard's "O'Neill" and "Jean-Luc" is "Jean Luc".
_PLAIN_LETTERS = str.maketrans(
    {
        "ł": "l", "đ": "d", "ø": "o", "ħ": "h", "ı": "i", "ŀ": "l",
        "æ": "ae", "œ": "oe", "þ": "th", "ð": "d",
        "'": "", "’": "", "‘": "", "ʼ": "", "´": "", "`": "", "ʻ": "",
        "-": " ", "‐": " ", "‑": " ", "–": " ", "—": " ", ".": " ",
    }
)  # fmt: skip


def name_key(name: str) -> str:
    """A name as compared: case, accents, apostrophes, hyphens and spacing ignored
    ("José  Núñez" = "jose nunez", "Siobhán O’Neill" = "Siobhan O'Neill", "Łukasz" =
    "Lukasz")."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().translate(_PLAIN_LETTERS).split())


def signer_expected_name(document: Document) -> str:
    """Who should sign: the person a release is about (named on it, else the person
    photographed, as its text names them: "I, Émile …"), or for a contract the name the
    session was booked under. A guardian's release has no one expected. Anyone else signs
    saying on whose behalf."""
    if document.template.signer == DocumentTemplate.Signer.GUARDIAN:
        return ""
    booking = document.booking
    if document.kind == DocumentTemplate.Kind.RELEASE:
        return document.person_name or booking.photographed_name or booking.booked_as_name
    return document.person_name or booking.booked_as_name


# Signing ---------------------------------------------------------------------------------


def _check_signable(document: Document, booking: Booking, *, now: datetime) -> None:
    if document.status == Document.Status.SIGNED:
        raise DocumentRefused(_("This document is already signed. Thank you!"))
    if document.status == Document.Status.VOIDED:
        raise DocumentRefused(
            _("The studio withdrew this document, so it can no longer be signed.")
        )
    if booking.status not in SIGNABLE_STATUSES or (
        booking.status == Booking.Status.HELD and booking.hold_expires_at <= now
    ):
        raise DocumentRefused(
            _("This booking is no longer active, so its documents can't be signed.")
        )


def _check_signer(document: Document, given: SignatureGiven) -> None:
    if not given.agreed:
        raise DocumentRefused(_("Please tick the box to agree to sign electronically."))
    guardian = document.template.signer == DocumentTemplate.Signer.GUARDIAN
    if guardian and not given.on_behalf_of:
        raise DocumentRefused(_("Please say how you are related to the child."))
    if guardian and not (given.person_name or document.person_name):
        raise DocumentRefused(_("Please type the child's full name."))
    expected = signer_expected_name(document)
    if expected and name_key(given.signed_name) != name_key(expected) and not given.on_behalf_of:
        if name_key(expected) != name_key(document.booking.booked_as_name):
            message = _(
                "This release is %(name)s's, so %(name)s signs it. If you are signing for "
                "them, tick “I am signing on behalf of” and say how you are related."
            )
        else:
            message = _(
                "The name you typed isn't the name this session was booked under (%(name)s). "
                "If you are signing for them, tick “I am signing on behalf of” and say how "
                "you are related."
            )
        raise DocumentRefused(message % {"name": expected})


def _choices_record(document: Document, version: DocumentTemplateVersion, usages: dict) -> None:
    labels = dict(Usage.choices)
    ReleaseChoice.objects.bulk_create(
        ReleaseChoice(
            document=document,
            usage=usage,
            label=str(labels[usage]),
            granted=bool(usages.get(usage)),
        )
        for usage in version.usages
        if usage in labels
    )


def document_sign(
    *,
    document_id: int,
    booking: Booking,
    given: SignatureGiven,
    ip: str | None,
    user_agent: str,
    now: datetime | None = None,
) -> Document:
    """Sign a waiting document of `booking` with what the signer typed and saw. Refuses a
    document already signed or void, a booking no longer active, a name that isn't the
    booking's unless signing on someone's behalf, and text that changed since it was shown
    (DocumentChanged). Once the last required document is signed, a booking held only for
    its signature is confirmed. Twice at once: one signature, the other is refused."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        document = (
            Document.objects.select_for_update()
            .select_related("template")
            .get(pk=document_id, booking=booking)
        )
        document.booking = booking
        _check_signable(document, booking, now=now)
        pending = document_pending_text(document)
        if pending.text.sha256 != given.shown_sha256:
            raise DocumentChanged(
                _(
                    "This document changed since you opened it. Please read it again below "
                    "before signing."
                )
            )
        _check_signer(document, given)
        if given.person_name and not document.person_name:
            # What was read said "the child named below": what is signed names them.
            pending = document_pending_text(document, person_name=given.person_name.strip())
        document.status = Document.Status.SIGNED
        document.version = pending.version
        document.title = pending.text.title
        document.text_html = pending.text.html
        document.text_sha256 = pending.text.sha256
        document.signed_name = " ".join(given.signed_name.split())
        document.signed_email = booking.client.email
        document.on_behalf_of = given.on_behalf_of.strip()
        if given.person_name and not document.person_name:
            document.person_name = given.person_name.strip()
        document.drawn_signature = given.drawn_png
        document.consent_text = str(ELECTRONIC_CONSENT)
        document.consent_version = ELECTRONIC_CONSENT_VERSION
        document.signed_at = now
        document.signed_ip = ip or None
        document.signed_user_agent = (user_agent or "")[:500]
        document.save()
        _choices_record(document, pending.version, given.usages)
        document_event_record(
            document,
            DocumentEvent.Kind.SIGNED,
            ip=ip,
            user_agent=user_agent,
            detail=document.signed_name,
        )
        task_enqueue_on_commit(
            "sessions.tasks.document_seal_task", document_id=document.pk, stage="signed"
        )
        if not documents_outstanding(booking).exists():
            _booking_signed_confirm(booking, now=now)
    return document


def _booking_signed_confirm(booking: Booking, *, now: datetime) -> None:
    """A booking held only for its signatures (no deposit to pay online) is confirmed once
    they are in; one with a deposit waits for the payment, as always."""
    from sessions.services import booking_email_enqueue  # it imports us for issuing

    if booking.status != Booking.Status.HELD:
        return
    if booking.deposit and settings.PAYMENTS_ENABLED:
        return
    booking.status = Booking.Status.CONFIRMED
    booking.confirmed_at = now
    booking.hold_expires_at = None
    booking.save(update_fields=["status", "confirmed_at", "hold_expires_at"])
    booking_email_enqueue(booking, kind="confirmed")


def signing_hold(session_type: SessionType, *, now: datetime, hold_minutes: int) -> datetime:
    """When an online booking's hold ends: the payment's time, plus the signing's when the
    session type asks for a signature."""
    extra = SIGNING_MINUTES if session_type_requires_signing(session_type) else 0
    return now + timedelta(minutes=hold_minutes + extra)


# The studio's side ------------------------------------------------------------------------


def document_countersign(*, document_id: int, user, name: str) -> Document:
    """The studio's signature after the client's, by a staff member; seals a new PDF."""
    with transaction.atomic():
        document = (
            Document.objects.select_for_update().select_related("template").get(pk=document_id)
        )
        if document.status != Document.Status.SIGNED:
            raise DocumentRefused(_("Only a signed document can be countersigned."))
        if not document.template.studio_countersigns:
            raise DocumentRefused(_("This document doesn't ask for the studio's signature."))
        if document.countersigned_at:
            raise DocumentRefused(_("This document is already countersigned."))
        document.countersigned_by = user
        document.countersigned_name = " ".join(name.split())
        document.countersigned_at = timezone.now()
        document.save(update_fields=["countersigned_by", "countersigned_name", "countersigned_at"])
        document_event_record(
            document, DocumentEvent.Kind.COUNTERSIGNED, detail=document.countersigned_name
        )
        task_enqueue_on_commit(
            "sessions.tasks.document_seal_task", document_id=document.pk, stage="countersigned"
        )
    return document


def document_void(*, document_id: int, reason: str, reissue: bool = False) -> Document | None:
    """Void a document (signed or not) with a reason; both stay in the record. With
    `reissue`, a new one from the template's latest version replaces it and the client is
    emailed a link to sign. Returns the new document, if any."""
    with transaction.atomic():
        document = (
            Document.objects.select_for_update().select_related("booking").get(pk=document_id)
        )
        if document.status == Document.Status.VOIDED:
            raise DocumentRefused(_("This document is already void."))
        changed = ["status", "voided_at", "void_reason"]
        if document.status == Document.Status.PENDING:
            # What it said when voided stays its record: a later edit of the template makes
            # versions for documents still waiting, not for this one.
            pending = document_pending_text(document)
            document.version, document.title = pending.version, pending.text.title
            changed += ["version", "title"]
        document.status = Document.Status.VOIDED
        document.voided_at = timezone.now()
        document.void_reason = reason.strip()
        document.save(update_fields=changed)
        document_event_record(document, DocumentEvent.Kind.VOIDED, detail=document.void_reason)
        if not reissue:
            return None
        new = document_issue(
            booking=document.booking,
            template=document.template,
            required=document.required,
            person_name=document.person_name,
            replaces=document,
        )
        documents_send(booking=document.booking)
        return new
