"""A booking's documents in the admin: the section on its page, its buttons (send for
signing, send the link again, countersign, void), the sealed PDF for staff, and the
read-only list of documents with each one's evidence."""

import html
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse

from sessions.documents.services import (
    SignatureGiven,
    booking_documents_issue,
    document_pending_text,
    document_sign,
)
from sessions.models import Booking, Document, DocumentEvent, DocumentFile, DocumentTemplate
from studio.actors import CLIENT, ActorKind, acting_as
from studio.models import QueuedTask
from tests.factories import BookingFactory, UserFactory

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)
SOON = datetime(2026, 6, 10, 9, tzinfo=UTC)  # 10:00 in London


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def booking(studio, signing_portrait, anna) -> Booking:
    """Anna's confirmed portrait, with the agreement to sign and the release offered."""
    booking = BookingFactory(
        client=anna, session_type=signing_portrait, starts_at=SOON, booked_as="Anna Kowalska"
    )
    with transaction.atomic():
        booking_documents_issue(booking=booking)
    return booking


def staff(username: str, *codenames: str, superuser: bool = False):
    user = UserFactory(
        username=username,
        first_name=username.title(),
        last_name="Lind",
        is_staff=True,
        is_superuser=superuser,
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def owner(client, studio):
    user = staff("maya", superuser=True)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def viewer(client, studio):
    """An assistant who may look at bookings and documents, and change nothing."""
    client.force_login(staff("vera", "view_booking", "view_document"))
    return client


def sign(document: Document, **given) -> Document:
    fields = {
        "shown_sha256": document_pending_text(document).text.sha256,
        "signed_name": "Anna Kowalska",
        "agreed": True,
    }
    with acting_as(CLIENT):
        return document_sign(
            document_id=document.pk,
            booking=document.booking,
            given=SignatureGiven(**(fields | given)),
            ip="203.0.113.9",
            user_agent="Test browser",
        )


def sealed(document: Document) -> DocumentFile:
    return DocumentFile.objects.create(
        document=document,
        stage=DocumentFile.Stage.SIGNED,
        file=ContentFile(b"%PDF-1.7 sealed", name=f"{document.reference}.pdf"),
        sha256=f"{document.pk:064d}",
    )


def page_of(booking: Booking) -> str:
    return reverse("admin:shoots_booking_change", args=[booking.pk])


def url(name: str, booking: Booking, document: Document | None = None) -> str:
    args = [booking.pk] if document is None else [booking.pk, document.pk]
    return reverse(f"admin:shoots_booking_{name}", args=args)


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def queued(kind: str = "sessions.tasks.documents_email_send_task") -> list[dict]:
    return [task.kwargs for task in QueuedTask.objects.filter(name=kind).order_by("pk")]


# The section ------------------------------------------------------------------------------


def test_the_booking_page_shows_each_document_its_signer_choices_and_trail(
    owner, booking, django_assert_max_num_queries
):
    contract = booking.documents.get(kind="contract")
    release = booking.documents.get(kind="release")
    sign(contract, signed_name="Jan Kowalski", on_behalf_of="her assistant")
    sign(release, usages={"portfolio": True, "social": False})
    sealed(contract)
    for _n in range(10):  # a long trail costs no more queries
        DocumentEvent.objects.create(document=release, kind=DocumentEvent.Kind.OPENED)
    # The page as before (24 for this booking), plus the documents, their choices, PDFs,
    # trails and the templates one may send.
    with django_assert_max_num_queries(29):
        response = owner.get(page_of(booking))
    page = text(response)
    assert "Portrait session agreement" in page
    assert "Model release" in page
    assert (
        "Signed by <strong>Jan Kowalski</strong> on 1 Jun 2026, 10:00 · signing as her assistant"
        in page
    )
    assert "required" in page
    assert "offered" in page
    assert "The studio's portfolio and website: <strong>yes</strong>" in page
    assert "The studio's social media: no" in page
    assert url("document_pdf", booking, contract) in page
    assert url("document_pdf", booking, release) not in page  # not sealed yet
    assert '10:00</time>: Signed (Jan Kowalski) <span class="story-actor">· by the client' in page
    assert "Send for signing" in page
    assert reverse("admin:shoots_document_change", args=[contract.pk]) in page


def test_staff_who_may_not_see_documents_see_no_section(client, booking):
    client.force_login(staff("bo", "view_booking"))
    page = text(client.get(page_of(booking)))
    assert "Portrait session agreement" not in page
    assert 'id="documents"' not in page


def test_view_only_staff_see_the_documents_but_no_buttons_and_their_posts_change_nothing(
    viewer, booking
):
    contract = booking.documents.get(kind="contract")
    page = text(viewer.get(page_of(booking)))
    assert "Portrait session agreement" in page
    assert "Send for signing" not in page
    assert "Void this document" not in page
    events = DocumentEvent.objects.count()
    for name, data, document in [
        ("documents_send", {}, None),
        ("documents_send", {"again": "1", "seen": "1"}, None),
        ("document_void", {"reason": "typo", "reissue": "on"}, contract),
        ("document_countersign", {}, contract),
    ]:
        assert viewer.post(url(name, booking, document), data).status_code == 403, name
    contract.refresh_from_db()
    assert contract.status == Document.Status.PENDING
    assert (DocumentEvent.objects.count(), queued()) == (events, [])


# Sending ------------------------------------------------------------------------------------


def test_send_for_signing_issues_what_the_session_lacks_and_emails_the_link(owner, booking):
    booking.documents.update(status=Document.Status.VOIDED)
    response = owner.post(url("documents_send", booking), {"template": ""}, follow=True)
    assert "Sent for signing: Portrait session agreement, Model release" in text(response)
    waiting = booking.documents.filter(status=Document.Status.PENDING)
    assert waiting.count() == 2
    issued = DocumentEvent.objects.filter(document__in=waiting, kind="issued")
    assert {(e.actor, e.actor_user_id) for e in issued} == {(ActorKind.STAFF, owner.user.pk)}
    ids = sorted(document.pk for document in waiting)
    assert queued() == [{"booking_id": booking.pk, "document_ids": ids}]
    # Again: nothing is missing, so nothing is issued twice.
    response = owner.post(url("documents_send", booking), {"template": ""}, follow=True)
    assert "already has every document its session asks for" in text(response)
    assert booking.documents.filter(status=Document.Status.PENDING).count() == 2


def test_a_chosen_document_is_sent_once_per_person(owner, booking, minor_release):
    data = {"template": minor_release.pk, "person_name": "Zosia Kowalska", "required": "on"}
    owner.post(url("documents_send", booking), data)
    response = owner.post(url("documents_send", booking), data, follow=True)
    assert "already has “Model release for a child” for Zosia Kowalska" in text(response)
    child = booking.documents.get(template=minor_release)
    assert (child.person_name, child.required) == ("Zosia Kowalska", True)
    owner.post(url("documents_send", booking), {**data, "person_name": "Kuba Kowalski"})
    assert booking.documents.filter(template=minor_release).count() == 2


def test_an_inactive_template_or_an_ended_booking_is_refused_kindly(owner, booking, contract):
    DocumentTemplate.objects.filter(pk=contract.pk).update(is_active=False)
    response = owner.post(url("documents_send", booking), {"template": contract.pk}, follow=True)
    assert "Select a valid choice." in text(response)  # the form's own choices leave it out
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    response = owner.post(url("documents_send", booking), {"template": ""}, follow=True)
    assert "no longer active" in text(response)
    assert booking.documents.count() == 2


def test_send_the_link_again_emails_once_per_page_it_was_pressed_on(owner, booking):
    data = {"again": "1", "seen": "41"}
    owner.post(url("documents_send", booking), data)
    owner.post(url("documents_send", booking), data)  # a double click
    again = [kwargs for kwargs in queued() if kwargs.get("again")]
    assert (
        again
        == [
            {
                "booking_id": booking.pk,
                "document_ids": sorted(booking.documents.values_list("pk", flat=True)),
                "again": "41",
            }
        ]
        * 2
    )  # queued twice, keyed the same: sent once (below)
    from sessions.documents.emails import documents_email_send

    assert documents_email_send(**again[0]) is True
    assert documents_email_send(**again[1]) is False


# Countersigning and voiding ------------------------------------------------------------------


def test_countersigning_needs_the_clients_signature_and_a_template_that_asks(owner, booking):
    contract = booking.documents.get(kind="contract")
    DocumentTemplate.objects.filter(pk=contract.template_id).update(studio_countersigns=True)
    response = owner.post(url("document_countersign", booking, contract), follow=True)
    assert "Only a signed document can be countersigned." in text(response)
    sign(contract)
    page = text(owner.get(page_of(booking)))
    assert "Countersign as Maya Lind" in page
    response = owner.post(url("document_countersign", booking, contract), follow=True)
    assert "Countersigned." in text(response)
    contract.refresh_from_db()
    assert (contract.countersigned_by, contract.countersigned_name) == (owner.user, "Maya Lind")
    event = contract.events.get(kind="countersigned")
    assert (event.actor, event.actor_user_id) == (ActorKind.STAFF, owner.user.pk)
    response = owner.post(url("document_countersign", booking, contract), follow=True)
    assert "already countersigned" in text(response)
    assert contract.events.filter(kind="countersigned").count() == 1


def test_a_template_that_does_not_ask_is_never_countersigned(owner, booking):
    release = sign(booking.documents.get(kind="release"))
    response = owner.post(url("document_countersign", booking, release), follow=True)
    assert "doesn't ask for the studio's signature" in text(response)
    release.refresh_from_db()
    assert release.countersigned_at is None


def test_voiding_keeps_the_record_and_can_send_a_new_copy_once(owner, booking):
    contract = sign(booking.documents.get(kind="contract"))
    data = {"reason": "Wrong date", "reissue": "on"}
    response = owner.post(url("document_void", booking, contract), data, follow=True)
    assert "Voided. A new copy is sent to the client to sign." in text(response)
    response = owner.post(url("document_void", booking, contract), data, follow=True)
    assert "already void" in text(response)
    contract.refresh_from_db()
    assert (contract.status, contract.void_reason) == (Document.Status.VOIDED, "Wrong date")
    new = Document.objects.get(replaces=contract)
    assert new.status == Document.Status.PENDING
    assert booking.documents.filter(kind="contract").count() == 2
    event = contract.events.get(kind="voided")
    assert (event.actor_user_id, event.detail) == (owner.user.pk, "Wrong date")
    assert queued()[-1]["document_ids"] == sorted(
        booking.documents.filter(status="pending").values_list("pk", flat=True)
    )


def test_a_document_voided_unsigned_keeps_the_version_it_was_at(owner, booking):
    from sessions.documents.services import document_template_save

    contract = booking.documents.get(kind="contract")
    owner.post(url("document_void", booking, contract), {"reason": "Not needed"})
    template = contract.template
    template.name = "Portrait session agreement 2027"
    template.body += "\n\nA new paragraph."
    document_template_save(template=template)
    contract.refresh_from_db()
    assert (contract.version.number, contract.title) == (1, "Portrait session agreement")
    page = text(owner.get(reverse("admin:shoots_booking_change", args=[booking.pk])))
    row = re.search(rf'id="document-{contract.pk}-title">(.*?)</section>', page, re.S).group(1)
    assert row.startswith("Portrait session agreement<")
    assert "version 1" in row


def test_voiding_needs_a_reason(owner, booking):
    contract = booking.documents.get(kind="contract")
    response = owner.post(url("document_void", booking, contract), {"reason": ""}, follow=True)
    assert "This field is required." in text(response)
    contract.refresh_from_db()
    assert contract.status == Document.Status.PENDING


# The PDF and other bookings ----------------------------------------------------------------


def test_the_staff_pdf_is_shown_and_its_download_recorded_with_who(owner, booking):
    contract = sign(booking.documents.get(kind="contract"))
    sealed(contract)
    response = owner.get(url("document_pdf", booking, contract))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == b"%PDF-1.7 sealed"
    assert "no-store" in response["Cache-Control"]
    event = contract.events.get(kind="downloaded")
    assert (event.actor, event.actor_user_id) == (ActorKind.STAFF, owner.user.pk)


def test_a_document_without_a_pdf_is_404_and_records_nothing(owner, booking):
    contract = booking.documents.get(kind="contract")
    assert owner.get(url("document_pdf", booking, contract)).status_code == 404
    assert not contract.events.filter(kind="downloaded").exists()


def test_another_bookings_document_in_the_address_is_404(owner, booking, anna):
    other = BookingFactory(client=anna, session_type=booking.session_type, starts_at=NOW)
    contract = sign(booking.documents.get(kind="contract"))
    sealed(contract)
    for name, method, data in [
        ("document_pdf", "get", {}),
        ("document_void", "post", {"reason": "mine now"}),
        ("document_countersign", "post", {}),
    ]:
        response = getattr(owner, method)(url(name, other, contract), data)
        assert response.status_code == 404, name
    contract.refresh_from_db()
    assert contract.status == Document.Status.SIGNED
    assert not contract.events.filter(kind__in=["downloaded", "voided"]).exists()


def test_the_buttons_answer_only_posts(owner, booking):
    contract = booking.documents.get(kind="contract")
    assert owner.get(url("documents_send", booking)).status_code == 405
    assert owner.get(url("document_void", booking, contract)).status_code == 405
    assert owner.get(url("document_countersign", booking, contract)).status_code == 405


# The list and the evidence ---------------------------------------------------------------------


def test_the_document_list_filters_and_searches(owner, booking, django_assert_max_num_queries):
    sign(booking.documents.get(kind="contract"))
    for n in range(10):
        other = BookingFactory(
            session_type=booking.session_type, starts_at=SOON, reference=f"X{n:05d}"
        )
        with transaction.atomic():
            booking_documents_issue(booking=other)
    changelist = reverse("admin:shoots_document_changelist")
    with django_assert_max_num_queries(10):
        response = owner.get(changelist)
    assert response.status_code == 200
    page = text(response)
    assert page.count("Portrait session agreement") >= 11
    signed = text(owner.get(changelist, {"status__exact": "signed"}))
    assert signed.count('class="field-reference"') == 1
    found = text(owner.get(changelist, {"q": "anna@example.com"}))
    assert found.count('class="field-reference"') == 2
    reference = booking.documents.get(kind="release").reference
    assert text(owner.get(changelist, {"q": reference})).count('class="field-reference"') == 1
    releases = text(owner.get(changelist, {"kind__exact": "release"}))
    assert releases.count('class="field-reference"') == 11


def test_the_evidence_page_shows_what_proves_the_signature(
    owner, booking, django_assert_max_num_queries
):
    release = sign(
        booking.documents.get(kind="release"), usages={"portfolio": True, "advertising": False}
    )
    sealed(release)
    for _n in range(10):  # a long trail costs no more queries
        DocumentEvent.objects.create(document=release, kind=DocumentEvent.Kind.OPENED)
    with django_assert_max_num_queries(12):
        response = owner.get(reverse("admin:shoots_document_change", args=[release.pk]))
    page = text(response)
    for shown in [
        release.reference,
        release.text_sha256,
        "I agree to sign this document electronically.",
        release.consent_version,
        "203.0.113.9",
        "Test browser",
        'Signed (Anna Kowalska) <span class="story-actor">· by the client',
        url("document_pdf", booking, release),
        "The studio's portfolio and website: yes",
        "Print advertising and brochures: no",
    ]:
        assert shown in page, shown
    assert 'name="_save"' not in page


def test_nobody_adds_changes_or_deletes_a_document_in_the_admin(owner, booking):
    contract = booking.documents.get(kind="contract")
    assert owner.get(reverse("admin:shoots_document_add")).status_code == 403
    change = reverse("admin:shoots_document_change", args=[contract.pk])
    assert owner.post(change, {"status": "signed"}).status_code == 403
    delete = reverse("admin:shoots_document_delete", args=[contract.pk])
    assert owner.post(delete, {"post": "yes"}).status_code == 403
    contract.refresh_from_db()
    assert contract.status == Document.Status.PENDING
