import os
import shutil
from pathlib import Path

import pytest

from studio.models import Studio
from tests.document_fixtures import (  # noqa: F401  (fixtures)
    adult_release,
    contract,
    minor_release,
    signing_portrait,
)
from tests.factories import ClientFactory, PhotographerFactory, UserFactory
from tests.payment_fixtures import held, pay_clock, portrait  # noqa: F401  (fixtures)

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _media_and_outbox_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    # Test users' passwords need no protection; a fast hash keeps factories quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _photo_analysis_only_where_asked(request, monkeypatch):
    """A proof's culling analysis runs in its photo's task (gallery.photos), dlib and all,
    about a tenth of a second a photo: across the suite, minutes. Tests about it carry the
    `analysis` mark; elsewhere a processed proof's analysis is left pending, as when its
    task dies before it (the sweep's to send). Workers in subprocesses always analyse."""
    if request.node.get_closest_marker("analysis") is None:
        monkeypatch.setattr("gallery.photos._analyse", lambda photo_id, **kwargs: None)


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()  # rate limits start from zero in every test


@pytest.fixture
def studio(db) -> Studio:
    # Created, or made so: a browser test's last request, answered by the live server after
    # the database was emptied, may have made the studio's row with Sitting's defaults.
    Studio.objects.filter(pk=1).delete()
    return Studio.objects.create(
        name="Lumen Portraits",
        intro="Honest portraits in a calm studio.",
        time_zone="Europe/London",
        currency="GBP",
        contact_email="hello@lumen.example",
    )


@pytest.fixture
def photographer(db):
    return PhotographerFactory(display_name="Maya Lind", user__username="maya")


@pytest.fixture
def staff_user(db):
    return UserFactory(username="owner", is_staff=True, is_superuser=True)


@pytest.fixture
def anna(db):
    return ClientFactory(name="Anna Kowalska", email="anna@example.com")


@pytest.fixture
def ben(db):
    return ClientFactory(name="Ben Okafor", email="ben@example.com")


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip("needs Redis: set REDIS_URL (CI's second run does)")
    return url


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    # CHROMIUM names another binary; the skip-report test names one that isn't there.
    wanted = os.environ.get("CHROMIUM", "")
    if wanted:
        path = wanted if Path(wanted).exists() else None
    else:
        path = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if not path:
        pytest.skip("Chromium is not installed: apt-get install -y chromium")
    return Path(path)


@pytest.fixture
def stripe_standin(settings):
    """Payments on, with Sitting talking to a local server that speaks Stripe's API."""
    from tests.stripe_standin import StripeStandIn

    with StripeStandIn().start() as standin:
        settings.STRIPE_SECRET_KEY = "sk_test_sitting"
        settings.STRIPE_WEBHOOK_SECRET = standin.webhook_secret
        settings.PAYMENTS_ENABLED = True
        settings.STRIPE_API_BASE = standin.url
        yield standin


@pytest.fixture
def eager_tasks():
    """Tasks sent after commit run at once, in this process (Celery's eager mode)."""
    from celery._state import _set_task_join_will_block

    from studio.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
    # Eager tasks run in several live-server threads at once can leave Celery's global
    # "inside a task" flag set (its save-and-restore is not thread-safe); clear it.
    _set_task_join_will_block(False)


@pytest.fixture
def run_tasks(eager_tasks, django_capture_on_commit_callbacks):
    """`with run_tasks():` runs what the block queues (emails, refunds) when it commits,
    in this process, as a worker would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def post_event(client, stripe_standin):
    """Deliver a Stripe event to the webhook the way Stripe does: JSON with a real
    Stripe-Signature. Returns the response."""
    import json

    from django.urls import reverse

    def post(event, *, secret=None, timestamp=None, payload=None):
        body = payload if payload is not None else json.dumps(event).encode()
        return client.post(
            reverse("sessions:stripe-webhook"),
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=stripe_standin.sign(body, secret=secret, timestamp=timestamp),
        )

    return post


# Browser journeys skipped for want of Chromium leave a green run that tested no journey.
# The end of every run says so loudly; with REQUIRE_BROWSER_TESTS=1 (CI) it fails the run.
_browser_skips: list[str] = []


def pytest_collection_modifyitems(config, items):
    browser_dir = Path(__file__).parent / "browser"
    for item in items:
        if browser_dir in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
    _browser_share_keep(config, items)


def browser_share(modules: list[str], share: str) -> set[str]:
    """The journey modules this run takes when CI shares them out ("1/2": the first of two
    runs): every n-th module by name, so each journey runs once, on one of the databases."""
    part, _, parts = share.partition("/")
    index, count = int(part) - 1, int(parts)
    if not 0 <= index < count:
        raise pytest.UsageError(f"BROWSER_SHARE={share!r}: expected k/n with 1 <= k <= n")
    return {module for n, module in enumerate(sorted(modules)) if n % count == index}


def _browser_share_keep(config, items) -> None:
    share = os.environ.get("BROWSER_SHARE")
    if not share:
        return
    modules = {item.fspath.strpath for item in items if "browser" in item.keywords}
    keep = browser_share(list(modules), share)
    dropped = [i for i in items if "browser" in i.keywords and i.fspath.strpath not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if "browser" not in i.keywords or i.fspath.strpath in keep]


def pytest_runtest_logreport(report):
    if report.skipped and "browser" in report.keywords:
        _browser_skips.append(report.nodeid)


def pytest_terminal_summary(terminalreporter):
    if not _browser_skips:
        return
    write = terminalreporter.write_line
    write("")
    write("!" * 78, red=True, bold=True)
    write(
        f"!! {len(_browser_skips)} BROWSER TEST(S) SKIPPED: the client and studio journeys "
        "were NOT tested.",
        red=True,
        bold=True,
    )
    write("!! They need Chromium: sudo apt-get install -y chromium   (then run the tests again)")
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        write("!! REQUIRE_BROWSER_TESTS=1, so this run fails.", red=True, bold=True)
    write("!" * 78, red=True, bold=True)


def pytest_sessionfinish(session, exitstatus):
    if _browser_skips and os.environ.get("REQUIRE_BROWSER_TESTS") == "1" and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
