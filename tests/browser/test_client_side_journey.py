"""Issue 20's whole client side in one walk, on a phone set to New York time while the studio is
in London: the portfolio on the home page, a package booked for a child on a day that was
full (the waitlist hands her the time a cancellation frees), the agreement signed, and, after
the session, /my/ with the signed document, the delivered gallery and its downloads. Every page
she sees has no accessibility violation of any impact and fits the phone."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from gallery.models import Gallery, PortfolioPhoto
from gallery.public_images import portfolio_photo_render
from gallery.sample_images import jpeg_bytes
from sessions.booking_changes import booking_cancel
from sessions.models import Booking, Document, SessionTypeDocument, WaitlistEntry
from tests.browser.checks import page_checked
from tests.document_fixtures import CONTRACT_BODY, template_make
from tests.factories import BookingFactory, photographer_every_day
from tests.package_fixtures import family_with_packages
from tests.workspace.test_my_sessions import gallery_for
from workspace.demo_images import portrait_like

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")


@pytest.fixture
def phone_in_new_york(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 375, "height": 800},
        is_mobile=True,
        has_touch=True,
        timezone_id="America/New_York",
    )
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    page.wait_for_load_state("networkidle")
    context.close()


@pytest.fixture
def family_studio(studio):
    """Family sessions with Maya, 09:00–11:00 London time every day (one 90-minute Signature
    session a day), the agreement required, and three portfolio photographs."""
    for n in range(1, 4):
        photo = PortfolioPhoto(description=f"Portrait {n}", position=n)
        photo.original.save("p.jpg", ContentFile(jpeg_bytes(portrait_like(600, 400, seed=n))))
        portfolio_photo_render(photo_id=photo.pk)
    family = family_with_packages([photographer_every_day(start=9, end=11)])
    agreement = template_make(kind="contract", name="Family session agreement", body=CONTRACT_BODY)
    SessionTypeDocument.objects.create(session_type=family, template=agreement, required=True)
    return family


def checked(page) -> None:
    page.wait_for_load_state("networkidle")
    page_checked(page, all_impacts=True)


def test_a_parent_in_another_zone_books_her_son_from_the_waitlist_and_finds_it_all_in_my(
    phone_in_new_york, family_studio, live_server, settings, eager_tasks
):
    page, settings.SITE_URL = phone_in_new_york, live_server.url
    day = timezone.localdate() + timedelta(days=9)
    nine = datetime.combine(day, time(9), tzinfo=LONDON)
    taken = BookingFactory(
        session_type=family_studio, package=family_studio.signature,
        photographer=family_studio.photographers.get(), starts_at=nine,
        ends_at=nine + timedelta(minutes=90),
    )  # fmt: skip

    # The studio's work first, then the Family session's packages.
    page.goto("/")
    expect(page.locator(".portfolio-item img, .portfolio-hero img").first).to_be_visible()
    assert page.get_by_role("img", name=re.compile("^Portrait")).count() == 3
    checked(page)
    page.get_by_role("link", name=re.compile("Family session")).click()
    page.get_by_text("Signature").click()
    checked(page)
    page.get_by_role("button", name="Continue to choose a time").click()
    if day.month != timezone.localdate().month:
        page.locator("a[rel=next]").click()

    # That day is full: she joins its waitlist.
    page.get_by_role("link", name=f"Join the waitlist for {date_format(day, 'l j F')}").click()
    page.get_by_label("Your name").fill("Rosa Diaz")
    page.get_by_label("Email").fill("rosa@example.com")
    checked(page)
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_role("heading", name="You're on the waitlist")).to_be_visible()

    # A cancellation frees the time; the offer's link holds it for her, on both clocks.
    booking_cancel(booking_id=taken.pk, by_client=False)
    [offer] = [m for m in mail.outbox if m.subject.startswith("A time came free")]
    page.goto(re.search(r"http://\S+/waitlist/[\w-]+/(?=\s)", offer.body).group(0))
    her_time = nine.astimezone(NEW_YORK).strftime("%H:%M")
    expect(page.locator(".zoned-time").first).to_contain_text(f"{her_time} your time")
    checked(page)
    page.get_by_role("link", name="Book this time").click()

    # For her son; the details say when in London and when for her.
    expect(page.get_by_label("Your name")).to_have_value("Rosa Diaz")
    session_time = page.locator(".zoned-time", has_text="09:00–10:30")
    expect(session_time).to_contain_text(f"09:00–10:30 in London · {her_time}")
    expect(page.locator(".waitlist-kept")).to_contain_text("your time")
    expect(page.get_by_label("Their name")).to_be_hidden()  # for herself, until she says
    page.get_by_label("Someone else").check()
    expect(page.get_by_label("Their name")).to_be_focused()
    page.get_by_label("Their name").fill("Leo Diaz")
    page.get_by_label("About them (optional)").fill("my son, 6")
    checked(page)
    page.get_by_role("button", name="Book this session").click()

    # The agreement, signed on the phone.
    expect(page.get_by_role("heading", name="Family session agreement")).to_be_visible()
    checked(page)
    page.get_by_label("Your full name").fill("Rosa Diaz")
    page.get_by_label("I agree to sign this document electronically").check()
    page.get_by_role("button", name=re.compile("^Sign")).click()
    expect(page.locator(".booking-photographed")).to_contain_text("Leo Diaz (my son, 6)")
    checked(page)
    booking = Booking.objects.get(client__email="rosa@example.com", waitlist_offer__isnull=True)
    assert (booking.starts_at, booking.package, booking.photographed_name) == (
        nine,
        family_studio.signature,
        "Leo Diaz",
    )
    assert WaitlistEntry.objects.get().status == WaitlistEntry.Status.BOOKED
    assert Document.objects.get(booking=booking).status == Document.Status.SIGNED

    # After the session: the studio delivers the gallery, she signs in to /my/.
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.COMPLETED)
    finals = gallery_for(
        booking, status=Gallery.Status.DELIVERED, finals=3, downloads_allowed=True,
        title="Leo's portraits",
    )  # fmt: skip
    with time_machine.travel(nine + timedelta(days=3), tick=True):
        page.goto("/my/sign-in/")
        page.get_by_label("Email").fill("rosa@example.com")
        checked(page)
        page.get_by_role("button", name=re.compile("link", re.I)).click()
        [sign_in] = [m for m in mail.outbox if "/my/sign-in/" in m.body]
        page.goto(re.search(r"http://\S+/my/sign-in/\S+/", sign_in.body).group(0))
        page.get_by_role("button", name="Show my sessions").click()

        expect(page.get_by_role("heading", name="Hello, Rosa Diaz")).to_be_visible()
        documents = page.locator("#documents-heading ~ *")
        agreement = documents.get_by_role("link", name="Family session agreement", exact=True)
        expect(agreement).to_have_count(1)
        expect(documents.get_by_role("link", name=re.compile("^Download the PDF"))).to_have_count(1)
        expect(documents.get_by_role("link", name=re.compile("^Invoice"))).not_to_have_count(0)
        delivered = page.locator(f'[data-gallery="{finals.slug}"]')
        expect(delivered.get_by_role("link", name=re.compile("^Open the gallery"))).to_be_visible()
        expect(delivered.get_by_role("link", name=re.compile("^one by one"))).to_be_visible()
        checked(page)
        delivered.get_by_role("button", name=re.compile("^Download all: Web size")).click()
        expect(delivered.locator(".zip-status")).to_be_visible()
    assert page.console_errors == []
