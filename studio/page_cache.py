"""What every visitor sees alike (the home page's sessions and portfolio), made once per
change rather than once per request.

`public_pages_version()` names the current state of what such pages show; it lives in the
shared cache, so every process sees a change at once. `public_pages_changed()` moves it on,
at once and again when the transaction commits, so a page made from rows read before the
commit is never kept under the version that follows it. The apps above call it for changes
that send no signal (a queryset's `update`); workspace connects it to the models' signals.
"""

import logging
import time
import uuid
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import get_language

log = logging.getLogger(__name__)

VERSION_KEY = "public-pages:version"
# A made page is used for at most this long, which bounds how stale a change made behind
# Django's back (SQL by hand) can leave it, and how old a signed media URL in it can get.
KEPT_SECONDS = 300
KEPT_PAGES = 16  # several languages or settings at most; all forgotten when full

T = TypeVar("T")
_made: dict[tuple, tuple[float, object]] = {}


def public_pages_version() -> str:
    """The current version (one cache read); a new one when the cache has none."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY, version)
    return version


def _version_move() -> None:
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # a save never fails for it; pages are made afresh while it is down
        log.warning("The cache did not answer; public pages may lag a change.", exc_info=True)


def public_pages_changed(**kwargs) -> None:
    """Something a public page shows changed (also a signal receiver, hence **kwargs)."""
    _version_move()
    transaction.on_commit(_version_move)


def public_page_memo(key: Hashable, make: Callable[[], T]) -> T:
    """`make()`'s value for `key` at the current version, made in this process at most once
    per version and KEPT_SECONDS. `make` must depend only on the database and `key`, never
    on the request or the visitor. Without the cache, every call makes it afresh."""
    try:
        version = public_pages_version()
    except Exception:  # the page still works when the cache does not answer
        log.warning("The cache did not answer; the public page is made afresh.", exc_info=True)
        return make()
    now = time.monotonic()
    made = _made.get((version, key))
    if made is not None and now - made[0] < KEPT_SECONDS:
        return made[1]  # type: ignore[return-value]
    value = make()
    if len(_made) >= KEPT_PAGES:
        _made.clear()
    _made[(version, key)] = (now, value)
    return value


def public_page_key(name: str, studio) -> tuple:
    """A memo's key for a public page: its name, the studio row's every column (a change to
    it makes a new key, so no signal is needed for it), the language and whether payments
    are on."""
    state = repr([getattr(studio, field.attname) for field in studio._meta.concrete_fields])
    return (name, state, get_language(), settings.PAYMENTS_ENABLED)
