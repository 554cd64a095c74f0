"""Packages and add-ons: what the client chooses, what the slot search, the booking and the
gallery take from it, and what a tampered address gets."""

from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from gallery.services import gallery_create_for_booking
from sessions.booking_changes import booking_reschedule
from sessions.models import AddOn, AvailabilityRule, Booking, BookingItem, Package
from sessions.payments.offers import Offer
from sessions.selectors import session_type_slots
from sessions.services import booking_create, booking_create_by_staff
from tests.factories import ClientFactory, PhotographerFactory, SessionTypeFactory
from tests.package_fixtures import family_with_packages

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # Monday 1 June, 09:00 in London
DAY = datetime(2026, 6, 10).date()  # a Wednesday
TEN = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # 10:00 in London


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def maya(db):
    photographer = PhotographerFactory(display_name="Maya Lind")
    # Wednesdays 09:00-13:00 only, so a session's length decides the last start time.
    AvailabilityRule.objects.create(
        photographer=photographer, weekday=2, start_time=time(9), end_time=time(13)
    )
    return photographer


@pytest.fixture
def family(studio, maya):
    return family_with_packages([maya])


def signature_with_make_up(family) -> Offer:
    return Offer(session_type=family, package=family.signature, add_ons=(family.make_up,))


def pick_url(family, **query) -> str:
    return reverse("sessions:slot-pick", args=[family.slug]) + "?" + urlencode(query, doseq=True)


def test_the_slot_search_uses_the_length_of_what_was_chosen(family):
    def last_start(offer):
        days = session_type_slots(
            session_type=family, first_day=DAY, last_day=DAY, tz=LONDON, duration=offer.duration
        )
        return days[DAY][-1].starts_at.astimezone(LONDON).time()

    essentials = Offer(session_type=family, package=family.package)
    assert last_start(essentials) == time(12)  # 60 minutes before 13:00
    assert last_start(Offer(session_type=family, package=family.heirloom)) == time(11)
    # Signature (90) plus make-up (45) is 135 minutes: 10:45 would end at 13:00, but starts
    # are every 30 minutes.
    assert last_start(signature_with_make_up(family)) == time(10, 30)


def test_a_booking_copies_what_it_was_sold_at_and_keeps_it(family, maya):
    booking = booking_create(
        client=ClientFactory(),
        session_type=family,
        starts_at=TEN,
        tz=LONDON,
        offer=signature_with_make_up(family),
    )
    assert booking.package == family.signature
    assert (booking.price, booking.deposit) == (49500 + 9500, 10000)
    assert booking.ends_at - booking.starts_at == timedelta(minutes=135)
    assert (booking.included_images, booking.extra_image_price) == (30, 1800)
    items = [(i.kind, i.name, i.unit_price, i.extra_minutes) for i in booking.items.all()]
    assert items == [
        (BookingItem.Kind.PACKAGE, "Signature", 49500, 0),
        (BookingItem.Kind.ADD_ON, "Hair and make-up", 9500, 45),
    ]
    # The studio changes its prices and renames the add-on: the booking is unchanged.
    Package.objects.filter(pk=family.signature.pk).update(price=59500, deposit=15000)
    AddOn.objects.filter(pk=family.make_up.pk).update(name="Styling", price=12000)
    booking.refresh_from_db()
    assert (booking.price, booking.deposit) == (59000, 10000)
    assert [i.name for i in booking.items.all()] == ["Signature", "Hair and make-up"]


def test_the_gallery_takes_its_limit_and_extra_price_from_what_was_bought(family, maya):
    offer = Offer(session_type=family, package=family.signature, add_ons=(family.rush,))
    booking = booking_create_by_staff(
        client=ClientFactory(), session_type=family, photographer=maya, starts_at=TEN, offer=offer
    )
    gallery = gallery_create_for_booking(booking=booking)
    assert (gallery.favorites_limit, gallery.extra_image_price) == (30 + 5, 1800)


def test_moving_a_booking_keeps_the_length_it_was_sold_with(family, maya):
    booking = booking_create_by_staff(
        client=ClientFactory(),
        session_type=family,
        photographer=maya,
        starts_at=TEN,
        offer=signature_with_make_up(family),
    )
    moved = booking_reschedule(
        booking_id=booking.pk, starts_at=TEN - timedelta(hours=1), tz=LONDON, by_client=False
    )
    assert moved.ends_at - moved.starts_at == timedelta(minutes=135)
    # 10:30 would run to 12:45 and still fit; 11:00 would not, though a plain hour would.
    with pytest.raises(Exception, match="no longer free"):
        booking_reschedule(
            booking_id=booking.pk,
            starts_at=datetime(2026, 6, 10, 10, 0, tzinfo=UTC),
            tz=LONDON,
            by_client=False,
        )


def test_a_one_price_session_type_goes_straight_to_the_calendar(client, studio, maya):
    SessionTypeFactory(name="Headshot", slug="headshot", photographers=[maya])
    html = client.get(reverse("sessions:slot-pick", args=["headshot"])).content.decode()
    assert "Choose your package" not in html
    assert 'class="month-calendar card"' in html


def test_a_session_type_with_no_package_offered_cannot_be_booked_online(client, family, maya):
    Package.objects.filter(session_type=family).update(is_active=False)
    assert client.get(reverse("sessions:slot-pick", args=[family.slug])).status_code == 404
    details = reverse("sessions:booking-create", args=[family.slug])
    assert client.get(details, {"start": TEN.isoformat()}).status_code == 404
    # The studio can still book it by hand, at the first package's price.
    booking = booking_create_by_staff(
        client=ClientFactory(), session_type=family, photographer=maya, starts_at=TEN
    )
    assert booking.package == family.package


def test_the_package_page_shows_the_choice_and_its_total(client, family):
    response = client.get(reverse("sessions:slot-pick", args=[family.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Essentials", "Signature", "Heirloom", "Hair and make-up", "Rush editing"):
        assert text in html
    assert "£325.00" in html
    assert "+£95.00" in html
    # The first package is ticked and the total shown before any script runs.
    assert f'value="{family.package.pk}" id="package-{family.package.pk}"' in html
    assert "data-offer-total>£325.00<" in html


def test_the_calendar_carries_the_choice_and_shows_the_total(client, family, maya):
    chosen = {"package": family.signature.pk, "add_on": [family.make_up.pk]}
    html = client.get(pick_url(family, month="2026-06", day="2026-06-10", **chosen))
    html = html.content.decode()
    assert "Signature" in html
    assert "Hair and make-up" in html
    assert "£590.00" in html  # the total
    assert "135 minutes" in html
    assert 'class="studio-time">10:30<' in html
    assert 'class="studio-time">11:00<' not in html
    details = reverse("sessions:booking-create", args=[family.slug])
    assert f"package={family.signature.pk}" in html
    assert f"add_on={family.make_up.pk}" in html
    assert details in html


def test_the_client_books_the_package_and_add_on_they_chose(client, family, maya):
    query = urlencode(
        {
            "start": TEN.isoformat(),
            "package": family.signature.pk,
            "add_on": [family.make_up.pk, family.rush.pk],
        },
        doseq=True,
    )
    url = reverse("sessions:booking-create", args=[family.slug]) + "?" + query
    page = client.get(url).content.decode()
    assert "£665.00" in page  # 495 + 95 + 75
    assert "10:00–12:15" in page
    form = {"name": "Rosa Diaz", "email": "rosa@example.com", "phone": "", "notes": ""}
    response = client.post(url, {**form, "agree": "on"})
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.price == 66500
    assert booking.package == family.signature
    assert booking.included_images == 35
    assert [i.name for i in booking.items.all()] == [
        "Signature",
        "Hair and make-up",
        "Rush editing",
    ]


PACKAGE_GONE = "That package is no longer offered. Please choose another."
ADD_ON_GONE = "One of those add-ons is no longer offered. Please choose again."


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"package": "not-a-number"}, PACKAGE_GONE),
        ({"package": "999999"}, PACKAGE_GONE),
        ({"package": "OTHER"}, PACKAGE_GONE),  # another session type's package
        ({"package": "RETIRED"}, PACKAGE_GONE),
        ({"package": ""}, "Please choose a package."),
        ({"package": "SIGNATURE", "add_on": ["OTHER_ADD_ON"]}, ADD_ON_GONE),
        ({"package": "SIGNATURE", "add_on": ["x"]}, ADD_ON_GONE),
    ],
)
def test_a_tampered_or_stale_choice_is_asked_again_never_a_500(
    client, family, maya, query, message
):
    other = SessionTypeFactory(photographers=[maya])
    other_add_on = AddOn.objects.create(session_type=other, name="Other", price=100)
    retired = Package.objects.create(session_type=family, name="Old", price=1, is_active=False)
    names = {
        "OTHER": other.package.pk,
        "OTHER_ADD_ON": other_add_on.pk,
        "SIGNATURE": family.signature.pk,
        "RETIRED": retired.pk,
    }
    sent = {
        key: [names.get(v, v) for v in value]
        if isinstance(value, list)
        else names.get(value, value)
        for key, value in query.items()
    }
    response = client.get(pick_url(family, **sent))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose your package and anything" in html
    assert message in html
    details = client.get(
        reverse("sessions:booking-create", args=[family.slug])
        + "?"
        + urlencode({"start": TEN.isoformat(), **sent}, doseq=True)
    )
    assert details.status_code == 302
    assert details.url.startswith(reverse("sessions:slot-pick", args=[family.slug]))
    assert not Booking.objects.exists()


def test_the_change_link_returns_to_the_package_page_with_the_choice_ticked(client, family):
    chosen = {"package": family.heirloom.pk, "add_on": [family.rush.pk], "change": 1}
    html = client.get(pick_url(family, **chosen)).content.decode()
    heirloom_input = html.split(f'id="package-{family.heirloom.pk}"')[1].split(">")[0]
    assert "checked" in heirloom_input
    rush_input = html.split(f'id="add-on-{family.rush.pk}"')[1].split(">")[0]
    assert "checked" in rush_input
    assert "£970.00" in html  # 895 + 75


def test_the_booking_page_and_email_say_what_was_bought(client, family, maya, mailoutbox):
    from sessions.access import booking_url
    from sessions.emails import booking_email_send

    booking = booking_create_by_staff(
        client=ClientFactory(),
        session_type=family,
        photographer=maya,
        starts_at=TEN,
        offer=signature_with_make_up(family),
        email_client=False,
    )
    html = client.get(booking_url(booking)).content.decode()
    assert "Family, Signature" in html
    assert "135 minutes" in html
    assert "+ Hair and make-up" in html
    booking_email_send(booking_id=booking.pk, kind="confirmed")
    assert "Family, Signature (135 minutes), + Hair and make-up" in mailoutbox[-1].body


def test_the_studio_books_a_package_with_add_ons_for_a_client(admin_client, family, maya):
    other = SessionTypeFactory(photographers=[maya])
    other_add_on = AddOn.objects.create(session_type=other, name="Other", price=100)
    url = reverse("admin:shoots_booking_book_for_client")
    sent = {
        "new_client_name": "Rosa Diaz",
        "new_client_email": "rosa@example.com",
        "session_type": family.pk,
        "package": family.signature.pk,
        "add_ons": [family.make_up.pk, other_add_on.pk],
        "photographer": maya.pk,
        "date": "2026-06-10",
        "time": "10:00",
    }
    refused = admin_client.post(url, sent)
    assert refused.status_code == 200
    assert "Choose add-ons of this session type only." in refused.content.decode()
    assert 'value="Rosa Diaz"' in refused.content.decode()
    assert not Booking.objects.exists()
    assert admin_client.post(url, {**sent, "add_ons": [family.make_up.pk]}).status_code == 302
    booking = Booking.objects.get()
    assert (booking.package, booking.price) == (family.signature, 59000)
    assert booking.ends_at - booking.starts_at == timedelta(minutes=135)


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_each_session_type_into_one_package_its_bookings_bought(studio):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("shoots", "0020_documents")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        SessionType = old.get_model("shoots", "SessionType")
        portrait = SessionType.objects.create(
            name="Portrait",
            slug="portrait",
            duration_minutes=45,
            currency="GBP",
            price=15000,
            deposit=5000,
            included_images=5,
            extra_image_price=2500,
        )
        user = old.get_model("auth", "User").objects.create(username="maya")
        photographer = old.get_model("studio", "Photographer").objects.create(
            user=user, display_name="Maya"
        )
        client = old.get_model("clients", "Client").objects.create(name="Ann", email="a@b.c")
        starts = datetime(2026, 6, 10, 9, tzinfo=UTC)
        old.get_model("shoots", "Booking").objects.create(
            reference="MIGR01",
            client=client,
            session_type=portrait,
            photographer=photographer,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=45),
            blocked_from=starts,
            blocked_until=starts + timedelta(minutes=45),
            status="confirmed",
            currency="GBP",
            price=12000,  # booked before a price rise
            deposit=4000,
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    package = Package.objects.get(session_type__slug="portrait")
    assert (package.name, package.price, package.deposit) == ("Portrait", 15000, 5000)
    assert (package.included_images, package.extra_image_price) == (5, 2500)
    assert package.duration_minutes is None
    booking = Booking.objects.get(reference="MIGR01")
    assert (booking.package, booking.price, booking.deposit) == (package, 12000, 4000)
    assert (booking.included_images, booking.extra_image_price) == (5, 2500)
    assert [(i.kind, i.name, i.unit_price) for i in booking.items.all()] == [
        ("package", "Portrait", 12000)
    ]


def test_the_studio_books_with_a_discount_code_as_the_client_would(admin_client, family, maya):
    from clients.models import Client
    from sessions.models import DiscountCode

    DiscountCode.objects.create(code="FRIENDS", percent_off=1000, usage_limit=1)
    url = reverse("admin:shoots_booking_book_for_client")
    sent = {
        "new_client_name": "Rosa Diaz",
        "new_client_email": "rosa@example.com",
        "session_type": family.pk,
        "package": family.signature.pk,
        "photographer": maya.pk,
        "date": "2026-06-10",
        "time": "10:00",
        "code": "nope",
    }
    refused = admin_client.post(url, sent)
    html = refused.content.decode()
    assert "We don&#x27;t recognise that code" in html
    assert 'value="nope"' in html
    assert not Booking.objects.exists()
    assert not Client.objects.filter(email="rosa@example.com").exists()  # nothing half-made
    assert admin_client.post(url, {**sent, "code": " friends "}).status_code == 302
    booking = Booking.objects.get()
    assert (booking.price, booking.discount) == (49500, 4950)
    assert booking.redemptions.get().code == "FRIENDS"
    used_up = admin_client.post(url, {**sent, "code": "FRIENDS", "time": "11:30"})
    assert "used up" in used_up.content.decode()
