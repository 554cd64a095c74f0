"""A client in New York books a London studio in March 2027, when the clocks change on
different Sundays (the US on the 14th, the UK on the 28th): they reach the day by the
keyboard alone, every time reads "08:00 in London · 03:00 your time" with the right
difference on each side of both changes, and the email and invite keep the studio's time.
In Tokyo, an evening in London is named with the next morning's weekday."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from icalendar import Calendar
from playwright.sync_api import expect

from sessions.models import Booking
from tests.browser.checks import page_checked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY_1_MARCH_2027 = datetime(2027, 3, 1, 9, tzinfo=UTC)


def _client_page(browser, live_server, zone):
    context = browser.new_context(
        base_url=live_server.url, timezone_id=zone, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def _first_time(page):
    return page.locator("a.slot-button").first


def test_a_client_in_new_york_sees_both_clocks_and_moves_through_the_month_by_keyboard(
    browser, live_server, bookable, eager_tasks
):
    with time_machine.travel(MONDAY_1_MARCH_2027, tick=True):
        page = _client_page(browser, live_server, "America/New_York")
        page.goto("/book/headshot/?month=2027-03")
        expect(page.locator("[data-local-zone-note]")).to_have_text(
            "Your device is on New York time, so each time also shows yours."
        )

        # One Tab from the last control before the grid lands on the first free day.
        page.get_by_role("link", name="Next month").focus()
        page.keyboard.press("Tab")
        expect(page.locator("td[data-day='2027-03-02'] a")).to_be_focused()
        expect(page.get_by_role("grid")).to_be_visible()
        page.keyboard.press("ArrowLeft")  # 1 March is full: the day itself takes focus
        expect(page.locator("td[data-day='2027-03-01']")).to_be_focused()
        expect(page.locator("td[data-day='2027-03-01']")).to_contain_text("no times available")
        for key, day in [
            ("ArrowRight", "2027-03-02"),
            ("ArrowDown", "2027-03-09"),
            ("ArrowRight", "2027-03-10"),
            ("Home", "2027-03-08"),
            ("End", "2027-03-14"),
            ("ArrowLeft", "2027-03-13"),
            ("ArrowLeft", "2027-03-12"),
        ]:
            page.keyboard.press(key)
            expect(page.locator(f"td[data-day='{day}'] a")).to_be_focused()
        assert page.locator("#month-grid [tabindex='0']").count() == 1  # one Tab stop
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # back into the grid where it was left
        expect(page.locator("td[data-day='2027-03-12'] a")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"day=2027-03-12"))
        expect(page.get_by_role("heading", name="Friday 12 March")).to_be_visible()

        # London on GMT, New York still on EST: five hours apart.
        expect(_first_time(page)).to_have_text("08:00 in London · 03:00 your time")
        page_checked(page)

        # New York has moved its clocks, London not yet: four hours.
        page.goto("/book/headshot/?month=2027-03&day=2027-03-15")
        expect(_first_time(page)).to_have_text("08:00 in London · 04:00 your time")
        # Both on summer time: five hours again.
        page.goto("/book/headshot/?month=2027-03&day=2027-03-29")
        expect(_first_time(page)).to_have_text("08:00 in London · 03:00 your time")

        page.goto("/book/headshot/?month=2027-03&day=2027-03-15")
        _first_time(page).click()
        summary = page.locator(".booking-summary")
        expect(summary).to_contain_text("08:00–08:30 in London · 04:00–04:30 your time")
        expect(summary.locator(".zone-label")).to_be_hidden()
        page.get_by_label("Your name").fill("Rosa Diaz")
        page.get_by_label("Email").fill("rosa@example.com")
        page.get_by_label("I have read and agree").check()
        page.get_by_role("button", name="Book this session").click()
        expect(page.get_by_role("heading", name="You're booked")).to_be_visible()
        expect(page.locator(".booking-facts")).to_contain_text(
            "08:00–08:30 in London · 04:00–04:30 your time"
        )
        # The last moment to move it falls before New York's change: five hours apart there.
        expect(page.get_by_text("You can move this session here until")).to_contain_text(
            "until Saturday 13 March, 08:00 in London · 03:00 your time"
        )
        page.get_by_role("link", name="Move to another time").click()
        expect(page.locator(".lead")).to_contain_text(
            "on Monday 15 March at 08:00 in London · 04:00 your time."
        )
        page.go_back()
        page.get_by_role("link", name="Cancel").click()
        expect(page.locator(".lead")).to_contain_text("at 08:00 in London · 04:00 your time will")
        page_checked(page)
        assert page.errors == []
        page.context.close()

        # The email and its invite keep the studio's clock and the exact moment (UTC).
        booking = Booking.objects.get()
        assert booking.starts_at == datetime(2027, 3, 15, 8, tzinfo=UTC)
        (email,) = [m for m in mail.outbox if "rosa@example.com" in m.to[0]]
        assert "08:00" in email.body
        assert "04:00" not in email.body
        (_name, invite, _mimetype) = email.attachments[0]
        event = Calendar.from_ical(invite).walk("VEVENT")[0]
        assert event.decoded("DTSTART") == booking.starts_at
        assert "DTSTART:20270315T080000Z" in invite

        # In the studio's own zone nothing is added.
        page = _client_page(browser, live_server, "Europe/London")
        page.goto("/book/headshot/?month=2027-03&day=2027-03-29")
        expect(_first_time(page)).to_have_text("08:00")
        expect(page.locator("[data-local-zone-note]")).to_be_hidden()
        # The grid opens on the chosen day; PageDown goes to that date next month, and an
        # arrow past the month's first week back to the month before.
        page.get_by_role("link", name="Next month").focus()
        page.keyboard.press("Tab")
        expect(page.locator("td[data-day='2027-03-29'] a")).to_be_focused()
        page.keyboard.press("PageDown")
        expect(page.get_by_role("heading", name="April 2027")).to_be_visible()
        expect(page.locator("td[data-day='2027-04-29'] a")).to_be_focused()
        for key in ["Home", "ArrowUp", "ArrowUp", "ArrowUp"]:
            page.keyboard.press(key)
        expect(page.locator("td[data-day='2027-04-05'] a")).to_be_focused()
        page.keyboard.press("ArrowUp")
        expect(page.get_by_role("heading", name="March 2027")).to_be_visible()
        expect(page.locator("td[data-day='2027-03-29'] a")).to_be_focused()
        page.context.close()

        # In Tokyo the evening's last time is the next morning: its weekday says so.
        page = _client_page(browser, live_server, "Asia/Tokyo")
        page.goto("/book/headshot/?month=2027-03&day=2027-03-29")
        expect(page.locator("a.slot-button").last).to_have_text(
            "19:30 in London · Tue 03:30 your time"
        )
        page.context.close()
