"""Documents outside the signing page: "My sessions" shows what waits for the client's
signature first and what they signed with its PDF; the dashboard lists the sessions still
waiting on a signature, soonest first. Each in a bounded number of queries."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.views import CLIENT_SESSION_KEY
from sessions.access import booking_token
from sessions.documents.services import booking_documents_issue
from sessions.models import Booking, Document, DocumentFile
from tests.factories import BookingFactory, ClientFactory, PhotographerFactory
from tests.sessions.test_document_emails import sealed
from tests.sessions.test_documents import sign

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def booked(client, session_type, starts_at, status=Booking.Status.CONFIRMED, **extra) -> Booking:
    booking = BookingFactory(
        client=client,
        session_type=session_type,
        photographer=PhotographerFactory(),  # one each: no two overlap
        starts_at=starts_at,
        status=status,
        **extra,
    )
    with transaction.atomic():
        booking_documents_issue(booking=booking)
    return booking


def signed_in(client, person):
    session = client.session
    session[CLIENT_SESSION_KEY] = person.pk
    session.save()
    return client


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


# My sessions ------------------------------------------------------------------------------


def test_my_sessions_shows_what_waits_first_then_what_was_signed_with_its_pdf(
    client, anna, ben, signing_portrait, django_assert_max_num_queries
):
    soon = booked(anna, signing_portrait, NOW + timedelta(days=9))
    later = booked(anna, signing_portrait, NOW + timedelta(days=20))
    contract = sign(later.documents.get(kind="contract"))
    file = sealed(contract)
    bens = booked(ben, signing_portrait, NOW + timedelta(days=5))
    signed_in(client, anna)
    with django_assert_max_num_queries(10):
        page = client.get("/my/")
    html = page.content.decode()
    text = text_of(page)
    # Waiting comes before the sessions, required first; Ben's are not shown.
    assert text.index("Waiting for your signature") < text.index("Coming up")
    waiting = html.split('class="list-unstyled mb-0 to-sign"')[1].split("</ul>")[0]
    token = booking_token(soon)
    soon_contract = soon.documents.get(kind="contract")
    assert waiting.index(soon_contract.reference) < waiting.index(
        soon.documents.get(kind="release").reference
    )
    assert reverse("sessions:document-sign", args=[token, soon_contract.reference]) in waiting
    assert "needed before the session" in waiting
    assert "optional: sign it if you wish" in waiting
    assert contract.reference not in waiting
    for document in bens.documents.all():
        assert document.reference not in html
    # Signed, with the PDF's link.
    assert "Documents you signed" in text
    pdf = reverse("sessions:document-pdf", args=[booking_token(later), contract.reference])
    assert pdf in html
    download = client.get(pdf)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == file.file.open("rb").read()


def test_my_sessions_takes_the_same_queries_with_many_documents(
    client, anna, signing_portrait, django_assert_num_queries
):
    booked(anna, signing_portrait, NOW + timedelta(days=3))
    signed_in(client, anna)
    with CaptureQueriesContext(connection) as few:
        client.get("/my/")
    for n in range(8):
        booking = booked(anna, signing_portrait, NOW + timedelta(days=4 + n))
        sealed(sign(booking.documents.get(kind="contract")))
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get("/my/")
    assert text_of(page).count("Download the PDF") == 8


def test_a_void_document_a_past_session_or_an_expired_hold_asks_for_nothing(
    client, anna, signing_portrait
):
    past = booked(anna, signing_portrait, NOW - timedelta(days=3), Booking.Status.COMPLETED)
    cancelled = booked(anna, signing_portrait, NOW + timedelta(days=3), Booking.Status.CANCELLED)
    held = booked(
        anna,
        signing_portrait,
        NOW + timedelta(days=4),
        Booking.Status.HELD,
        hold_expires_at=NOW - timedelta(minutes=1),
    )
    live = booked(anna, signing_portrait, NOW + timedelta(days=6))
    Document.objects.filter(booking=live).update(status=Document.Status.VOIDED)
    page = signed_in(client, anna).get("/my/").content.decode()
    assert "Waiting for your signature" not in page
    for booking in (past, cancelled, held, live):
        for document in booking.documents.all():
            assert document.reference not in page


def test_a_pdf_deleted_on_erasure_is_not_offered(client, anna, signing_portrait):
    booking = booked(anna, signing_portrait, NOW + timedelta(days=9))
    contract = sign(booking.documents.get(kind="contract"))
    file = sealed(contract)
    DocumentFile.objects.filter(pk=file.pk).update(file="")
    page = signed_in(client, anna).get("/my/")
    assert "Download the PDF" not in text_of(page)
    assert "PDF on its way" in text_of(page)
    pdf = reverse("sessions:document-pdf", args=[booking_token(booking), contract.reference])
    response = client.get(pdf)
    assert response.status_code == 302  # to the booking, saying the PDF is being prepared


# The dashboard ----------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, staff_user, studio):
    client.force_login(staff_user)
    return client


def test_the_dashboard_lists_sessions_waiting_on_a_signature_soonest_first(
    admin_client, signing_portrait, studio
):
    later = booked(ClientFactory(name="Cleo Later"), signing_portrait, NOW + timedelta(days=9))
    soon = booked(ClientFactory(name="Dev Soon"), signing_portrait, NOW + timedelta(hours=30))
    requested = booked(
        ClientFactory(name="Eve Asks"),
        signing_portrait,
        NOW + timedelta(days=12),
        Booking.Status.REQUESTED,
    )
    done = booked(ClientFactory(name="Fay Signed"), signing_portrait, NOW + timedelta(days=4))
    sign(done.documents.get(kind="contract"))  # only the optional release waits
    booked(ClientFactory(name="Gus Gone"), signing_portrait, NOW + timedelta(days=5), "cancelled")
    page = admin_client.get("/admin/")
    html = page.content.decode()
    panel = html.split('id="dash-signatures"')[1].split("</section>")[0]
    text = " ".join(re.sub(r"<[^>]+>", " ", panel).split())
    assert "Waiting to be signed" in text
    names = re.findall(r"(Dev Soon|Cleo Later|Eve Asks|Fay Signed|Gus Gone)", text)
    assert names == ["Dev Soon", "Cleo Later", "Eve Asks"]
    assert "1 required document not signed yet" in text
    # Dev's session is in 30 hours: past the 48-hour sign-by time.
    assert text.count("past the sign-by time") == 1
    for booking in (soon, later, requested):
        assert reverse("admin:shoots_booking_change", args=[booking.pk]) in panel


def test_the_dashboards_signature_panel_takes_the_same_queries_with_many(
    admin_client, signing_portrait, django_assert_num_queries
):
    booked(ClientFactory(name="One"), signing_portrait, NOW + timedelta(days=3))
    with CaptureQueriesContext(connection) as few:
        admin_client.get("/admin/")
    for n in range(25):
        booked(ClientFactory(name=f"Client {n}"), signing_portrait, NOW + timedelta(days=4 + n))
    with django_assert_num_queries(len(few.captured_queries)):
        page = admin_client.get("/admin/")
    assert page.content.decode().count("required document not signed yet") == 26


def test_nothing_waiting_shows_no_panel(admin_client, signing_portrait):
    page = admin_client.get("/admin/").content.decode()
    assert "Needs you" in page
    assert "Waiting to be signed" not in page
