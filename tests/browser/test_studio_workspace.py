"""The photographer's workspace in Chromium on the demo data: the dashboard, the calendar's
month and week views (by keyboard too), and a booking's whole story."""

import io
import os
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from sessions.models import Booking
from tests.browser.admin_pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to look at the pages


def shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_the_studio_sees_its_calendar_and_a_bookings_whole_story(page, staff_user):
    call_command("seed_demo", "--photos", "0", stdout=io.StringIO())
    anna = Booking.objects.select_related("client").get(reference="DM2A7C")
    day = anna.starts_at.astimezone(ZoneInfo("Europe/London")).date()

    page.goto("/admin/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Needs you")).to_be_visible()
    shot(page, "workspace-dashboard")

    page.get_by_role("link", name="Calendar", exact=True).first.click()
    expect(page.locator("#cal-title")).to_be_visible()
    page.goto(f"/admin/shoots/booking/calendar/?view=month&date={day.isoformat()}")
    month = page.locator(".cal-month")
    expect(month.get_by_role("link", name="10:00 Anna Kowalska")).to_be_visible()
    expect(month.get_by_role("link", name="10:00 Ben Okafor")).to_be_visible()
    shot(page, "workspace-month")

    # By keyboard: to the week view, then a week on and back.
    page.get_by_role("link", name="Week", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Week", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    title = page.locator("#cal-title").inner_text()
    page.get_by_role("link", name="Next →").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#cal-title")).not_to_have_text(title)
    page.get_by_role("link", name="← Previous").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#cal-title")).to_have_text(title)
    block = page.locator(".cal-week a.cal-block", has_text="Anna Kowalska")
    expect(block).to_contain_text("10:00–10:30")
    shot(page, "workspace-week")

    block.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="The client")).to_be_visible()
    expect(page.get_by_role("link", name="Anna Kowalska").first).to_be_visible()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page.get_by_text("Confirmed · for")).to_be_visible()
    expect(page.get_by_role("heading", name="Emails sent")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel, refunding in full")).to_be_visible()
    expect(page.get_by_role("link", name="Move to another time")).to_be_visible()
    shot(page, "workspace-story")
    assert page.console_errors == []


def test_on_a_phone_the_dashboard_keeps_words_whole(page, staff_user):
    """At 375 px the four-column list of sessions once split words mid-way ("Kowals ka")."""
    call_command("seed_demo", "--photos", "0", stdout=io.StringIO())
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page)
    row = page.locator(".dash-sessions tbody tr").first
    expect(row).to_be_visible()
    labels = row.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    assert labels == ['"When: "', '"Client: "', '"Session: "', '"Questionnaire: "']
    heights = row.locator("td").evaluate_all(
        "cells => cells.map(c => c.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(c).lineHeight))"
    )
    assert len(heights) == 4
    assert all(lines < 1.9 for lines in heights), heights
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    shot(page, "workspace-dashboard-phone")
    assert page.console_errors == []
