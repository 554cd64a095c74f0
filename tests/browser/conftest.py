import copy
import os
import threading
import time
import warnings

import pytest
from django.core.signals import request_finished, request_started
from django.urls import reverse

from studio import config
from tests.factories import SessionTypeFactory, photographer_every_day

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# The live server's requests still being answered, by thread: a request the browser gave up
# on (a navigation cut it short) is answered all the same, after the page has gone.
_answering: set[threading.Thread] = set()
_answering_lock = threading.Lock()


_last_started = [0.0]  # when the live server last began answering one (time.monotonic)


def _request_started(**_kwargs):
    if threading.current_thread() is not threading.main_thread():
        with _answering_lock:
            _answering.add(threading.current_thread())
            _last_started[0] = time.monotonic()


def _request_finished(**_kwargs):
    with _answering_lock:
        _answering.discard(threading.current_thread())


request_started.connect(_request_started, dispatch_uid="browser-tests-answering")
request_finished.connect(_request_finished, dispatch_uid="browser-tests-answering")


# A request the browser sent just before it closed may still sit in the server's socket,
# not yet begun: the server counts as quiet once nothing has begun for this long either.
SETTLED = 0.3


def _server_quiet(seconds: float = 15.0) -> None:
    closed = time.monotonic()
    deadline = closed + seconds
    while True:
        with _answering_lock:
            _answering.difference_update([t for t in _answering if not t.is_alive()])
            busy = list(_answering)
            calm_since = max(closed, _last_started[0])
        if not busy and time.monotonic() - calm_since >= SETTLED:
            return
        if time.monotonic() > deadline:
            warnings.warn(f"the live server still answers after {seconds} s: {busy}", stacklevel=1)
            return
        time.sleep(0.02)


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make between page actions are still plain synchronous calls. Module-scoped, so the
    # loop and this switch end with the browser tests.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(chromium_path), headless=True, args=LAUNCH_ARGS
            )
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser, live_server):
    # The browser on the tests' studio's clock (tests/conftest.py), so no time on a page gains
    # "· 08:00 your time" from the zone of the machine that runs them (local-times.js).
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        timezone_id="Europe/London",
    )
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    # Let the page's last requests (lazy thumbnails, polls) finish first: one still running
    # when the test's database is emptied would recreate rows the next test then collides with.
    page.wait_for_load_state("networkidle")
    context.close()
    _server_quiet()  # and those the browser stopped waiting for


@pytest.fixture
def payments_on(stripe_standin, live_server, settings):
    """Stripe's hosted pages are the stand-in's; its webhooks come to the live server."""
    settings.SITE_URL = live_server.url
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = ["'self'", *config.checkout_origins(stripe_standin.url)]
    settings.CONTENT_SECURITY_POLICY = policy
    stripe_standin.webhook_url = live_server.url + reverse("sessions:stripe-webhook")
    return stripe_standin


@pytest.fixture
def bookable(studio):
    """A 30-minute Headshot with Maya, bookable 08:00–20:00 every day, with a policy to agree to."""
    studio.policies = "Reschedule or cancel free of charge up to 48 hours before."
    studio.save()
    maya = photographer_every_day()
    return SessionTypeFactory(
        name="Headshot", slug="headshot", duration_minutes=30, photographers=[maya]
    )
