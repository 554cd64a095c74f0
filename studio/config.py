"""Turn environment variables into Django settings.

Pure functions of plain values, so that each configuration choice (SQLite or PostgreSQL,
embedded broker or Redis, local files or S3) can be tested without reloading settings.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)

from studio.money import CURRENCY_CODES
from studio.timezones import TIME_ZONE_NAMES

DEV_SECRET_PREFIX = SECRET_KEY_INSECURE_PREFIX  # Django's marker for a key it made up


def database_config(*, url: str | None, var_dir: Path) -> dict[str, Any]:
    """The default database: the URL when given, else a SQLite file under var/."""
    if not url:
        url = f"sqlite:///{var_dir / 'sitting.sqlite3'}"
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock when a transaction starts, so two writers queue
        # up instead of failing mid-transaction with "database is locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # A file, not memory, so a worker process can see what a test committed.
        config["TEST"] = {"NAME": str(var_dir / "test.sqlite3")}
    # Each process keeps its connection between requests, so the PRAGMAs above run once
    # per connection rather than per request; one found broken is replaced before use.
    config["CONN_MAX_AGE"] = 60
    config["CONN_HEALTH_CHECKS"] = True
    return config


def celery_config(*, broker_url: str | None, var_dir: Path) -> dict[str, Any]:
    """Broker and result backend: Redis when a URL is given, else folders under var/."""
    if broker_url:
        return {
            "broker_url": broker_url,
            "result_backend": broker_url,
            "broker_transport_options": {
                "visibility_timeout": 3600,
                # Without these a Redis that stops answering (a cut network, not a refusal)
                # holds a send, and the request making it, forever.
                "socket_timeout": 3,
                "socket_connect_timeout": 3,
            },
        }
    celery_dir = var_dir / "celery"
    folders = {
        key: celery_dir / name
        for key, name in (
            ("queue", "queue"),
            ("incoming_folder", "incoming"),
            ("claims_folder", "claims"),
            ("processed_folder", "processed"),
            ("unreadable_folder", "unreadable"),
            ("control_folder", "control"),
            ("results", "results"),
        )
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "broker_url": "filesystem://",
        # kombu's folder transport, made safe to crash in (studio/folder_broker.py): whole
        # files renamed into the queue, claims a killed worker's successor puts back, and
        # unreadable files moved aside instead of stopping the worker.
        "broker_transport": "studio.folder_broker:Transport",
        "result_backend": f"file://{folders['results']}",
        "broker_transport_options": {
            "data_folder_in": str(folders["queue"]),
            "data_folder_out": str(folders["queue"]),
            # Every rename (write, claim, ack, put back) stays on var/'s filesystem, so
            # each is atomic (kombu's default processed folder is /tmp). Pruned daily.
            "incoming_folder": str(folders["incoming_folder"]),
            "claims_folder": str(folders["claims_folder"]),
            "processed_folder": str(folders["processed_folder"]),
            "unreadable_folder": str(folders["unreadable_folder"]),
            "store_processed": True,
            "control_folder": str(folders["control_folder"]),
            # The folder broker polls; a tenth of a second keeps a waiting person's task
            # prompt for the price of listing one small folder ten times a second.
            "polling_interval": 0.1,
        },
    }


CACHE_KINDS = ("redis", "file", "database", "memory")
DATABASE_CACHE_TABLE = "sitting_cache"


def cache_config(*, kind: str, redis_url: str, var_dir: Path) -> dict[str, Any]:
    """The default cache, which holds the rate limits' counters: Redis when REDIS_URL is
    set, else files under var/ shared by every process on this machine; `kind` (CACHE)
    picks one of CACHE_KINDS instead. Every kind keeps a counter for its whole window."""
    kind = kind or ("redis" if redis_url else "file")
    if kind not in CACHE_KINDS:
        raise ValueError(f"CACHE={kind!r} is not a cache Sitting knows; use one of {CACHE_KINDS}.")
    if kind == "redis":
        if not redis_url:
            raise ValueError("CACHE=redis needs REDIS_URL, e.g. redis://127.0.0.1:6379/0.")
        default = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    elif kind == "file":
        default = {"BACKEND": "studio.cache.FileCache", "LOCATION": str(var_dir / "cache")}
    elif kind == "database":  # its table is made by `manage.py createcachetable`
        default = {"BACKEND": "studio.cache.DatabaseCache", "LOCATION": DATABASE_CACHE_TABLE}
    else:  # one process only: for tests, or a site run by a single process
        default = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    return {"default": default}


def storages_config(
    *, bucket: str | None, static_manifest: bool, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Media on S3 when a bucket is named (private, signed expiring URLs), else local files."""
    if bucket:
        default = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 3600,
                "signature_version": "s3v4",
                "file_overwrite": False,
                **(options or {}),
            },
        }
    else:
        default = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    static_backend = (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if static_manifest
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    return {"default": default, "staticfiles": {"BACKEND": static_backend}}


def s3_origins(*, bucket: str, endpoint_url: str) -> list[str]:
    """Origins the browser loads signed media from, for the CSP's img-src."""
    if not bucket:
        return []
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        # Path-style (host/bucket/key) and virtual-hosted style (bucket.host/key).
        return [f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://*.{parts.netloc}"]
    return ["https://*.amazonaws.com"]


def checkout_origins(stripe_api_base: str) -> list[str]:
    """Where forms may send the browser to pay, for the CSP's form-action: Stripe Checkout,
    plus the API server's own origin when it is a stand-in (stripe-mock, the tests')."""
    origins = ["https://checkout.stripe.com"]
    parts = urlsplit(stripe_api_base)
    if parts.netloc and parts.netloc != "api.stripe.com":
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


def studio_defaults_problem(*, time_zone: str, currency: str) -> str | None:
    """Why TIME_ZONE or STUDIO_CURRENCY cannot start a new studio, or None."""
    if time_zone not in TIME_ZONE_NAMES:
        return f"TIME_ZONE={time_zone!r} is not a time zone; use one such as Europe/London."
    if currency not in CURRENCY_CODES:
        supported = ", ".join(CURRENCY_CODES)
        return f"STUDIO_CURRENCY={currency!r} is not supported; use one of {supported}."
    return None


def production_problem(*, debug: bool, secret_key: str, allowed_hosts: list[str]) -> str | None:
    """Why the app must not start in production mode, or None when it may."""
    if debug:
        return None
    if not secret_key_is_strong(secret_key):
        return (
            "Sitting will not start with DEBUG off until SECRET_KEY is set to a long random "
            f"value (at least {SECRET_KEY_MIN_LENGTH} characters, not a repeated pattern), "
            'e.g. python3 -c "import secrets; print(secrets.token_urlsafe(50))".'
        )
    if not allowed_hosts:
        return (
            "Sitting will not start with DEBUG off until ALLOWED_HOSTS lists the site's "
            "host names, e.g. ALLOWED_HOSTS=photos.example.com."
        )
    return None


def secret_key_is_strong(secret_key: str) -> bool:
    """Whether Django's deploy check (security.W009) would accept this key: long enough,
    varied enough, and not one Django made up for a laptop."""
    return (
        len(secret_key) >= SECRET_KEY_MIN_LENGTH
        and len(set(secret_key)) >= SECRET_KEY_MIN_UNIQUE_CHARACTERS
        and not secret_key.startswith(SECRET_KEY_INSECURE_PREFIX)
    )


def dev_secret_key(var_dir: Path) -> str:
    """A key kept under var/ for a laptop run, so sign-ins survive a restart."""
    path = var_dir / "dev-secret-key"
    if not path.exists():
        # Readable by this user only, and renamed into place whole.
        draft = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(DEV_SECRET_PREFIX + secrets.token_urlsafe(50))
        os.replace(draft, path)
    return path.read_text().strip()
