"""The booking calendar's cache: what diary_rows read, kept in Django's default cache under
the slot version (sessions.models.slot_version), so a month's calendar costs one query and
one cache read until something the slot engine reads changes.

What is kept does not depend on the clock: held bookings are kept with their expiry and
dropped when read (diaries_from_rows), and the engine applies the notice and the booking
window afresh on every request. A cache that is down or empty is read around. The admin
calendar (sessions.admin_calendar) keeps its pages under the same version."""

import logging
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


def cached_rows(key: str, read: Callable[[], T]) -> T:
    """`read()`'s answer, from the cache when it was kept under this version, else read
    and kept. The version is read first: whatever `read()` then sees is at least as new."""
    if slot_version_pending():
        return read()
    version = slot_version_get()
    if version is None:
        return read()
    full_key = f"sitting:slots:{version}:{key}"
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
