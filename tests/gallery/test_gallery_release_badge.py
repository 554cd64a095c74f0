"""What the studio may use a gallery's photos for, from the booking's model releases: each
person's newest signed release counts, every person must allow a use, a release waiting to
be signed allows nothing yet, void ones don't count. Shown as a badge in the gallery list
and on the gallery's page, in a constant number of queries."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gallery.services import gallery_create_for_booking
from sessions.documents.releases import (
    ReleaseUsage,
    release_usage_for_booking,
    release_usage_for_bookings,
)
from sessions.documents.services import (
    SignatureGiven,
    document_issue,
    document_pending_text,
    document_sign,
)
from sessions.models import Document
from tests.document_fixtures import ALL, MONDAY, release
from tests.factories import BookingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(studio, anna):
    return BookingFactory(client=anna, starts_at=MONDAY + timedelta(days=30))


def usage_of(booking) -> ReleaseUsage:
    return release_usage_for_booking(booking_id=booking.pk)


# The rules -------------------------------------------------------------------------------


def test_no_release_means_private_use_only(booking, contract):
    document_issue(booking=booking, template=contract, required=True)  # a contract isn't one

    usage = usage_of(booking)

    assert usage.state == ReleaseUsage.NONE
    assert usage.allowed == ()
    assert usage.label == "No model release — private use only"


def test_what_the_client_ticked_when_signing_is_what_the_studio_may_use(booking, adult_release):
    document = document_issue(booking=booking, template=adult_release, required=False)
    document_sign(
        document_id=document.pk,
        booking=booking,
        given=SignatureGiven(
            shown_sha256=document_pending_text(document).text.sha256,
            signed_name=booking.booked_as_name,
            agreed=True,
            usages={"social": True, "portfolio": True, "advertising": False},
        ),
        ip="203.0.113.9",
        user_agent="Test browser",
    )

    usage = usage_of(booking)

    assert usage.state == ReleaseUsage.SIGNED
    assert usage.allowed == ("portfolio", "social")
    assert usage.label == "May use: portfolio, social media"


def test_the_newest_signed_release_of_a_person_wins(booking, adult_release):
    release(booking, adult_release, allows=ALL, at=MONDAY + timedelta(days=2))
    release(booking, adult_release, allows=["portfolio"], at=MONDAY + timedelta(days=5))

    assert usage_of(booking).allowed == ("portfolio",)


def test_a_newer_release_can_take_every_use_back(booking, adult_release):
    release(booking, adult_release, allows=ALL, at=MONDAY)
    release(booking, adult_release, allows=(), at=MONDAY + timedelta(hours=1))

    usage = usage_of(booking)

    assert usage.state == ReleaseUsage.SIGNED
    assert usage.allowed == ()
    assert not usage.may_use
    assert usage.label == "The release allows no use — private use only"


def test_two_adults_allow_only_what_both_allow(booking, adult_release):
    release(booking, adult_release, allows=["portfolio", "social", "competitions"])
    release(booking, adult_release, allows=["social", "competitions"], person="Tom Kowalski")
    # Tom's newer release, in other spelling and case, replaces his first.
    release(
        booking,
        adult_release,
        allows=["social"],
        person="tom  KOWALSKI",
        at=MONDAY + timedelta(days=1),
    )

    usage = usage_of(booking)

    assert usage.allowed == ("social",)
    assert usage.people == 2


def test_a_release_naming_the_client_is_the_clients_own(booking, adult_release):
    release(booking, adult_release, allows=ALL)
    release(
        booking,
        adult_release,
        allows=["social"],
        person="ANNA kowalska",
        at=MONDAY.replace(hour=11),
    )

    usage = usage_of(booking)

    assert usage.allowed == ("social",)
    assert usage.people == 1


def test_a_release_waiting_to_be_signed_allows_nothing_yet(booking, adult_release):
    release(booking, adult_release, allows=ALL)
    release(booking, adult_release, person="Tom Kowalski", status=Document.Status.PENDING)

    usage = usage_of(booking)

    assert usage.state == ReleaseUsage.WAITING
    assert usage.allowed == ()
    assert usage.label == "Release waiting to be signed — no use yet"


def test_a_void_release_does_not_count(booking, adult_release):
    release(booking, adult_release, allows=["portfolio"])
    release(
        booking,
        adult_release,
        allows=ALL,
        status=Document.Status.VOIDED,
        at=MONDAY + timedelta(days=1),
    )
    release(booking, adult_release, person="Tom Kowalski", status=Document.Status.VOIDED)

    assert usage_of(booking).allowed == ("portfolio",)


def test_only_void_releases_is_no_release(booking, adult_release):
    release(booking, adult_release, allows=ALL, status=Document.Status.VOIDED)

    assert usage_of(booking).state == ReleaseUsage.NONE


def test_a_use_the_release_never_asked_about_is_not_allowed(booking, minor_release):
    release(booking, minor_release, allows=ALL, person="Zosia Kowalska")

    assert usage_of(booking).allowed == ("portfolio", "social")


def test_another_bookings_release_does_not_count(booking, adult_release, ben):
    release(BookingFactory(client=ben), adult_release, allows=ALL)
    release(BookingFactory(client=booking.client, starts_at=MONDAY), adult_release, allows=ALL)

    assert usage_of(booking).state == ReleaseUsage.NONE


def test_many_bookings_are_read_in_one_query(
    booking, adult_release, ben, django_assert_num_queries
):
    others = [BookingFactory(client=ben) for _ in range(5)]
    release(booking, adult_release, allows=["social"])
    release(others[0], adult_release, status=Document.Status.PENDING)
    for other in others[1:]:
        release(other, adult_release, allows=ALL)
        release(other, adult_release, allows=["competitions"], person="Someone Else")

    with django_assert_num_queries(1):
        found = release_usage_for_bookings(booking_ids=[booking.pk, *(o.pk for o in others)])

    assert found[booking.pk].allowed == ("social",)
    assert found[others[0].pk].state == ReleaseUsage.WAITING
    assert {found[o.pk].allowed for o in others[1:]} == {("competitions",)}


# The badge in the admin ------------------------------------------------------------------

LIST = reverse("admin:gallery_gallery_changelist")


def badges(page: str) -> list[str]:
    badge = r'<span class="release-badge (release-\w+)">'
    found = re.findall(badge + r'<span aria-hidden="true">(.) </span>(.*?)</span>', page)
    return [(tone, f"{icon} {text}") for tone, icon, text in found]


@pytest.fixture
def owner(client, staff_user):
    client.force_login(staff_user)
    return client


def gallery_for(client_, **release_fields):
    booking = BookingFactory(client=client_)
    gallery = gallery_create_for_booking(booking=booking)
    if release_fields:
        release(booking, **release_fields)
    return gallery


def test_the_gallery_list_shows_each_gallerys_release_in_words_and_colour(
    owner, anna, ben, adult_release
):
    gallery_for(anna, template=adult_release, allows=["portfolio", "social"])
    gallery_for(ben)
    gallery_for(ben, template=adult_release, status=Document.Status.PENDING)

    page = owner.get(LIST).content.decode()

    assert sorted(badges(page)) == sorted(
        [
            ("release-allowed", "✓ May use: portfolio, social media"),
            ("release-private", "✕ No model release — private use only"),
            (
                "release-waiting",
                "⚠ Release waiting to be signed — no use yet",
            ),
        ]
    )
    assert "css/admin-releases.css" in page


def test_the_gallery_list_takes_the_same_queries_however_many_galleries(
    owner, anna, ben, adult_release, django_assert_num_queries
):
    gallery_for(anna, template=adult_release, allows=ALL)
    owner.get(LIST)  # sessions, caches
    with CaptureQueriesContext(connection) as few:
        owner.get(LIST)
    for n in range(8):
        gallery_for(ben, template=adult_release, allows=["social"] if n % 2 else ALL)
        gallery_for(ben, template=adult_release, status=Document.Status.PENDING)

    with django_assert_num_queries(len(few.captured_queries)):
        page = owner.get(LIST).content.decode()

    assert len(badges(page)) == 17
    assert len(few.captured_queries) <= 10


def test_the_gallery_page_shows_the_badge(owner, anna, adult_release):
    gallery = gallery_for(anna, template=adult_release, allows=["competitions"])

    page = owner.get(reverse("admin:gallery_gallery_change", args=[gallery.pk])).content.decode()

    assert badges(page) == [("release-allowed", "✓ May use: competitions")]


def test_view_only_staff_see_the_badge_and_staff_without_rights_see_no_gallery(
    client, anna, adult_release
):
    gallery = gallery_for(anna, template=adult_release, allows=["portfolio"])
    viewer = UserFactory(username="assistant", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_gallery"))
    bare = UserFactory(username="bare", is_staff=True)
    page = reverse("admin:gallery_gallery_change", args=[gallery.pk])

    client.force_login(viewer)
    assert badges(client.get(LIST).content.decode()) == [
        ("release-allowed", "✓ May use: portfolio")
    ]
    assert "May use: portfolio" in client.get(page).content.decode()

    client.force_login(bare)
    assert client.get(LIST).status_code == 403
    assert client.get(page).status_code == 403
