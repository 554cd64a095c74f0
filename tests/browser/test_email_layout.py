"""Every kind of email fits a phone: its HTML, opened as the studio's email log shows it
(the client's view), in Chromium 375 pixels wide, scrolls no wider than the screen; the
long names, the studio's wide logo and its address included."""

import os

import pytest
from django.urls import reverse

from studio.email_kinds import KINDS
from tests.studio.email_samples import emails_of_every_kind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 812}
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to look at the emails


def test_every_kind_of_email_fits_a_phone_screen(
    page, live_server, settings, studio, staff_user, eager_tasks
):
    settings.SITE_URL = live_server.url  # the logo loads from the site, as in a mail program
    emails = {
        kind: email for kind, email in emails_of_every_kind(studio).items() if email.html_body
    }
    missing = set(KINDS) - {"sign-in"} - set(emails)  # the sign-in link is plain text
    assert not missing, f"add an email of each kind to tests/studio/email_samples.py: {missing}"
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.set_viewport_size(PHONE)

    widths = {}
    for kind, email in emails.items():
        page.goto(reverse("admin:studio_sentemail_html", args=[email.pk]))
        logo = page.evaluate("document.images[0] && document.images[0].naturalWidth")
        assert logo == 1600, kind  # the wide logo loaded, so it counts
        widths[kind] = page.evaluate("document.documentElement.scrollWidth")
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/email-{kind}.png", full_page=True)
    assert {kind: width for kind, width in widths.items() if width > PHONE["width"]} == {}
