import re

import pytest

from tests.factories import SessionTypeFactory


@pytest.fixture
def home(client, studio):
    SessionTypeFactory(name="Headshot")
    return client.get("/")


def test_scripts_and_styles_may_come_from_the_site_only(home):
    csp = dict(part.strip().split(" ", 1) for part in home["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in home["Content-Security-Policy"]


def test_pages_cannot_be_framed_or_leak_their_address(home):
    assert home["X-Frame-Options"] == "DENY"
    assert home["Referrer-Policy"] == "same-origin"
    assert home["X-Content-Type-Options"] == "nosniff"


def test_the_page_has_no_inline_script_or_style(home):
    html = home.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "the page should load its scripts"
    assert all("src=" in tag for tag in scripts)
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)


def test_cookies_are_secure_outside_debug(settings):
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE is True
    assert settings.CSRF_COOKIE_SECURE is True
