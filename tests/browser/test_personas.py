"""Each person who uses Sitting walks the pages they reach on the demo studio and presses
every button there: the client, a share-link guest with and without favorites, a view-only
assistant and the photographer. Every page fits a phone (375 px) and has no serious WCAG 2.2 AA
violation; every button does something without a server or script error; every link a person
is shown opens for them."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect

from clients.services import sign_in_link_create
from gallery.access import gallery_link_url, share_link_url
from gallery.models import Gallery, ShareLink
from sessions.access import booking_url
from sessions.models import Booking
from tests.browser.checks import buttons_all_work, links_all_answer, page_checked
from tests.factories import UserFactory
from workspace.demo import demo_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "persona-pass-123"


@pytest.fixture
def demo(db):
    demo_seed(photos=6)
    proofing = Gallery.objects.get(status=Gallery.Status.PUBLISHED)
    delivered = Gallery.objects.get(status=Gallery.Status.DELIVERED)
    upcoming = (
        Booking.objects.filter(status=Booking.Status.CONFIRMED, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    return {"proofing": proofing, "delivered": delivered, "upcoming": upcoming}


def walk(page, url, *, scope="", skip=()):
    """The page as its person sees it, then every link and button on it."""
    page.goto(url)
    expect(page.locator("body")).not_to_contain_text("Server Error")
    page_checked(page)
    links_all_answer(page, url, scope=scope)
    return buttons_all_work(page, url, scope=scope, skip=skip)


def admin_sign_in(page, user):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_be_visible()


def test_the_client_walks_their_booking_galleries_and_home(page, demo):
    booking, proofing = demo["upcoming"], demo["proofing"]
    _, token = sign_in_link_create(client=proofing.booking.client)
    page.goto(f"/my/sign-in/{token}/")
    page.get_by_role("button", name="Show my sessions").click()
    expect(page).to_have_url(re.compile("/my/$"))

    walk(page, "/")
    walk(page, "/my/")
    pressed = walk(page, gallery_link_url(proofing), scope="main")
    assert any("Favorite" in label for label in pressed)
    walk(page, gallery_link_url(demo["delivered"]), scope="main")
    walk(page, "/book/")
    walk(page, f"/book/{booking.session_type.slug}/", scope="main")
    walk(page, booking_url(booking), scope="main")
    assert page.console_errors == []


@pytest.mark.parametrize("can_favorite", [False, True], ids=["viewing", "choosing"])
def test_a_share_guest_sees_and_presses_only_what_their_link_allows(page, demo, can_favorite):
    link = ShareLink.objects.create(
        gallery=demo["proofing"], label="Grandma", can_favorite=can_favorite
    )
    pressed = walk(page, share_link_url(link), scope="main")
    hearts = [label for label in pressed if label.startswith("Favorite")]
    assert bool(hearts) is can_favorite
    assert page.console_errors == []


ADMIN_PAGES = [
    "/admin/",
    "/admin/shoots/booking/",
    "/admin/shoots/booking/calendar/",
    "/admin/shoots/payment/",
    "/admin/gallery/gallery/",
    "/admin/clients/client/",
    "/admin/studio/sentemail/",
]


def object_pages(demo):
    booking = demo["upcoming"]
    return [
        f"/admin/shoots/booking/{booking.pk}/change/",
        f"/admin/gallery/gallery/{demo['proofing'].pk}/change/",
        f"/admin/clients/client/{booking.client_id}/change/",
    ]


def test_a_view_only_assistant_is_shown_only_what_they_may_open(page, demo):
    assistant = UserFactory(username="assistant", is_staff=True, password=PASSWORD)
    assistant.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    admin_sign_in(page, assistant)
    for url in ADMIN_PAGES + object_pages(demo):
        pressed = walk(page, url, scope="#content")
        # Looking changes nothing: no button that writes is offered to them.
        assert not [label for label in pressed if re.match(r"(?i)save|delete|send|cancel", label)]
    assert page.console_errors == []


def test_the_photographer_presses_every_button_in_the_workspace(page, demo):
    owner = UserFactory(username="owner", is_staff=True, is_superuser=True, password=PASSWORD)
    admin_sign_in(page, owner)
    for url in ADMIN_PAGES + object_pages(demo):
        walk(page, url, scope="#content", skip=("Delete",))
    assert page.console_errors == []
