"""The admin's front page as a studio dashboard: today and the week, what needs the studio,
money this month against last, sessions per week; a bounded number of queries."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gallery.models import Gallery
from gallery.proofing import favorite_list_get_or_create
from gallery.services import gallery_create_for_booking
from sessions.models import Booking, Payment, Questionnaire, Refund
from tests.factories import BookingFactory, ClientFactory, PhotographerFactory, SessionTypeFactory

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)  # Wednesday 10 June, 09:00 in London


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin_client(client, staff_user, studio):
    client.force_login(staff_user)
    return client


def at(day, hour, minute=0):
    return datetime(2026, 6, day, hour, minute, tzinfo=LONDON)


def book(name, starts, status=Booking.Status.CONFIRMED, **extra):
    return BookingFactory(client=ClientFactory(name=name), starts_at=starts, status=status, **extra)


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_day_the_week_and_what_needs_the_studio(admin_client, clock, settings):
    settings.PAYMENTS_ENABLED = True
    portrait = SessionTypeFactory(name="Portrait", price=15000, deposit=5000)
    questionnaire = Questionnaire.objects.create(name="Style")
    questionnaire.session_types.add(portrait)
    book("Anna Today", at(10, 14), session_type=portrait)
    book(
        "Ben Held",
        at(12, 10),
        status=Booking.Status.HELD,
        hold_expires_at=NOW + timedelta(minutes=20),
    )
    book("Cleo Request", at(20, 11), status=Booking.Status.REQUESTED)
    book("Dev Soon", at(11, 16), session_type=portrait)  # questionnaire not sent, tomorrow
    book("Gone Cancelled", at(10, 15), status=Booking.Status.CANCELLED)
    past = book("Eve Owes", at(1, 10), status=Booking.Status.COMPLETED, session_type=portrait)
    Payment.objects.create(
        booking=past,
        kind="deposit",
        amount=5000,
        currency="GBP",
        amount_received=5000,
        currency_received="GBP",
        status="paid",
        paid_at=at(1, 9),
    )
    disputed = Payment.objects.create(
        booking=book("Fay Disputes", at(3, 10), status=Booking.Status.COMPLETED),
        kind="deposit",
        amount=2000,
        currency="GBP",
        amount_received=2000,
        currency_received="GBP",
        status="paid",
        paid_at=at(2, 9),
        disputed_at=NOW - timedelta(days=1),
    )
    balance = Payment.objects.create(  # last month, partly refunded
        booking=disputed.booking,
        kind="balance",
        amount=10000,
        amount_received=10000,
        currency_received="GBP",
        amount_refunded=2500,
        currency="GBP",
        status="partially_refunded",
        paid_at=datetime(2026, 5, 20, 12, tzinfo=UTC),
    )
    refund = Refund.objects.create(
        payment=balance, amount=2500, currency="GBP", reason="studio", status="succeeded"
    )
    Refund.objects.filter(pk=refund.pk).update(created_at=datetime(2026, 5, 21, 12, tzinfo=UTC))
    awaiting = gallery_create_for_booking(booking=past)
    Gallery.objects.filter(pk=awaiting.pk).update(status=Gallery.Status.PUBLISHED)
    page = admin_client.get("/admin/")
    assert page.status_code == 200
    text = text_of(page)
    today = text.split("Today, Wednesday 10 June", 1)[1].split("The next six days", 1)[0]
    assert "14:00 Anna Today" in today
    assert "Not started" in today
    assert "Gone Cancelled" not in text
    needs = text.split("Needs you", 1)[1].split("This month", 1)[0]
    assert "Ben Held, " in needs
    assert "the hold ends at 09:20" in needs
    assert "Cleo Request" in needs
    assert "approve or decline" in needs
    assert "Dev Soon" in needs
    assert "questionnaire not sent yet" in needs
    assert "Eve Owes" in needs
    assert "£100.00 still to pay" in needs
    assert "Fay Disputes" in needs
    assert "disputed" in needs
    assert "Galleries waiting for the client's selection" in needs
    month = text.split("This month", 1)[1]
    # Received less refunded: June £50 + £20; May £100 less £25.
    assert re.search(r"Received \(less refunds\) £70\.00 £75\.00", month)


def test_sessions_per_week_are_drawn_for_twelve_weeks(admin_client, clock):
    for weeks_ago, count in ((0, 2), (1, 1), (11, 3), (12, 5)):
        for n in range(count):
            book(f"C{weeks_ago}-{n}", at(8, 10) - timedelta(weeks=weeks_ago) + timedelta(hours=n))
    page = admin_client.get("/admin/").content.decode()
    desc = re.search(r'<desc id="dash-chart-desc">(.*?)</desc>', page).group(1)
    weeks = desc.split("; ")
    assert len(weeks) == 12
    assert weeks[-1] == "8 Jun: 2"
    assert weeks[-2] == "1 Jun: 1"
    assert weeks[0] == "23 Mar: 3"  # 11 weeks back; 12 weeks back is outside
    assert page.count("<rect ") == 12


def test_the_dashboard_takes_the_same_queries_with_many_bookings(
    admin_client, clock, django_assert_num_queries
):
    maya = PhotographerFactory()
    book("One", at(10, 10), photographer=maya)
    with CaptureQueriesContext(connection) as few:
        admin_client.get("/admin/")
    for n in range(60):
        # Each with their own photographer: no two overlap (PostgreSQL refuses that).
        book(f"Client {n}", at(10 + n % 6, 9) + timedelta(minutes=15 * (n // 6)))
        gallery = gallery_create_for_booking(booking=Booking.objects.last())
        Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.PUBLISHED)
        favorite_list_get_or_create(gallery=gallery, name="x")
    with django_assert_num_queries(len(few.captured_queries)):
        page = admin_client.get("/admin/")
    assert page.content.decode().count("questionnaire not sent yet") == 0
    assert page.content.decode().count("Client ") >= 60


def test_a_staff_member_without_booking_rights_sees_no_dashboard(client, studio, clock):
    from tests.factories import UserFactory

    helper = UserFactory(username="helper", is_staff=True)
    client.force_login(helper)
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Needs you" not in page.content.decode()
    assert timezone.now() == NOW


def test_money_is_shown_only_to_those_who_may_see_payments(client, studio, clock):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    assistant = UserFactory(username="assistant", is_staff=True)
    assistant.user_permissions.add(Permission.objects.get(codename="view_booking"))
    client.force_login(assistant)
    page = client.get("/admin/").content.decode()
    assert "Needs you" in page
    assert "Received (less refunds)" not in page
