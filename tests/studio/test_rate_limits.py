"""Rate limits hold their whole window on every cache Sitting can be configured with: files
(the laptop default), the database, Redis and local memory. Proven by travelling in time."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django_ratelimit.core import get_usage

from clients.views import SIGN_IN_RATE_PER_EMAIL
from studio import config

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
SIGN_IN = reverse("clients:sign-in")
EMAIL = "anna@example.com"


@pytest.fixture(params=["file", "database", "redis", "memory"])
def limit_cache(request, settings, tmp_path, db):
    """The default cache as `manage.py` would configure it with CACHE=<kind>."""
    kind = request.param
    redis_url = request.getfixturevalue("redis_url") if kind == "redis" else ""
    settings.CACHES = config.cache_config(kind=kind, redis_url=redis_url, var_dir=tmp_path)
    if kind == "database":
        call_command("createcachetable", verbosity=0)
    cache.clear()
    yield kind
    cache.clear()


def window_start() -> datetime:
    """The start of the hour in which django-ratelimit counts this address's requests (its
    windows are staggered per key), so a test can start counting at its first second."""
    probe = RequestFactory().post(SIGN_IN)
    with time_machine.travel(NOW, tick=False):
        usage = get_usage(
            probe,
            group="sign-in:email",
            key=lambda _group, _request: EMAIL,
            rate=SIGN_IN_RATE_PER_EMAIL,
        )
    cache.clear()
    return NOW + timedelta(seconds=usage["time_left"]) - timedelta(hours=1) + timedelta(seconds=1)


HOSTS = itertools.count(1)


def ask(client, callbacks) -> int:
    """Ask for a sign-in link, from a new address each time; how many were queued."""
    with callbacks(execute=False) as queued:
        client.post(SIGN_IN, {"email": EMAIL}, REMOTE_ADDR=f"198.51.100.{next(HOSTS) % 250}")
    return len(queued)


def test_five_sign_in_links_an_hour_means_an_hour_on_every_cache(
    limit_cache, client, studio, django_capture_on_commit_callbacks
):
    start = window_start()
    with time_machine.travel(start, tick=False):
        sent = [ask(client, django_capture_on_commit_callbacks) for _ in range(6)]
    assert sent == [1, 1, 1, 1, 1, 0]
    for minutes in (6, 30, 59):  # the file and database caches used to forget at 5 minutes
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert ask(client, django_capture_on_commit_callbacks) == 0, minutes
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert ask(client, django_capture_on_commit_callbacks) == 1


def test_a_counter_keeps_its_expiry_when_counted_on_every_cache(limit_cache):
    with time_machine.travel(NOW, tick=False):
        assert cache.add("counter", 0, timeout=3600)
        assert [cache.incr("counter") for _ in range(3)] == [1, 2, 3]
    with time_machine.travel(NOW + timedelta(minutes=59), tick=False):
        assert cache.get("counter") == 3
        assert cache.incr("counter") == 4
    if limit_cache == "redis":  # Redis keeps time itself: its own clock says how long is left
        ttl = cache._cache.get_client("counter").ttl(cache.make_and_validate_key("counter"))
        assert ttl > 3500
    else:
        with time_machine.travel(NOW + timedelta(minutes=61), tick=False):
            assert cache.get("counter") is None
            with pytest.raises(ValueError, match="not found"):
                cache.incr("counter")


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.filebased.FileBasedCache",
        "django.core.cache.backends.db.DatabaseCache",
    ],
)
def test_djangos_own_file_and_database_caches_would_forget_a_counter_after_five_minutes(
    settings, tmp_path, db, backend
):
    """Why studio.cache exists: if Django changes this, the subclasses can go."""
    location = str(tmp_path / "cache") if "file" in backend else "sitting_cache"
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": location}}
    if "db" in backend:
        call_command("createcachetable", verbosity=0)
    with time_machine.travel(NOW, tick=False):
        cache.add("counter", 0, timeout=3600)
        cache.incr("counter")
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        assert cache.get("counter") is None


def test_the_file_cache_counts_every_request_from_many_processes(tmp_path):
    """Counting is a locked read and rewrite, so requests at the same moment in several
    processes never count as one."""
    import subprocess
    import sys

    from django.conf import settings

    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'studio.settings'; "
        "django.setup(); from django.core.cache import cache; "
        "[cache.add('counter', 0, 3600) or cache.incr('counter') for _ in range(100)]"
    )
    env = {
        "CACHE": "file",
        "VAR_DIR": str(tmp_path),
        "REDIS_URL": "",
        "PATH": "/usr/bin:/bin",
        "DEBUG": "true",
        "READ_DOT_ENV": "false",
    }
    workers = [
        subprocess.Popen([sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env)
        for _ in range(4)
    ]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0, 0, 0]
    from studio.cache import FileCache

    counted = FileCache(str(tmp_path / "cache"), {}).get("counter")
    assert counted == 4 * 100 - 1  # the first add made it 0 instead of counting one
