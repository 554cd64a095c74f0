import pytest
from playwright.sync_api import expect

from sessions.models import Booking
from tests.factories import SessionTypeFactory, photographer_every_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bookable(studio):
    studio.policies = "Reschedule or cancel free of charge up to 48 hours before."
    studio.save()
    maya = photographer_every_day()
    return SessionTypeFactory(
        name="Headshot", slug="headshot", duration_minutes=30, photographers=[maya]
    )


def test_a_client_books_a_session_from_the_home_page(page, bookable):
    page.goto("/")
    page.get_by_role("link", name="Book a Headshot session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Headshot")

    page.locator("a.day-free").first.click()
    first_time = page.locator("a.slot-button").first
    chosen_time = first_time.inner_text()
    first_time.click()

    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    page.get_by_label("Your name").fill("Rosa Diaz")
    page.get_by_label("Email").fill("rosa@example")  # a slip of the finger
    page.get_by_label("I have read and agree").check()
    page.get_by_role("button", name="Book this session").click()
    # The browser's own check stops the form; correct it and send.
    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_role("button", name="Book this session").click()

    expect(page.get_by_role("heading", name="You're booked")).to_be_visible()
    booking = Booking.objects.get()
    expect(page.locator(".booking-reference")).to_have_text(booking.reference)
    expect(page.get_by_text(chosen_time, exact=False).first).to_be_visible()
    assert booking.client.name == "Rosa Diaz"
    assert booking.status == Booking.Status.CONFIRMED

    with page.expect_download() as download:
        page.get_by_role("link", name="Add to my calendar").click()
    assert download.value.suggested_filename == f"session-{booking.reference}.ics"
    assert page.console_errors == []


def test_the_calendar_works_with_the_keyboard(page, bookable):
    page.goto("/book/headshot/")
    free_day = page.locator("a.day-free").first
    free_day.focus()
    expect(free_day).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("a.slot-button").first).to_be_visible()
    assert page.console_errors == []
