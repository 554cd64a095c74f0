"""Pages made once per change rather than once per request: what every visitor sees alike
(the home page's sessions and portfolio, the booking calendar), the studio's dashboard, and a
client's gallery page (kept per gallery, viewer and address; gallery.views).

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
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import get_language

log = logging.getLogger(__name__)

VERSION_KEY = "public-pages:version"
WORKSPACE_VERSION_KEY = "workspace-pages:version"
GALLERY_VERSION_KEY = "gallery-pages:version"
# A made page is used for at most this long, which bounds how stale a change made behind
# Django's back (SQL by hand) can leave it, and how old a signed media URL in it can get.
KEPT_SECONDS = 300
KEPT_PAGES = 16  # several languages or settings at most; all forgotten when full
KEPT_MANY = 256

T = TypeVar("T")
_made: dict[tuple, dict[tuple, tuple[float, object]]] = {}  # per version key and size


def _version(key: str) -> str:
    """The current version under `key` (one cache read); a new one when the cache has none."""
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(key, version, timeout=None):
            version = cache.get(key, version)
    return version


def _version_move(key: str = VERSION_KEY) -> None:
    try:
        cache.set(key, uuid.uuid4().hex, timeout=None)
    except Exception:  # a save never fails for it; pages are made afresh while it is down
        log.warning("The cache did not answer; pages may lag a change.", exc_info=True)


def _changed(key: str) -> None:
    """Move `key` on at once and, inside a transaction, again when it commits: that second
    move once per transaction however many rows change in it (a gallery's 1,000 photos
    deleted send 1,000 signals); the one waiting is found among the connection's."""
    _version_move(key)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return
    for _, waiting, _ in connection.run_on_commit:
        if getattr(waiting, "version_key", None) == key:
            return  # dropped with it if its savepoint or transaction rolls back
    move = partial(_version_move, key)
    move.version_key = key  # type: ignore[attr-defined]
    transaction.on_commit(move)


def _memo(version_key: str, key: Hashable, make: Callable[[], T], kept: int = KEPT_PAGES) -> T:
    try:
        version = _version(version_key)
    except Exception:  # the page still works when the cache does not answer
        log.warning("The cache did not answer; the page is made afresh.", exc_info=True)
        return make()
    now = time.monotonic()
    family = _made.setdefault((version_key, kept), {})
    made = family.get((version, key))
    if made is not None and now - made[0] < KEPT_SECONDS:
        return made[1]  # type: ignore[return-value]
    value = make()
    if len(family) >= kept:
        family.clear()
    family[(version, key)] = (now, value)
    return value


def public_pages_version() -> str:
    """The current version of what public pages show."""
    return _version(VERSION_KEY)


def public_pages_changed(**kwargs) -> None:
    """Something a public page shows changed (also a signal receiver, hence **kwargs)."""
    _changed(VERSION_KEY)


def public_page_memo(key: Hashable, make: Callable[[], T]) -> T:
    """`make()`'s value for `key` at the current version, made in this process at most once
    per version and KEPT_SECONDS. `make` must depend only on the database and `key`, never
    on the request or the visitor. Without the cache, every call makes it afresh."""
    return _memo(VERSION_KEY, key, make)


def public_page_memo_many(key: Hashable, make: Callable[[], T]) -> T:
    """As public_page_memo, for a page with many addresses (the booking calendar's months,
    days and photographers): up to KEPT_MANY of them per process, each about 15 kB."""
    return _memo(VERSION_KEY, ("many", key), make, kept=KEPT_MANY)


def workspace_changed(**kwargs) -> None:
    """Something the studio's own pages keep (the dashboard) changed: a signal receiver."""
    _changed(WORKSPACE_VERSION_KEY)


def workspace_page_memo(key: Hashable, make: Callable[[], T]) -> T:
    """As public_page_memo, for what the studio's own pages keep under the workspace's
    version: `key` must hold whatever else `make` reads (the user's permissions, the
    minute when it shows the time)."""
    return _memo(WORKSPACE_VERSION_KEY, key, make)


def gallery_pages_changed(**kwargs) -> None:
    """Something a client's gallery page shows changed (its photos, hearts, lists,
    comments, people): a signal receiver, and what the gallery's querysets call for changes
    in bulk. One version for every gallery: a change is rare beside the pages opened."""
    _changed(GALLERY_VERSION_KEY)


def gallery_page_memo(key: Hashable, make: Callable[[], T]) -> T:
    """As public_page_memo, for a client's gallery page under the galleries' version:
    `key` must hold everything else the page reads (the gallery's row, who looks, the
    address's parameters). Up to KEPT_MANY pages per process, each about 60 kB."""
    return _memo(GALLERY_VERSION_KEY, ("gallery", key), make, kept=KEPT_MANY)


def public_page_key(name: str, studio) -> tuple:
    """A memo's key for a public page: its name, the studio row's every column (a change to
    it makes a new key, so no signal is needed for it), the language and whether payments
    are on."""
    state = repr([getattr(studio, field.attname) for field in studio._meta.concrete_fields])
    return (name, state, get_language(), settings.PAYMENTS_ENABLED)
