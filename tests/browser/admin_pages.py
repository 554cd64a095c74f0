"""Helpers for browser tests of the admin."""

import os

from playwright.sync_api import expect

SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to look at the pages


def shot(page, name):
    """A screenshot of the whole page into SCREENSHOTS_DIR, when it is set."""
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def press(page, locator):
    """Click what leads to another page, and wait for it."""
    with page.expect_navigation():
        locator.click()


def sign_in(page):
    """Sign in as the `staff_user` fixture (the owner) and wait for the dashboard."""
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Needs you")).to_be_visible()
