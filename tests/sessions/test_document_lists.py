"""Documents outside the signing page: the dashboard lists the sessions still waiting on a
signature, soonest first, in a bounded number of queries. (What "My sessions" shows of
documents is tested in tests/workspace/test_my_documents.py.)"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.views import CLIENT_SESSION_KEY
from sessions.documents.services import booking_documents_issue
from sessions.models import Booking
from tests.factories import BookingFactory, ClientFactory, PhotographerFactory
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
