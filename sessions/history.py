"""A booking's history, written from its saves: a new booking, a new status, a new time.
Bulk updates (holds expiring) write theirs with `booking_events_record`."""

from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from sessions.models import Booking, BookingEvent
from sessions.payments.installments import plan_dates_follow
from studio.background import task_enqueue_on_commit

WATCHED = {"status", "starts_at", "ends_at", "photographer", "photographer_id"}
MOVES = ("starts_at", "ends_at", "photographer_id")
# A booking's bill follows these statuses (sessions.payments.invoices): issued once it is
# confirmed, credited and re-issued for what was kept when it ends.
BILLED_STATUSES = {
    Booking.Status.CONFIRMED,
    Booking.Status.CANCELLED,
    Booking.Status.DECLINED,
    Booking.Status.EXPIRED,
}


def _before(sender, instance: Booking, update_fields=None, raw=False, **kwargs) -> None:
    instance._history_before = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and not WATCHED & set(update_fields):
        return
    instance._history_before = (
        Booking.objects.filter(pk=instance.pk).values("status", *MOVES).first()
    )


def _after(sender, instance: Booking, created: bool, raw=False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_history_before", None)
    moved = bool(before) and any(before[name] != getattr(instance, name) for name in MOVES)
    status_changed = created or (before and before["status"] != instance.status)
    if status_changed or moved:
        BookingEvent.objects.create(
            booking=instance,
            status=instance.status,
            starts_at=instance.starts_at,
            moved=moved,
            ends_at=instance.ends_at if moved else None,
            photographer_id=instance.photographer_id if moved else None,
        )
    if moved and before["starts_at"] != instance.starts_at:  # the plan's parts follow the day
        plan_dates_follow(instance)
    if status_changed and instance.status in BILLED_STATUSES:
        task_enqueue_on_commit(
            "sessions.tasks.booking_invoice_issue_task",
            booking_id=instance.pk,
            confirming=instance.status == Booking.Status.CONFIRMED,
        )
    instance._history_before = None


def booking_events_record(booking_ids, *, status: str) -> None:
    """History for bookings changed by a bulk update, which sends no signals."""
    now = timezone.now()
    BookingEvent.objects.bulk_create(
        BookingEvent(booking_id=pk, status=status, starts_at=starts_at, at=now)
        for pk, starts_at in Booking.objects.filter(pk__in=list(booking_ids)).values_list(
            "pk", "starts_at"
        )
    )


def connect() -> None:
    pre_save.connect(_before, sender=Booking, dispatch_uid="sessions.history.before")
    post_save.connect(_after, sender=Booking, dispatch_uid="sessions.history.after")
