"""My sessions' documents: what waits for the client's signature comes first (in "What
needs you"), and what they signed is listed with its PDF, in a bounded number of queries.
(Moved from tests/sessions/test_document_lists.py with the page.)"""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions.access import booking_token
from sessions.models import Booking, Document, DocumentFile
from tests.sessions.test_document_emails import sealed
from tests.sessions.test_document_lists import NOW, booked, signed_in, text_of
from tests.sessions.test_documents import sign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_my_sessions_shows_what_waits_first_then_what_was_signed_with_its_pdf(
    client, anna, ben, signing_portrait, django_assert_max_num_queries
):
    soon = booked(anna, signing_portrait, NOW + timedelta(days=9))
    later = booked(anna, signing_portrait, NOW + timedelta(days=20))
    contract = sign(later.documents.get(kind="contract"))
    file = sealed(contract)
    bens = booked(ben, signing_portrait, NOW + timedelta(days=5))
    signed_in(client, anna)
    with django_assert_max_num_queries(12):
        page = client.get("/my/")
    html = page.content.decode()
    text = text_of(page)
    # Waiting comes before the sessions, required first; Ben's are not shown.
    assert html.index('id="needs-heading"') < html.index('id="upcoming-heading"')
    waiting = html.split('class="list-unstyled mb-0 needs-you"')[1].split("</ul>")[0]
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
    assert 'data-need="sign"' not in page
    assert "Nothing needs you right now" in page
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
