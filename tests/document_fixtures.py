"""Fixtures for contracts and model releases: a contract, adult and child releases, a
session type that requires the contract and offers the adult release, and `release` for a
release as signing leaves it."""

from datetime import UTC, datetime

import pytest

from sessions.documents.services import document_template_save
from sessions.models import Document, DocumentTemplate, ReleaseChoice, SessionTypeDocument, Usage

CONTRACT_BODY = """### What we agree

This agreement is between **{studio_name}** and {client_name} for a {session} on {date}
at {time}, with {photographer}. The price is {price}, of which {deposit} is paid now.

### Moving or cancelling

{cancellation_policy}
"""

RELEASE_BODY = """I, {person_name}, allow {studio_name} to use the photographs from my {session}
on {date} as I choose below. I can withdraw this permission for future uses at any time.
"""

MINOR_RELEASE_BODY = """I am the parent or guardian of {person_name} and allow {studio_name} to
use the photographs of them from the {session} on {date} as I choose below.
"""


def template_make(**fields) -> DocumentTemplate:
    template = DocumentTemplate(**fields)
    document_template_save(template=template)
    return template


@pytest.fixture
def contract(db) -> DocumentTemplate:
    return template_make(
        kind=DocumentTemplate.Kind.CONTRACT, name="Portrait session agreement", body=CONTRACT_BODY
    )


@pytest.fixture
def adult_release(db) -> DocumentTemplate:
    return template_make(
        kind=DocumentTemplate.Kind.RELEASE,
        name="Model release",
        body=RELEASE_BODY,
        usages=[usage.value for usage in Usage],
    )


@pytest.fixture
def minor_release(db) -> DocumentTemplate:
    return template_make(
        kind=DocumentTemplate.Kind.RELEASE,
        name="Model release for a child",
        body=MINOR_RELEASE_BODY,
        signer=DocumentTemplate.Signer.GUARDIAN,
        usages=[Usage.PORTFOLIO.value, Usage.SOCIAL.value],
    )


@pytest.fixture
def signing_portrait(portrait, contract, adult_release):
    """The £150 portrait (£50 deposit) requiring the agreement and offering the release."""
    SessionTypeDocument.objects.create(session_type=portrait, template=contract, required=True)
    SessionTypeDocument.objects.create(
        session_type=portrait, template=adult_release, required=False
    )
    return portrait


ALL = [usage.value for usage in Usage]
MONDAY = datetime(2026, 5, 4, 10, tzinfo=UTC)


def release(booking, template, *, allows=(), person="", status="signed", at=MONDAY) -> Document:
    """A release of `booking` as the signing leaves it: each use asked, ticked or not."""
    signed = status != Document.Status.PENDING
    document = Document.objects.create(
        booking=booking,
        template=template,
        kind=DocumentTemplate.Kind.RELEASE,
        required=False,
        person_name=person,
        status=status,
        version=template.versions.first() if signed else None,
        title=template.name,
        text_sha256="a" * 64 if signed else "",
        signed_name=person or booking.booked_as_name,
        signed_at=at if signed else None,
    )
    if signed:
        ReleaseChoice.objects.bulk_create(
            ReleaseChoice(document=document, usage=usage, label=usage, granted=usage in allows)
            for usage in template.versions.first().usages
        )
    return document
