"""Changing a booking once made: the client's reschedule and cancel (until the studio's
cut-off), the studio's approve, decline, cancel, move and "attended". Each change locks the
booking, checks its state under the lock and tells the client."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sessions.models import Booking
from sessions.overlap import integrity_error_is_overlap
from sessions.payments.checkout import deposit_payment_create
from sessions.payments.emails import payment_email_enqueue
from sessions.payments.installments import plan_close
from sessions.payments.ledger import cancellation_terms
from sessions.payments.redemptions import redemptions_release
from sessions.payments.refunds import booking_payments_settle_on_cancel
from sessions.selectors import booking_change_deadline, session_type_slots
from sessions.services import (
    SlotUnavailable,
    booking_clash_find,
    booking_email_enqueue,
    booking_times,
    nearest_free_slots,
    overlapping_holds_expire,
    photographers_lock,
)
from sessions.waitlist_freed import waitlist_time_freed
from studio.background import task_enqueue_on_commit

# An approved request that needs a deposit: the client is emailed, so gets longer to pay.
APPROVED_HOLD = timedelta(hours=48)


CHANGED_SINCE = gettext_lazy(
    "Someone changed this booking since you opened it, so nothing was changed. Here it is as "
    "it is now."
)


class BookingChangeRefused(Exception):
    """The client may not make this change online; `message` says why, for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _is_active(booking: Booking, *, now: datetime) -> bool:
    if booking.status == Booking.Status.HELD:
        return booking.hold_expires_at is not None and booking.hold_expires_at > now
    return booking.status in Booking.ACTIVE_STATUSES


def booking_client_may_change(booking: Booking, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return _is_active(booking, now=now) and now < booking_change_deadline(booking)


def booking_client_may_cancel(booking: Booking, *, now: datetime | None = None) -> bool:
    """Clients may cancel online until the session starts; after the cut-off what they
    paid is kept (see payments.cancellation_terms)."""
    now = now or timezone.now()
    return _is_active(booking, now=now) and now < booking.starts_at


def _locked(booking_id: int) -> Booking:
    """The booking, row-locked (not the rows joined to it). Call inside a transaction."""
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("session_type", "client", "photographer")
        .get(pk=booking_id)
    )


def _locked_for_change(booking_id: int, *, by_client: bool, now: datetime) -> Booking:
    """The booking, row-locked, if it may be changed. Call inside a transaction."""
    return _check_changeable(_locked(booking_id), by_client=by_client, now=now)


def _check_changeable(booking: Booking, *, by_client: bool, now: datetime) -> Booking:
    if not _is_active(booking, now=now):
        raise BookingChangeRefused(_("This booking is no longer active, so it can't be changed."))
    if by_client and now >= booking_change_deadline(booking):
        raise BookingChangeRefused(
            _(
                "It's too close to your session to change it online. Please contact the "
                "studio and we'll do what we can."
            )
        )
    return booking


def booking_cancel(
    *,
    booking_id: int,
    by_client: bool,
    refund_percent: int | None = None,
    now: datetime | None = None,
) -> Booking:
    """Cancel a booking, freeing its time at once, and refund what was paid: for a client,
    the deposit by the studio's policy (its refund percentage before the cut-off, nothing
    after) and anything else in full; for the studio, `refund_percent` of everything (in
    full unless told). Cancelling twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked(booking_id)
        if booking.status == Booking.Status.CANCELLED:  # checked under the lock: no race
            return booking
        if not _is_active(booking, now=now):
            raise BookingChangeRefused(
                _("This booking is no longer active, so it can't be changed.")
            )
        if by_client and now >= booking.starts_at:
            raise BookingChangeRefused(
                _("Your session has already started, so it can't be cancelled online.")
            )
        if by_client:
            deposit_percent, others_percent = cancellation_terms(booking, now=now)["percent"], 100
        else:
            deposit_percent = others_percent = 100 if refund_percent is None else refund_percent
        _end(booking, status=Booking.Status.CANCELLED, email="cancelled", now=now)
        booking_payments_settle_on_cancel(
            booking, deposit_percent=deposit_percent, others_percent=others_percent, now=now
        )
    return booking


def _end(booking: Booking, *, status: str, email: str, now: datetime) -> None:
    """Close a locked booking, freeing its time, and tell the client."""
    booking.status = status
    booking.cancelled_at = now
    booking.calendar_sequence += 1
    booking.save(update_fields=["status", "cancelled_at", "calendar_sequence"])
    redemptions_release(booking_ids=[booking.pk], now=now)
    plan_close(booking, now=now)
    booking_email_enqueue(booking, kind=email)
    waitlist_time_freed(bookings=[booking])


def booking_move_offered(
    booking: Booking,
    *,
    starts_at: datetime,
    tz: ZoneInfo,
    now: datetime | None = None,
    photographer_id: int | None = None,
    duration: timedelta | None = None,
) -> bool:
    """Whether the booking could move to `starts_at` (with another of the type's
    photographers, for another length, when given): a free time as clients are offered
    them, the booking itself not standing in the way."""
    local_day = starts_at.astimezone(tz).date()
    offered = session_type_slots(
        session_type=booking.session_type,
        first_day=local_day,
        last_day=local_day,
        tz=tz,
        photographer_ids=[photographer_id or booking.photographer_id],
        now=now,
        exclude_booking_id=booking.pk,
        duration=duration or booking.duration,
    ).get(local_day, [])
    return any(slot.starts_at == starts_at for slot in offered)


def booking_reschedule(
    *,
    booking_id: int,
    starts_at: datetime,
    tz: ZoneInfo,
    by_client: bool,
    outside_rules: bool = False,
    now: datetime | None = None,
    photographer_id: int | None = None,
    duration: timedelta | None = None,
    notify: bool = True,
    sequence: int | None = None,
) -> Booking:
    """Move a booking to another offered time, keeping its reference; the calendar invite
    is updated in place. Raises SlotUnavailable or BookingChangeRefused. With
    `outside_rules` (the studio only) the public rules (hours, notice, limits) are set
    aside, as for booking_create_by_staff; overlapping never is. The studio may also hand
    it to another photographer (`photographer_id`), give it another length (`duration`),
    move it without emailing the client (`notify`), and say which version of it they saw
    (`sequence`, its calendar_sequence): one changed since is refused, not overwritten."""
    if by_client and (outside_rules or photographer_id or duration or not notify):
        raise ValueError("clients keep to the public booking rules and are always told")
    now = now or timezone.now()
    starts_at = starts_at.astimezone(ZoneInfo("UTC"))
    for _attempt in range(3):
        current = Booking.objects.values_list("photographer_id", flat=True).get(pk=booking_id)
        try:
            return _reschedule(
                booking_id=booking_id,
                starts_at=starts_at,
                tz=tz,
                by_client=by_client,
                outside_rules=outside_rules,
                now=now,
                current=current,
                target=photographer_id or current,
                duration=duration,
                notify=notify,
                sequence=sequence,
            )
        except _PhotographerChanged:
            continue  # handed to someone else meanwhile: lock theirs, and look again
    raise BookingChangeRefused(str(CHANGED_SINCE))


class _PhotographerChanged(Exception):
    """The booking changed hands between reading its photographer and locking it."""


def _reschedule(
    *,
    booking_id: int,
    starts_at: datetime,
    tz: ZoneInfo,
    by_client: bool,
    outside_rules: bool,
    now: datetime,
    current: int,
    target: int,
    duration: timedelta | None,
    notify: bool,
    sequence: int | None,
) -> Booking:
    try:
        with transaction.atomic():
            # Photographers before booking: the lock order booking_create and payments use.
            photographers_lock(sorted({current, target}))
            booking = _locked_for_change(booking_id, by_client=by_client, now=now)
            if booking.photographer_id != current:
                raise _PhotographerChanged
            if sequence is not None and booking.calendar_sequence != sequence:
                raise BookingChangeRefused(str(CHANGED_SINCE))
            if target != booking.photographer_id and not (
                booking.session_type.photographers.filter(pk=target, is_active=True).exists()
            ):
                raise BookingChangeRefused(
                    _("That photographer doesn't take %(session)s sessions.")
                    % {"session": booking.session_type.name}
                )
            duration = duration or booking.duration
            if (target, starts_at, duration) == (
                booking.photographer_id,
                booking.starts_at,
                booking.duration,
            ):
                raise BookingChangeRefused(_("The session is there already."))
            if not outside_rules and not booking_move_offered(
                booking,
                starts_at=starts_at,
                tz=tz,
                now=now,
                photographer_id=target,
                duration=duration,
            ):
                raise SlotUnavailable(_("That time is no longer free."))
            freed = Booking(starts_at=booking.starts_at)  # the old time, for the waitlist
            booking.photographer_id = target
            for name, value in booking_times(booking.session_type, starts_at, duration).items():
                setattr(booking, name, value)
            overlapping_holds_expire(booking, now=now)
            if outside_rules and booking_clash_find(booking=booking, now=now):
                raise SlotUnavailable(_("That time was just taken."))
            booking.calendar_sequence += 1
            booking.save(
                update_fields=[
                    "photographer",
                    "starts_at",
                    "ends_at",
                    "blocked_from",
                    "blocked_until",
                    "calendar_sequence",
                ]
            )
            if notify:
                booking_email_enqueue(booking, kind="rescheduled", was=freed.starts_at)
            waitlist_time_freed(bookings=[freed])
            if by_client:  # the studio hears of moves it didn't make itself
                task_enqueue_on_commit(
                    "sessions.tasks.studio_email_send_task",
                    booking_id=booking.pk,
                    kind="moved",
                    sequence=booking.calendar_sequence,
                )
    except SlotUnavailable as unavailable:
        moving = Booking.objects.select_related("session_type").get(pk=booking_id)
        unavailable.nearest = nearest_free_slots(
            session_type=moving.session_type,
            wanted=starts_at,
            tz=tz,
            photographer_ids=[target],
            now=now,
            exclude_booking_id=booking_id,
            duration=duration or moving.duration,
        )
        raise
    except IntegrityError as error:
        if not integrity_error_is_overlap(error):
            raise
        raise SlotUnavailable(_("That time was just taken.")) from None
    return booking


def booking_approve(*, booking_id: int, now: datetime | None = None) -> Booking:
    """Confirm a requested booking. Approving twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        if booking.status in (Booking.Status.CONFIRMED, Booking.Status.HELD):
            return booking
        if booking.status != Booking.Status.REQUESTED:
            raise BookingChangeRefused(_("Only requests waiting for approval can be approved."))
        booking.calendar_sequence += 1
        if booking.deposit and settings.PAYMENTS_ENABLED:
            # Approved, and now the deposit is due: the time is held while it is paid.
            booking.status = Booking.Status.HELD
            booking.hold_expires_at = now + APPROVED_HOLD
        else:
            booking.status = Booking.Status.CONFIRMED
            booking.confirmed_at = now
            booking_email_enqueue(booking, kind="confirmed")
        booking.save(
            update_fields=["status", "confirmed_at", "hold_expires_at", "calendar_sequence"]
        )
        if booking.status == Booking.Status.HELD:
            payment_email_enqueue(deposit_payment_create(booking), kind="deposit_due")
    return booking


def booking_decline(*, booking_id: int, now: datetime | None = None) -> Booking:
    """Turn down a requested booking, freeing its time. Declining twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        if booking.status == Booking.Status.DECLINED:
            return booking
        if booking.status != Booking.Status.REQUESTED:
            raise BookingChangeRefused(_("Only requests waiting for approval can be declined."))
        _end(booking, status=Booking.Status.DECLINED, email="declined", now=now)
    return booking


def booking_mark_attended(
    *, booking_id: int, attended: bool, now: datetime | None = None
) -> Booking:
    """After the session starts: completed, or a no-show. Raises BookingChangeRefused before
    the session, or for a booking that was never confirmed."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked(booking_id)
        wanted = Booking.Status.COMPLETED if attended else Booking.Status.NO_SHOW
        if booking.status == wanted:
            return booking
        if booking.status not in (
            Booking.Status.CONFIRMED,
            Booking.Status.COMPLETED,
            Booking.Status.NO_SHOW,
        ):
            raise BookingChangeRefused(_("Only a confirmed session can be marked as done."))
        if now < booking.starts_at:
            raise BookingChangeRefused(_("The session hasn't started yet."))
        booking.status = wanted
        booking.completed_at = now if attended else None
        booking.save(update_fields=["status", "completed_at"])
    return booking
