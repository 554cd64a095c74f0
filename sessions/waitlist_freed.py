"""A time freed up: what cancelling, moving and expiring holds call so that a full day's
waitlist hears of it (sessions.waitlist). Apart, so that those modules need import only this."""

from zoneinfo import ZoneInfo

from sessions.models import Booking, WaitlistEntry
from studio.background import task_enqueue_on_commit
from studio.selectors import studio_get


def waitlist_time_freed(*, bookings) -> None:
    """Queue the waitlist's offers for the days of these bookings' (old) times, when
    someone waits for one. Call inside the transaction that frees them; beat's sweep
    catches anything a lost task misses."""
    tz = ZoneInfo(studio_get().time_zone)
    days = {booking.starts_at.astimezone(tz).date() for booking in bookings}
    waited = WaitlistEntry.objects.filter(day__in=days, status=WaitlistEntry.Status.WAITING)
    for day in sorted(set(waited.values_list("day", flat=True))):
        task_enqueue_on_commit("sessions.tasks.waitlist_offers_make_task", day=day.isoformat())


def waitlist_ids_freed(ids: list[int]) -> None:
    """waitlist_time_freed for bookings by id (the bulk expiries)."""
    if ids:
        waitlist_time_freed(bookings=list(Booking.objects.filter(pk__in=ids).only("starts_at")))
