import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from sessions import slots
from sessions.documents.services import (
    booking_documents_issue,
    documents_send,
    session_type_requires_signing,
    signing_hold,
)
from sessions.history import booking_events_record
from sessions.models import Booking, SessionType
from sessions.overlap import integrity_error_is_overlap
from sessions.payments.offers import (
    Offer,
    booking_items_create,
    booking_offer_fields,
    offer_default,
)
from sessions.payments.redemptions import code_redeem, redemptions_release
from sessions.selectors import booking_active_q, session_type_slots
from studio.background import task_enqueue_on_commit
from studio.models import Photographer
from studio.selectors import studio_get

# Easy to read over the phone: no 0/O, 1/I/L, 5/S or 8/B to confuse.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY234679"
REFERENCE_LENGTH = 6
HOLD_MINUTES = 30  # while the client pays online; see payments.CHECKOUT_MINUTES


class SlotUnavailable(Exception):
    """The time asked for cannot be booked; `nearest` lists free times close to it."""

    def __init__(self, message: str, nearest: list[slots.Slot] | None = None):
        super().__init__(message)
        self.message = message
        self.nearest = nearest or []


def booking_reference_new() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def nearest_free_slots(
    *,
    session_type: SessionType,
    wanted: datetime,
    tz: ZoneInfo,
    photographer_ids: list[int] | None = None,
    now: datetime | None = None,
    count: int = 3,
    exclude_booking_id: int | None = None,
    duration: timedelta | None = None,
) -> list[slots.Slot]:
    """Free start times closest to `wanted`, within three days either side, for a session
    of `duration` (the type's own when None)."""
    day = wanted.astimezone(tz).date()
    days = session_type_slots(
        session_type=session_type,
        first_day=day - timedelta(days=3),
        last_day=day + timedelta(days=3),
        tz=tz,
        photographer_ids=photographer_ids,
        now=now,
        exclude_booking_id=exclude_booking_id,
        duration=duration,
    )
    candidates = [slot for day_slots in days.values() for slot in day_slots]
    candidates.sort(key=lambda slot: abs(slot.starts_at - wanted))
    return sorted(candidates[:count], key=lambda slot: slot.starts_at)


def booking_times(
    session_type: SessionType, starts_at: datetime, duration: timedelta | None = None
) -> dict[str, datetime]:
    """When a session starting at `starts_at` ends (after `duration`, else the type's own),
    and the span it blocks (with buffers). Arithmetic in UTC: Python adds timedeltas to
    zone-aware datetimes on the wall clock."""
    starts_at = starts_at.astimezone(ZoneInfo("UTC"))
    ends_at = starts_at + (duration or session_type.duration)
    return {
        "starts_at": starts_at,
        "ends_at": ends_at,
        "blocked_from": starts_at - session_type.buffer_before,
        "blocked_until": ends_at + session_type.buffer_after,
    }


def booking_new(
    *,
    client: Client,
    session_type: SessionType,
    photographer: Photographer,
    starts_at: datetime,
    offer: Offer | None = None,
    **fields,
) -> Booking:
    """An unsaved booking with its times, and prices copied from the offer (the session
    type's first package when None); booking_items_create saves what it bought once it is
    saved. With payments off the deposit is still copied: it is due at the studio."""
    offer = offer or offer_default(session_type)
    return Booking(
        client=client,
        session_type=session_type,
        photographer=photographer,
        **booking_times(session_type, starts_at, offer.duration),
        **booking_offer_fields(offer),
        **fields,
    )


def _choose_photographer(slot: slots.Slot, photographers: dict[int, Photographer]) -> Photographer:
    # "Any photographer": the first in the studio's display order who is free.
    free = [photographers[pk] for pk in slot.photographer_ids if pk in photographers]
    return min(free, key=lambda p: (p.display_order, p.display_name, p.pk))


def booking_create(
    *,
    client: Client,
    session_type: SessionType,
    starts_at: datetime,
    tz: ZoneInfo,
    photographer: Photographer | None = None,
    client_notes: str = "",
    booked_as: str = "",
    photographed: tuple[str, str] = ("", ""),
    offer: Offer | None = None,
    code: str = "",
    now: datetime | None = None,
) -> Booking:
    """Book an offered time for a client, or raise SlotUnavailable. `booked_as` is the name
    typed on the form, kept on the booking (the client's record keeps its own), and
    `photographed` the name of who is photographed and a note about them, when the one
    booking books for someone else; `offer` the
    package and add-ons chosen (the session type's first package when None); `code` a
    discount code typed, used under its row lock (raises CodeRefused when it can't be).

    The booking is confirmed at once when no payment is due, requested when the session
    type needs the studio's approval, and held for HOLD_MINUTES while a deposit is paid.
    Never double-books: on PostgreSQL an exclusion constraint refuses overlapping active
    bookings of a photographer; on SQLite writers are serialised and the check below runs
    inside the transaction.
    """
    now = now or timezone.now()
    offer = offer or offer_default(session_type)
    starts_at = starts_at.astimezone(ZoneInfo("UTC"))
    wanted_ids = [photographer.pk] if photographer else None
    local_day = starts_at.astimezone(tz).date()
    photographers = {p.pk: p for p in session_type.photographers.filter(is_active=True)}
    try:
        with transaction.atomic():
            # One booking at a time per photographer, so daily limits hold under load too
            # (SQLite's BEGIN IMMEDIATE serialises already; this is for PostgreSQL).
            photographers_lock(wanted_ids or list(photographers))
            offered = session_type_slots(
                session_type=session_type,
                first_day=local_day,
                last_day=local_day,
                tz=tz,
                photographer_ids=wanted_ids,
                now=now,
                duration=offer.duration,
            )
            slot = next((s for s in offered.get(local_day, []) if s.starts_at == starts_at), None)
            if slot is None:
                raise SlotUnavailable(_("That time is no longer free."))
            chosen = photographer or _choose_photographer(slot, photographers)
            booking = booking_new(
                client=client,
                session_type=session_type,
                photographer=chosen,
                starts_at=starts_at,
                offer=offer,
                client_notes=client_notes,
                booked_as=booked_as.strip(),
                photographed_name=photographed[0].strip(),
                photographed_note=photographed[1].strip(),
            )
            redemption = code_redeem(booking=booking, text=code, tz=tz, now=now) if code else None
            overlapping_holds_expire(booking, now=now)
            _set_initial_status(booking, now=now)
            _insert_with_reference(booking, now=now)
            booking_items_create(booking=booking, offer=offer)
            if redemption is not None:
                redemption.booking = booking
                redemption.save()
            booking_documents_issue(booking=booking)
            if booking.status in (Booking.Status.CONFIRMED, Booking.Status.REQUESTED):
                booking_email_enqueue(booking, kind=booking.status)
            elif booking.status == Booking.Status.HELD:
                from sessions.payments.checkout import deposit_payment_create  # it imports us

                deposit_payment_create(booking)
    except SlotUnavailable as unavailable:
        unavailable.nearest = nearest_free_slots(
            session_type=session_type,
            wanted=starts_at,
            tz=tz,
            photographer_ids=wanted_ids,
            now=now,
            duration=offer.duration,
        )
        raise
    except IntegrityError as error:
        if not integrity_error_is_overlap(error):
            raise
        # Another request took the time between our check and our insert (PostgreSQL).
        raise SlotUnavailable(
            _("That time was just taken."),
            nearest_free_slots(
                session_type=session_type,
                wanted=starts_at,
                tz=tz,
                photographer_ids=wanted_ids,
                now=now,
                duration=offer.duration,
            ),
        ) from None
    return booking


def photographers_lock(ids: list[int]) -> None:
    """Row-lock these photographers, in id order so that two requests never deadlock."""
    list(Photographer.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))


def overlapping_holds_expire(booking: Booking, *, now: datetime) -> None:
    # A hold that ran out frees its time at once, not when a cleanup job next runs;
    # it must stop counting as active before the exclusion constraint sees the new row.
    expiring = Booking.objects.filter(
        photographer=booking.photographer,
        status=Booking.Status.HELD,
        hold_expires_at__lte=now,
        blocked_from__lt=booking.blocked_until,
        blocked_until__gt=booking.blocked_from,
    )
    ids = list(expiring.select_for_update().values_list("pk", flat=True))  # locked: no race
    if ids:
        Booking.objects.filter(pk__in=ids).update(status=Booking.Status.EXPIRED, cancelled_at=now)
        booking_events_record(ids, status=Booking.Status.EXPIRED)
        redemptions_release(booking_ids=ids, now=now)


def _set_initial_status(booking: Booking, *, now: datetime) -> None:
    """Requested when the studio approves each; else held while the client signs what the
    session type requires and pays the deposit (sessions.documents confirms a booking held
    only for signing); else confirmed."""
    if booking.session_type.requires_approval:
        booking.status = Booking.Status.REQUESTED
    elif (booking.deposit and settings.PAYMENTS_ENABLED) or session_type_requires_signing(
        booking.session_type
    ):
        booking.status = Booking.Status.HELD
        booking.hold_expires_at = signing_hold(
            booking.session_type, now=now, hold_minutes=HOLD_MINUTES
        )
    else:
        booking.status = Booking.Status.CONFIRMED
        booking.confirmed_at = now


def _insert_with_reference(booking: Booking, *, now: datetime) -> None:
    """Insert, checking for overlap first; a new reference if one is already taken."""
    overlapping = Booking.objects.filter(
        booking_active_q(now=now),
        photographer=booking.photographer,
        blocked_from__lt=booking.blocked_until,
        blocked_until__gt=booking.blocked_from,
    )
    if overlapping.exists():
        raise SlotUnavailable(_("That time was just taken."))
    for _attempt in range(5):
        booking.reference = booking_reference_new()
        try:
            with transaction.atomic():
                booking.save(force_insert=True)
            return
        except IntegrityError:
            if not Booking.objects.filter(reference=booking.reference).exists():
                raise
    raise RuntimeError("could not find a free booking reference")  # 1 in 10^35 odds


def booking_email_enqueue(booking: Booking, *, kind: str, was: datetime | None = None) -> None:
    """Queue an email about the booking as it is now; the task skips it if the booking has
    moved on by the time it runs (a confirmation must not follow a cancellation). A move
    says when the session `was`, and the status it was moved in (booking_email_send)."""
    moved = {"was": was.isoformat(), "status": booking.status} if was else {}
    task_enqueue_on_commit(
        "sessions.tasks.booking_email_send_task",
        booking_id=booking.pk,
        kind=kind,
        sequence=booking.calendar_sequence,
        **moved,
    )
    # The studio hears of new bookings it didn't make itself, and of cancellations.
    studio_kind = {"confirmed": "new", "requested": "new", "cancelled": "cancelled"}.get(kind)
    if studio_kind and not (studio_kind == "new" and booking.created_by_staff):
        task_enqueue_on_commit(
            "sessions.tasks.studio_email_send_task", booking_id=booking.pk, kind=studio_kind
        )


def booking_rule_warnings(
    *,
    session_type: SessionType,
    photographer: Photographer,
    starts_at: datetime,
    tz: ZoneInfo,
    now: datetime | None = None,
    exclude_booking_id: int | None = None,
    duration: timedelta | None = None,
) -> list[str]:
    """Why the public booking pages would not offer this time for a session of `duration`
    (the type's own when None); empty when they would. `exclude_booking_id`: a booking
    being moved, whose own time does not count."""
    now = now or timezone.now()
    local_day = starts_at.astimezone(tz).date()
    offered = session_type_slots(
        session_type=session_type,
        first_day=local_day,
        last_day=local_day,
        tz=tz,
        photographer_ids=[photographer.pk],
        now=now,
        exclude_booking_id=exclude_booking_id,
        duration=duration,
    ).get(local_day, [])
    if any(slot.starts_at == starts_at for slot in offered):
        return []
    if starts_at < now:
        return [_("This time is in the past.")]
    if starts_at < now + timedelta(hours=session_type.minimum_notice_hours):
        return [_("This is less notice than clients are allowed online.")]
    if starts_at > now + timedelta(days=session_type.booking_window_days):
        return [
            _(
                "This is further ahead than clients can book “%(session)s” online (up to "
                "%(days)s days ahead)."
            )
            % {"session": session_type.name, "days": session_type.booking_window_days}
        ]
    if not session_type.photographers.filter(pk=photographer.pk).exists():
        return [
            _(
                "Clients can't book “%(session)s” with %(name)s online: %(name)s isn't one of "
                "its photographers (on the session type's page)."
            )
            % {"name": photographer.display_name, "session": session_type.name}
        ]
    return [
        _(
            "Clients could not book this time online: it is outside %(name)s's hours, in "
            "time off, off the start-time grid, or past a daily limit."
        )
        % {"name": photographer.display_name}
    ]


def booking_create_by_staff(
    *,
    client: Client,
    session_type: SessionType,
    photographer: Photographer,
    starts_at: datetime,
    client_notes: str = "",
    email_client: bool = True,
    offer: Offer | None = None,
    code: str = "",
    now: datetime | None = None,
) -> Booking:
    """A booking the studio makes (by phone, in person), confirmed at once. The public rules
    (hours, notice, limits) do not apply, but it never overlaps another active booking. A
    discount `code` is used as the client's own would be (raises CodeRefused)."""
    now = now or timezone.now()
    offer = offer or offer_default(session_type)
    starts_at = starts_at.astimezone(ZoneInfo("UTC"))
    booking = booking_new(
        client=client,
        session_type=session_type,
        photographer=photographer,
        starts_at=starts_at,
        offer=offer,
        client_notes=client_notes,
        status=Booking.Status.CONFIRMED,
        confirmed_at=now,
        created_by_staff=True,
    )
    try:
        with transaction.atomic():
            photographers_lock([photographer.pk])
            tz = ZoneInfo(studio_get().time_zone)
            redemption = code_redeem(booking=booking, text=code, tz=tz, now=now) if code else None
            overlapping_holds_expire(booking, now=now)
            _insert_with_reference(booking, now=now)
            booking_items_create(booking=booking, offer=offer)
            if redemption is not None:
                redemption.booking = booking
                redemption.save()
            booking_documents_issue(booking=booking)
            if email_client:
                booking_email_enqueue(booking, kind="confirmed")
                documents_send(booking=booking)
    except SlotUnavailable:
        raise SlotUnavailable(
            _("%(name)s already has a session (or its buffer time) then.")
            % {"name": photographer.display_name}
        ) from None
    except IntegrityError as error:
        if not integrity_error_is_overlap(error):
            raise
        raise SlotUnavailable(_("That time was just taken.")) from None
    return booking


def booking_clash_find(*, booking: Booking, now: datetime | None = None) -> Booking | None:
    """The active booking of `booking`'s photographer whose time, buffers included, overlaps
    `booking`'s (saved or not; itself excluded), for telling the studio what a time clashes
    with. It names another client: never show it to a client."""
    now = now or timezone.now()
    return (
        Booking.objects.filter(
            booking_active_q(now=now),
            photographer_id=booking.photographer_id,
            blocked_from__lt=booking.blocked_until,
            blocked_until__gt=booking.blocked_from,
        )
        .exclude(pk=booking.pk)
        .select_related("client", "session_type", "photographer")
        .order_by("starts_at")
        .first()
    )
