"""Waitlists for full days (and sold-out mini-session days).

Someone joins for a day, a session type and a package. When a time frees up on that day (a
cancellation, a hold that ran out, a moved session: sessions.waitlist_freed queues the work,
and beat looks again every two minutes, so a worker that dies loses nothing), the first one
waiting whose session fits is offered it: a held booking made for them, as the booking pages
hold a time while a client pays, kept for the studio's `waitlist_offer_hours` and emailed
once with a link. Taking it books the time through the normal booking pages; leaving it, or
letting it run out, frees the time for the next one.

A hold is a booking: on PostgreSQL the exclusion constraint, on SQLite the serialised write,
and the photographers' row locks make sure two offers (or an offer and a client on the
booking pages) never get the same time; an entry is locked while it is offered, so it is
offered one time at once.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from clients.services import client_get_or_create
from sessions.models import AddOn, Booking, Package, SessionType, WaitlistEntry
from sessions.overlap import integrity_error_is_overlap
from sessions.payments.offers import Offer, booking_items_create, offer_default
from sessions.selectors import session_type_free_days, session_type_slots
from sessions.services import (
    SlotUnavailable,
    _choose_photographer,
    _insert_with_reference,
    booking_new,
    overlapping_holds_expire,
    photographers_lock,
)
from sessions.waitlist_freed import waitlist_time_freed
from studio.background import task_enqueue_on_commit
from studio.models import SentEmail
from studio.selectors import studio_get

OPEN = (WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED)


class WaitlistRefused(Exception):
    """The day can't be waited for; `message` says why, for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def entry_offer(entry: WaitlistEntry) -> Offer:
    """What the entry waits for: its package (the session type's first when gone) and the
    add-ons chosen with it that are still offered, in the studio's order."""
    if entry.package is None or entry.package.session_type_id != entry.session_type_id:
        return offer_default(entry.session_type)
    kept = AddOn.objects.filter(
        pk__in=entry.add_ons.values("pk"), session_type=entry.session_type_id, is_active=True
    )
    return Offer(session_type=entry.session_type, package=entry.package, add_ons=tuple(kept))


def waitlist_full_days(
    *,
    session_type: SessionType,
    first_day: date,
    last_day: date,
    tz: ZoneInfo,
    duration: timedelta | None = None,
    now: datetime | None = None,
    free_days: set[date] | None = None,
) -> list[date]:
    """Days that would have times if nobody had booked, and have none left: full days and
    sold-out mini-session days, not days off. `free_days`: the days with free times, when
    the caller has them already (the calendar)."""
    now = now or timezone.now()
    common = {
        "session_type": session_type,
        "first_day": first_day,
        "last_day": last_day,
        "tz": tz,
        "duration": duration,
        "now": now,
    }
    if free_days is None:
        free_days = session_type_free_days(**common)
    # Only the days without free times can be full: the slot engine runs again over those
    # alone (on the calendar, every request), not the whole month.
    others = [
        first_day + timedelta(days=n)
        for n in range((last_day - first_day).days + 1)
        if first_day + timedelta(days=n) not in free_days
    ]
    if not others:
        return []
    common |= {"first_day": others[0], "last_day": others[-1]}
    if_empty = session_type_free_days(**common, bookings=False)
    return sorted(if_empty - free_days)


def waitlist_refusal(
    *,
    session_type: SessionType,
    package: Package | None,
    day: date,
    tz: ZoneInfo,
    add_ons: tuple[AddOn, ...] = (),
    now: datetime | None = None,
) -> str | None:
    """Why nobody can wait for this day, in words for a person; None when it is full for
    the package and add-ons chosen (a day is full for the length those make)."""
    duration = (
        Offer(session_type=session_type, package=package, add_ons=add_ons).duration
        if package
        else None
    )
    if day in waitlist_full_days(
        session_type=session_type, first_day=day, last_day=day, tz=tz, duration=duration, now=now
    ):
        return None
    if session_type_slots(
        session_type=session_type, first_day=day, last_day=day, tz=tz, duration=duration
    ).get(day):
        return _("That day still has free times: you can book one now.")
    return _("That day can't be booked, so there is no waitlist for it.")


def waitlist_join(
    *,
    session_type: SessionType,
    package: Package | None,
    day: date,
    name: str,
    email: str,
    tz: ZoneInfo,
    add_ons: tuple[AddOn, ...] = (),
    now: datetime | None = None,
) -> WaitlistEntry:
    """Put someone on a full day's waitlist (their place if they are on it already), for
    the package and add-ons they chose: a day is full for the length those make.
    Raises WaitlistRefused when the day has free times or can't be booked at all."""
    now = now or timezone.now()
    email = email.strip()
    existing = WaitlistEntry.objects.filter(
        session_type=session_type, day=day, email__iexact=email, status__in=OPEN
    ).first()
    if existing is not None:
        return existing
    refused = waitlist_refusal(
        session_type=session_type, package=package, add_ons=add_ons, day=day, tz=tz, now=now
    )
    if refused:
        raise WaitlistRefused(refused)
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(
                session_type=session_type,
                package=package,
                day=day,
                name=name.strip(),
                email=email,
            )
            if package is not None:
                entry.add_ons.set(add_ons)
            task_enqueue_on_commit("sessions.tasks.waitlist_joined_email_task", entry_id=entry.pk)
            return entry
    except IntegrityError:  # the same person, in another tab this very moment
        return WaitlistEntry.objects.get(
            session_type=session_type, day=day, email__iexact=email, status__in=OPEN
        )


def waitlist_entry_by_token(token: str) -> WaitlistEntry | None:
    if not token or len(token) < 20:
        return None
    return (
        WaitlistEntry.objects.select_related("session_type", "package", "hold__photographer")
        .filter(token=token)
        .first()
    )


def offer_is_open(entry: WaitlistEntry, *, now: datetime | None = None) -> bool:
    """Whether the entry's offered time is still held for it."""
    now = now or timezone.now()
    hold = entry.hold
    return (
        entry.status == WaitlistEntry.Status.OFFERED
        and hold is not None
        and hold.status == Booking.Status.HELD
        and hold.hold_expires_at > now
    )


def waitlist_offer_for(token: str | None, *, starts_at: datetime) -> WaitlistEntry | None:
    """The entry whose open offer is this time, from the booking page's `waitlist`."""
    entry = waitlist_entry_by_token(token or "")
    if entry is None or not offer_is_open(entry) or entry.hold.starts_at != starts_at:
        return None
    return entry


def offer_booking_url(entry: WaitlistEntry) -> str:
    """The booking page for the offered time, which the offer's link leads to."""
    hold = entry.hold
    query = [("start", hold.starts_at.isoformat()), ("photographer", hold.photographer_id)]
    query += [("package", hold.package_id)]
    query += [("add_on", item.add_on_id) for item in hold.items.all() if item.add_on_id]
    query.append(("waitlist", entry.token))
    url = reverse("sessions:booking-create", args=[entry.session_type.slug])
    return f"{url}?{urlencode(query)}"


def waitlist_offers_make(*, day: date, now: datetime | None = None) -> int:
    """Close the day's offers that ran out, then offer freed times to those waiting, first
    come first offered. Returns how many were offered a time."""
    now = now or timezone.now()
    tz = ZoneInfo(studio_get().time_zone)
    _offers_lapse(day=day, now=now)
    if day < now.astimezone(tz).date():
        return 0
    offered = 0
    waiting = WaitlistEntry.objects.filter(day=day, status=WaitlistEntry.Status.WAITING)
    for entry_id in list(waiting.values_list("pk", flat=True)):
        if _offer(entry_id=entry_id, tz=tz, now=now):
            offered += 1
    return offered


def _offers_lapse(*, day: date, now: datetime) -> None:
    gone = ~Q(hold__status=Booking.Status.HELD) | Q(hold__hold_expires_at__lte=now)
    stale = WaitlistEntry.objects.filter(day=day, status=WaitlistEntry.Status.OFFERED).filter(
        Q(hold__isnull=True) | gone
    )
    # Through the join the UPDATE would be `pk IN (subquery)`, which PostgreSQL doesn't
    # check again after a wait: an offer taken that moment would be marked lapsed.
    ids = list(stale.values_list("pk", flat=True))
    WaitlistEntry.objects.filter(pk__in=ids, status=WaitlistEntry.Status.OFFERED).update(
        status=WaitlistEntry.Status.LAPSED
    )


def _offer(*, entry_id: int, tz: ZoneInfo, now: datetime) -> bool:
    """Hold the first free time of the entry's day for it and email it; False when there is
    none (or it was offered meanwhile)."""
    entry = WaitlistEntry.objects.select_related("session_type", "package").get(pk=entry_id)
    offer = entry_offer(entry)
    photographers = {p.pk: p for p in entry.session_type.photographers.filter(is_active=True)}
    try:
        with transaction.atomic():
            photographers_lock(list(photographers))  # booking_create's lock order
            entry = WaitlistEntry.objects.select_for_update().get(pk=entry_id)
            if entry.status != WaitlistEntry.Status.WAITING:
                return False
            free = session_type_slots(
                session_type=offer.session_type,
                first_day=entry.day,
                last_day=entry.day,
                tz=tz,
                now=now,
                duration=offer.duration,
            ).get(entry.day, [])
            if not free:
                return False
            hold = booking_new(
                client=client_get_or_create(email=entry.email, name=entry.name),
                session_type=offer.session_type,
                photographer=_choose_photographer(free[0], photographers),
                starts_at=free[0].starts_at,
                offer=offer,
                booked_as=entry.name,
                status=Booking.Status.HELD,
                hold_expires_at=now + timedelta(hours=studio_get().waitlist_offer_hours),
            )
            overlapping_holds_expire(hold, now=now)
            _insert_with_reference(hold, now=now)
            booking_items_create(booking=hold, offer=offer)
            entry.status = WaitlistEntry.Status.OFFERED
            entry.hold = hold
            entry.offered_at = now
            entry.save(update_fields=["status", "hold", "offered_at"])
            task_enqueue_on_commit("sessions.tasks.waitlist_offer_email_task", entry_id=entry.pk)
    except SlotUnavailable:
        return False
    except IntegrityError as error:  # another offer or booking took it first (PostgreSQL)
        if not integrity_error_is_overlap(error):
            raise
        return False
    return True


def waitlist_offer_take(*, entry_id: int, starts_at: datetime, now: datetime | None = None):
    """Inside the booking's transaction: free the time held for the entry so that its
    booking can take it, and mark the entry booked. Raises SlotUnavailable when the offer
    is no longer open (ran out, or for another time)."""
    now = now or timezone.now()
    # Photographers first, in booking_create's order, then the entry and its hold.
    session_type = SessionType.objects.get(waitlist_entries=entry_id)
    photographers_lock(list(session_type.photographers.values_list("pk", flat=True)))
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry_id)
    if entry.hold_id is not None:  # locked too: beat's sweep may be expiring it
        entry.hold = Booking.objects.select_for_update().get(pk=entry.hold_id)
    if not offer_is_open(entry, now=now) or entry.hold.starts_at != starts_at:
        raise SlotUnavailable(_("The time kept for you has been released."))
    hold = entry.hold
    hold.status = Booking.Status.EXPIRED
    hold.cancelled_at = now
    hold.save(update_fields=["status", "cancelled_at"])
    entry.status = WaitlistEntry.Status.BOOKED
    entry.save(update_fields=["status"])
    return entry


def waitlist_leave(*, token: str, now: datetime | None = None) -> WaitlistEntry | None:
    """Take someone off the waitlist by their link; a time held for them goes to the next
    one. Leaving twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().filter(token=token).first()
        if entry is None or entry.status not in OPEN:
            return entry
        hold = entry.hold if entry.status == WaitlistEntry.Status.OFFERED else None
        entry.status = WaitlistEntry.Status.LEFT
        entry.save(update_fields=["status"])
        if hold is not None and hold.status == Booking.Status.HELD:
            hold.status = Booking.Status.EXPIRED
            hold.cancelled_at = now
            hold.save(update_fields=["status", "cancelled_at"])
            waitlist_time_freed(bookings=[hold])
    return entry


def waitlist_offers_scan(*, now: datetime | None = None) -> int:
    """Beat's sweep: every day someone waits for or holds an offer on, looked at again (an
    offer that ran out goes to the next one; a time freed while no worker ran is offered)."""
    now = now or timezone.now()
    today = now.astimezone(ZoneInfo(studio_get().time_zone)).date()
    # Places for days gone by are closed (an offer still held then has long run out).
    WaitlistEntry.objects.filter(status__in=OPEN, day__lt=today).update(
        status=WaitlistEntry.Status.PASSED
    )
    days = (
        WaitlistEntry.objects.filter(status__in=OPEN, day__gte=today)
        .values_list("day", flat=True)
        .distinct()
    )
    made = sum(waitlist_offers_make(day=day, now=now) for day in sorted(set(days)))
    _offer_emails_unsent(now=now)
    return made


def joined_email_key(entry_id: int) -> str:
    """The send-once key of the email that confirms a place on the waitlist."""
    return f"waitlist-joined:{entry_id}"


def offer_email_key(entry_id: int, hold_id: int) -> str:
    """The offer email's send-once key: one email per offer (an entry offered again, after
    its hold went, gets a new one)."""
    return f"waitlist-offer:{entry_id}:{hold_id}"


def _offer_emails_unsent(*, now: datetime) -> None:
    """An open offer whose email was never logged (its task lost with a worker) is sent
    again, and so is a new place's confirmation; the emails' keys keep each to once."""
    keys = {
        offer_email_key(entry_id, hold_id): entry_id
        for entry_id, hold_id in WaitlistEntry.objects.filter(
            status=WaitlistEntry.Status.OFFERED,
            hold__status=Booking.Status.HELD,
            hold__hold_expires_at__gt=now,
        ).values_list("pk", "hold_id")
    }
    logged = set(SentEmail.objects.filter(key__in=keys).values_list("key", flat=True))
    for key in keys.keys() - logged:
        task_enqueue_on_commit("sessions.tasks.waitlist_offer_email_task", entry_id=keys[key])
    # Places taken in the last day whose confirmation was never logged, the same way (older
    # ones are left: a confirmation days late would confuse more than help).
    joined = {
        joined_email_key(entry_id): entry_id
        for entry_id in WaitlistEntry.objects.filter(
            status=WaitlistEntry.Status.WAITING, created_at__gt=now - timedelta(days=1)
        ).values_list("pk", flat=True)
    }
    logged = set(SentEmail.objects.filter(key__in=joined).values_list("key", flat=True))
    for key in joined.keys() - logged:
        task_enqueue_on_commit("sessions.tasks.waitlist_joined_email_task", entry_id=joined[key])


def offer_links(entry: WaitlistEntry) -> dict[str, str]:
    """The absolute links in the offer email: the offer's page and leaving."""
    page = reverse("sessions:waitlist-entry", args=[entry.token])
    leave = reverse("sessions:waitlist-leave", args=[entry.token])
    return {"offer": settings.SITE_URL + page, "leave": settings.SITE_URL + leave}
