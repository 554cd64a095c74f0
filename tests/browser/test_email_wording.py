"""The studio rewrites a reminder in Chromium: its own words, previewed in the page on a demo
booking (the email's HTML shown as the client will see it), then saved."""

import io
import os

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from studio.models import EmailTemplate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to look at the pages


def test_the_studio_previews_its_own_reminder_on_a_real_booking_then_saves_it(page, staff_user):
    call_command("seed_demo", "--photos", "0", stdout=io.StringIO())
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()

    page.goto("/admin/studio/emailtemplate/")
    page.get_by_role("link", name="Session reminder", exact=True).click()
    subject = page.get_by_label("Subject")
    expect(subject).to_have_value("See you {day}: your {session} at {time}")
    subject.fill("{name}, your {session} is {day}")
    page.get_by_label("Message").fill("Bring your smile, {name}!\n\nCome at {time}.")
    page.get_by_label("Preview with").select_option(index=0)
    page.get_by_role("button", name="Preview, without saving").click()

    preview = page.locator("#preview")
    expect(preview).to_contain_text("Anna, your Headshot session is")
    frame = page.frame_locator("iframe.email-preview")
    expect(frame.get_by_text("Bring your smile, Anna!")).to_be_visible()
    expect(frame.get_by_role("link", name="See my booking")).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value("{name}, your {session} is {day}")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/email-preview.png", full_page=True)
    assert EmailTemplate.objects.get(kind="reminder-session").subject == ""  # not saved yet

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    saved = EmailTemplate.objects.get(kind="reminder-session")
    assert saved.subject == "{name}, your {session} is {day}"
    assert saved.body == "Bring your smile, {name}!\n\nCome at {time}."
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/email-list.png", full_page=True)
