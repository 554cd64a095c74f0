"""The booking calendar's cache: what diary_rows read, kept in Django's default cache under
the slot version (sessions.models.slot_version), so a month's calendar costs one query and
one cache read until something the slot engine reads changes.

What is kept does not depend on the clock: held bookings are kept with their expiry and
dropped when read (diaries_from_rows), and the engine applies the notice and the booking
window afresh on every request. A cache that is down or empty is read around. The admin
calendar (sessions.admin_calendar) keeps its pages under the same version."""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

from clients.models import Client
from sessions import models as booking_models
from sessions.models.slot_version import (
    slot_version_bump,
    slot_version_get,
    slot_version_pending,
)
from studio.models import Photographer

logger = logging.getLogger(__name__)
T = TypeVar("T")

# A bump lost to a process dying between a commit and its bump ages out by then.
KEPT_SECONDS = 600
# Every model whose rows the slot engine reads (SlotDataQuerySet is their manager's).
WATCHED = (
    *(
        getattr(booking_models, name)
        for name in ("AvailabilityRule", "Booking", "DateHours", "ExternalCalendar", "TimeOff")
    ),
    booking_models.SessionType,
    Photographer,
)
# Not read by the slot engine but shown with what it reads: the admin calendar's names (no
# bulk write of a client's name exists; saves and deletes send signals).
SHOWN_WITH = (Client,)
# What this process read last under the current version, for callers that never change what
# they are given (in_process=True): no trip to the shared cache, no unpickling.
KEPT_HERE = 16
_here: dict[str, tuple[float, object]] = {}


def cached_rows(key: str, read: Callable[[], T], *, in_process: bool = False) -> T:
    """`read()`'s answer, from the cache when it was kept under this version, else read
    and kept. The version is read first: whatever `read()` then sees is at least as new.
    With `in_process`, this process also keeps the answer itself (for as long as the shared
    cache would): the caller must treat it as read-only, since later requests share it."""
    if slot_version_pending():
        return read()
    version = slot_version_get()
    if version is None:
        return read()
    full_key = f"sitting:slots:{version}:{key}"
    if not in_process:
        return _shared(full_key, read)
    now = time.monotonic()
    here = _here.get(full_key)
    if here is not None and now - here[0] < KEPT_SECONDS:
        return here[1]  # type: ignore[return-value]
    rows = _shared(full_key, read)
    if len(_here) >= KEPT_HERE:
        _here.clear()
    _here[full_key] = (now, rows)
    return rows


def _shared(full_key: str, read: Callable[[], T]) -> T:
    try:
        kept = cache.get(full_key)
    except Exception:  # the cache being down never stops a booking
        logger.warning("slot cache unreadable", exc_info=True)
        return read()
    if kept is not None:
        return kept
    rows = read()
    try:
        cache.set(full_key, rows, KEPT_SECONDS)
    except Exception:
        logger.warning("slot cache unwritable", exc_info=True)
    return rows


def _changed(**kwargs) -> None:
    slot_version_bump()


def connect() -> None:
    """Every save and delete of what the engine reads moves the version on; bulk writes do
    through SlotDataQuerySet (Photographer's are studio's: none touches what slots read)."""
    for model in (*WATCHED, *SHOWN_WITH):
        post_save.connect(_changed, sender=model, dispatch_uid=f"slot-version-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"slot-version-d-{model.__name__}")
    m2m_changed.connect(
        _changed,
        sender=booking_models.SessionType.photographers.through,
        dispatch_uid="slot-version-m2m",
    )
