"""The client's page in the admin lists everything they were asked to sign (title, booking,
when signed, status, reference) and what each session's model releases allow now: their own
documents only, for staff who may see documents, in a constant number of queries."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions.documents.services import document_issue
from sessions.models import Document, DocumentTemplate
from tests.document_fixtures import ALL, MONDAY, release
from tests.factories import BookingFactory, UserFactory

pytestmark = pytest.mark.django_db


def page_of(client, person) -> str:
    return client.get(reverse("admin:clients_client_change", args=[person.pk])).content.decode()


def section(page: str) -> str:
    """The section's text, tags out, spaces squeezed."""
    found = re.search(r'<h2 id="documents">(.*?)</table>', page, re.S)
    assert found, "no documents section"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


@pytest.fixture
def annas(studio, anna, contract, adult_release):
    """Anna's signed contract and two releases (the newer allows less), a void one, and a
    second session whose contract waits to be signed."""
    booking = BookingFactory(client=anna, starts_at=MONDAY + timedelta(days=20), reference="K7Q4")
    signed = document_issue(booking=booking, template=contract, required=True)
    Document.objects.filter(pk=signed.pk).update(
        status=Document.Status.SIGNED,
        version=contract.versions.first(),
        title="Portrait session agreement",
        text_sha256="b" * 64,
        signed_name="Anna Kowalska",
        signed_at=MONDAY,
    )
    release(booking, adult_release, allows=ALL, at=MONDAY)
    newer = release(booking, adult_release, allows=["portfolio"], at=MONDAY + timedelta(days=1))
    void = release(booking, adult_release, allows=ALL, status=Document.Status.VOIDED)
    Document.objects.filter(pk=void.pk).update(void_reason="Wrong session")
    later = BookingFactory(client=anna, starts_at=MONDAY + timedelta(days=60), reference="M3P9")
    waiting = document_issue(booking=later, template=contract, required=True)
    return {"signed": signed, "newer": newer, "void": void, "waiting": waiting}


@pytest.fixture
def owner(client, staff_user):
    client.force_login(staff_user)
    return client


def test_the_client_page_lists_what_they_signed_and_what_the_releases_allow(owner, anna, annas):
    page = page_of(owner, anna)
    text = section(page)

    assert text.startswith("Documents and model releases")
    assert "K7Q4 · 24 May 2026 · " in text
    assert "✓ May use: portfolio" in text  # the newest release, not the first
    assert "M3P9" in text
    for document in annas.values():
        assert document.reference in text
        evidence = reverse("admin:shoots_document_change", args=[document.pk])
        assert f'href="{evidence}"' in page
    assert "Portrait session agreement Signed by Anna Kowalska" in text
    assert "4 May 2026, 11:00 Signed" in text  # in the studio's time: London, summer
    assert "✓ Yes : portfolio ✕ No : social" in text
    assert "Void: Wrong session" in text
    assert "Waiting to be signed" in text


def test_another_clients_documents_never_appear(owner, anna, ben, annas, adult_release):
    theirs = release(BookingFactory(client=ben, reference="BEN1"), adult_release, allows=ALL)

    annas_page = section(page_of(owner, anna))
    bens_page = section(page_of(owner, ben))

    assert theirs.reference not in annas_page
    assert "BEN1" not in annas_page
    assert theirs.reference in bens_page
    assert "May use: portfolio, social media, print advertising, competitions" in bens_page
    assert not any(document.reference in bens_page for document in annas.values())


def test_a_client_with_nothing_to_sign_is_told_so(owner, ben, studio):
    text = section(page_of(owner, ben))

    assert "Nothing to sign yet." in text
    assert "May use" not in text


def test_view_only_staff_see_the_section_and_staff_who_may_not_see_documents_do_not(
    client, anna, annas
):
    viewer = UserFactory(username="assistant", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    clients_only = UserFactory(username="front-desk", is_staff=True)
    clients_only.user_permissions.set(Permission.objects.filter(codename="view_client"))
    bare = UserFactory(username="bare", is_staff=True)

    client.force_login(viewer)
    assert annas["signed"].reference in section(page_of(client, anna))

    client.force_login(clients_only)
    page = page_of(client, anna)
    assert "Anna Kowalska" in page
    assert 'id="documents"' not in page
    assert annas["signed"].reference not in page

    client.force_login(bare)
    assert client.get(reverse("admin:clients_client_change", args=[anna.pk])).status_code == 403


def test_the_section_takes_the_same_queries_however_many_documents(
    owner, anna, annas, contract, adult_release, django_assert_num_queries
):
    page_of(owner, anna)
    with CaptureQueriesContext(connection) as few:
        page_of(owner, anna)
    for n in range(6):
        booking = BookingFactory(client=anna, starts_at=MONDAY + timedelta(days=70 + n))
        document_issue(booking=booking, template=contract, required=True)
        release(booking, adult_release, allows=["social"])
        release(booking, adult_release, allows=ALL, person=f"Adult {n}")

    with django_assert_num_queries(len(few.captured_queries)):
        text = section(page_of(owner, anna))

    assert text.count("✓ May use: social media") == 6
    assert Document.objects.filter(kind=DocumentTemplate.Kind.RELEASE).count() == 15
