"""Helpers for browser tests of the admin."""

from playwright.sync_api import expect


def sign_in(page):
    """Sign in as the `staff_user` fixture (the owner) and wait for the dashboard."""
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Needs you")).to_be_visible()
