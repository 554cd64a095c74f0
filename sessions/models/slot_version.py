"""The version of everything the slot engine reads, for the booking calendar's cache
(sessions.slot_cache): bookings, holds, weekly and dated hours, time off, outside
calendars, session types and photographers. Any change to them moves it on."""

import secrets

from django.db import IntegrityError, connection, models, transaction


class SlotVersion(models.Model):
    """One row (pk 1): a number drawn afresh at every change. Drawn, not counted: a database
    restored from a backup would count again through numbers the cache still holds answers
    for, from the timeline the restore undid."""

    number = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "slot version"

    def __str__(self) -> str:
        return str(self.number)


def slot_version_get() -> int | None:
    """The version now; None when its row is missing (then nothing is cached). One query."""
    return SlotVersion.objects.filter(pk=1).values_list("number", flat=True).first()


def slot_version_bump() -> None:
    """Move the version on once the current transaction commits (at once outside one).

    After commit rather than inside: an UPDATE of one row held to the end of every
    transaction that books, cancels or pays would order its lock against the photographers',
    bookings' and codes' locks those take, a deadlock waiting to happen. The cost is a moment
    between a commit and its bump when the cache may show what was just changed as before;
    booking_create checks the database, never the cache."""
    if not slot_version_pending():  # once per transaction is enough
        # Robust: a bump that fails leaves the cache stale for KEPT_SECONDS at most, and
        # must never stop the commit's later callbacks (the booking's emails and tasks).
        transaction.on_commit(_bump, robust=True)


def slot_version_pending() -> bool:
    """Whether the open transaction changed what the slot engine reads: its own reads must
    then see its changes, not the cache."""
    pending = getattr(connection, "run_on_commit", ())
    return connection.in_atomic_block and any(entry[1] is _bump for entry in pending)


def _drawn() -> int:
    return secrets.randbits(62) + 1  # one in 4.6e18 of meeting a number used before


def _bump() -> None:
    if SlotVersion.objects.filter(pk=1).update(number=_drawn()):
        return
    try:
        with transaction.atomic():
            SlotVersion.objects.create(pk=1, number=_drawn())
    except IntegrityError:  # made meanwhile by another process
        SlotVersion.objects.filter(pk=1).update(number=_drawn())


class SlotDataQuerySet(models.QuerySet):
    """A queryset whose bulk writes, which send no signals, move the slot version on."""

    def update(self, **kwargs):
        changed = super().update(**kwargs)
        if changed:
            slot_version_bump()
        return changed

    def bulk_create(self, objs, *args, **kwargs):
        made = super().bulk_create(objs, *args, **kwargs)
        slot_version_bump()
        return made

    def bulk_update(self, objs, *args, **kwargs):
        changed = super().bulk_update(objs, *args, **kwargs)
        slot_version_bump()
        return changed
