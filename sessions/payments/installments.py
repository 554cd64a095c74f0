"""A booking's payment plan: its installments scheduled from the package's plan when it is
booked, their dates following the session when it moves, what each asks for now, the studio
editing the parts still to pay, and the card saved for them.

Amounts: each part is its share of what the client pays (the price less a discount and what
a gift voucher paid), rounded half up to the minor unit, never more than what is left after
the deposit and the earlier parts; an empty share takes the rest, and whatever is still left
after the last part becomes a "Balance" due on the session day. When a part comes due it
asks for no more than is still owed, and the last open part asks for all of it: a discount
given later, or a balance paid early, is never charged twice."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions.models import Booking
from sessions.payments.codes import BASIS_POINTS
from sessions.payments.common import (
    booking_lock,
    checkout_close_later,
    payment_expire,
    payment_locked,
)
from sessions.payments.ledger import booking_balance_due, booking_owed
from sessions.payments.models import Payment
from sessions.payments.plans import Anchor, Installment, PlanStep, SavedCard
from studio.money import money_format
from studio.selectors import studio_get

# Less than this (in minor units) is no part of its own: Stripe charges at least 30p or
# 50 cents, so a card could never be charged for it, nor a payment page opened.
SMALLEST_PART = 100

PLANNED_STATUSES = (
    Booking.Status.HELD,
    Booking.Status.REQUESTED,
    Booking.Status.CONFIRMED,
    Booking.Status.COMPLETED,
)


def _zone() -> ZoneInfo:
    return ZoneInfo(studio_get().time_zone)


def due_on(*, anchor: str, days: int, booked_on: date, session_on: date) -> date:
    """The day a part falls due: `days` from the booking day or the session day, never
    before the booking was made."""
    start = booked_on if anchor == Anchor.BOOKING else session_on
    return max(start + timedelta(days=days), booked_on)


def installment_due_on(booking: Booking, *, anchor: str, days: int, tz: ZoneInfo) -> date:
    """`due_on` for a booking, its days in the studio's zone."""
    return due_on(
        anchor=anchor,
        days=days,
        booked_on=timezone.localtime(booking.created_at or timezone.now(), tz).date(),
        session_on=timezone.localtime(booking.starts_at, tz).date(),
    )


@dataclass(frozen=True)
class PlanPart:
    label: str
    amount: int
    anchor: str
    days: int
    due_on: date


def _in_order(days_due: list[date]) -> list[date]:
    """The parts' days with none after a later part's (a step counted from the booking,
    booked close to the session, would otherwise come after the balance): it comes with it."""
    ordered = list(days_due)
    for n in range(len(ordered) - 2, -1, -1):
        ordered[n] = min(ordered[n], ordered[n + 1])
    return ordered


def plan_parts(
    steps: list[PlanStep], *, total: int, deposit: int, booked_on: date, session_on: date
) -> list[PlanPart]:
    """A plan's parts after the deposit for a total (price less discount): each step's share
    rounded half up, within what is left; an empty share takes the rest; what is still left
    after the last step is a "Balance" on the session day. A part smaller than SMALLEST_PART
    (a rounding's pennies) joins the part before it. Days never before booking, and never
    after a later part's."""
    left = max(total - deposit, 0)
    parts = []
    for number, step in enumerate(steps, start=1):
        share = left if step.percent is None else (total * step.percent + 5_000) // BASIS_POINTS
        amount = min(share, left)
        left -= amount
        if amount:
            label = step.label or _("Payment %(number)s") % {"number": number}
            parts.append((label, amount, step.anchor, step.days))
    if left:
        parts.append((_("Balance"), left, Anchor.SESSION, 0))
    while len(parts) > 1 and parts[-1][1] < SMALLEST_PART:
        pennies = parts.pop()[1]
        label, amount, anchor, days = parts[-1]
        parts[-1] = (label, amount + pennies, anchor, days)
    days_due = [
        due_on(anchor=anchor, days=days, booked_on=booked_on, session_on=session_on)
        for _label, _amount, anchor, days in parts
    ]
    return [
        PlanPart(label, amount, anchor, days, day)
        for (label, amount, anchor, days), day in zip(parts, _in_order(days_due), strict=True)
    ]


def plan_steps_of(package_id: int) -> list[PlanStep]:
    return list(PlanStep.objects.filter(package_id=package_id))


def offer_plan_preview(
    steps: list[PlanStep],
    *,
    total: int,
    deposit: int,
    starts_at: datetime,
    now: datetime | None = None,
) -> list[PlanPart]:
    """The parts a booking at `starts_at` for `total` would be asked for, to show before
    booking."""
    tz = _zone()
    return plan_parts(
        steps,
        total=total,
        deposit=deposit,
        booked_on=timezone.localtime(now or timezone.now(), tz).date(),
        session_on=timezone.localtime(starts_at, tz).date(),
    )


def plan_schedule(booking: Booking) -> list[Installment]:
    """Schedule the booking's installments from its package's plan (nothing when the package
    has none). Call once, right after the booking and its items are saved."""
    if booking.package_id is None:
        return []
    steps = plan_steps_of(booking.package_id)
    if not steps:
        return []
    tz = _zone()
    parts = plan_parts(
        steps,
        total=booking.price - booking.discount - booking.gift_voucher_amount,
        deposit=booking.deposit,
        booked_on=timezone.localtime(booking.created_at or timezone.now(), tz).date(),
        session_on=timezone.localtime(booking.starts_at, tz).date(),
    )
    return Installment.objects.bulk_create(
        Installment(
            booking=booking,
            position=position,
            label=part.label,
            amount=part.amount,
            currency=booking.currency,
            anchor=part.anchor,
            days=part.days,
            due_on=part.due_on,
        )
        for position, part in enumerate(parts)
    )


def plan_dates_follow(booking: Booking) -> int:
    """After the session moved: the open parts counted from the session day move with it,
    and, as when booked, none falls due after a later one (dates the studio set by hand
    stay, and count for none). Returns how many moved."""
    tz = _zone()
    parts = list(
        booking.installments.filter(status=Installment.Status.SCHEDULED)
        .exclude(anchor="")
        .order_by("position", "pk")
    )
    days_due = [
        installment_due_on(booking, anchor=part.anchor, days=part.days, tz=tz) for part in parts
    ]
    moved = 0
    for part, due_on in zip(parts, _in_order(days_due), strict=True):
        if due_on != part.due_on:
            part.due_on = due_on
            part.save(update_fields=["due_on", "updated_at"])
            moved += 1
    return moved


@dataclass(frozen=True)
class PlanLine:
    """A part of the plan as a person sees it now."""

    installment: Installment
    amount: int  # what it asks for now (0: nothing left for it)

    @property
    def paid(self) -> bool:
        return self.installment.status == Installment.Status.PAID


def plan_lines(booking: Booking) -> list[PlanLine]:
    """The booking's installments with what each asks for now: a paid part what it brought
    in. The parts not paid on their own (open, or covered by money that came another way)
    share what they are still to bring as if nothing had come another way, each its amount,
    the last one all that is left (a price lowered takes from the last parts, a price raised
    adds to the last); then money that came another way (a balance, a bank transfer) pays
    them in order, the part due first first, so a part it covered stays covered and the
    later ones keep their amounts.
    Queries the installments and payments unless they were prefetched."""
    parts = list(booking.installments.all())
    another_way = sum(
        payment.net_received
        for payment in booking.payments.all()
        if payment.kind == Payment.Kind.BALANCE
    )
    planned = plan_left(booking) + another_way
    sharing = [part for part in parts if part.is_open or part.status == Installment.Status.COVERED]
    asked = {}
    for part in sharing:
        is_last = part is sharing[-1]
        asked[part.pk] = planned if is_last else min(part.amount, planned)
        planned -= asked[part.pk]
    for part in sharing:
        paid = min(asked[part.pk], another_way)
        asked[part.pk] -= paid
        another_way -= paid
    lines = []
    for part in parts:
        if part.status == Installment.Status.PAID and part.payment is not None:
            amount = part.payment.net_received
        else:
            amount = asked.get(part.pk, 0) if part.is_open else 0
        lines.append(PlanLine(part, amount))
    return lines


def installment_amount_now(installment: Installment) -> int:
    """What this open part asks for now (see `plan_lines`)."""
    for line in plan_lines(installment.booking):
        if line.installment.pk == installment.pk:
            return line.amount
    return 0


def plan_settle(booking: Booking) -> int:
    """Close the parts still to come that nothing is left for, now that the money came
    another way (a balance, a bank transfer): covered, and a payment page of theirs closed,
    so the client is never asked for it again. Call holding the booking's lock. Returns how
    many."""
    settled = 0
    for line in plan_lines(booking):
        part = line.installment
        if line.amount or part.status not in (
            Installment.Status.SCHEDULED,
            Installment.Status.ACTION_NEEDED,
        ):
            continue
        if part.payment_id is not None:
            payment = payment_locked(part.payment_id)
            if payment.status == Payment.Status.PROCESSING:
                continue  # the client's bank payment for it may still clear
            _unpaid_close(payment, reason=_("Paid another way."))
        part.status = Installment.Status.COVERED
        part.save(update_fields=["status", "updated_at"])
        settled += 1
    return settled


def plan_close(booking: Booking, *, now: datetime) -> int:
    """A booking cancelled or declined: its parts still to come close at once, so its page
    never shows a part scheduled on a booking that owes nothing (a part being charged this
    moment is left to its charge's answer and the scan). Its payment pages are closed by the
    cancellation's own settling. Call holding the booking's lock. Returns how many."""
    return booking.installments.filter(
        status__in=(Installment.Status.SCHEDULED, Installment.Status.ACTION_NEEDED)
    ).update(status=Installment.Status.CANCELLED, updated_at=now)


def plan_reopen(booking: Booking) -> int:
    """A booking back from a hold that ran out (its deposit came late, its time still free):
    the parts closed with the hold are to pay again, on their days. Call holding the
    booking's lock. Returns how many."""
    return booking.installments.filter(
        status=Installment.Status.CANCELLED, payment__isnull=True
    ).update(status=Installment.Status.SCHEDULED, updated_at=timezone.now())


def _unpaid_close(payment: Payment, *, reason: str) -> None:
    """A part's payment still waiting to be paid can no longer be: closed, and its payment
    page too. Call holding its lock."""
    if payment.status == Payment.Status.PENDING:
        if payment.checkout_url:
            checkout_close_later(payment.stripe_checkout_session_id)
        payment_expire(payment, reason=reason)


class PlanRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def plan_left(booking: Booking) -> int:
    """What the plan's parts cover: what is left to pay, less a deposit still to come (it is
    asked for on its own, before the booking is confirmed). With payments off the balance
    already leaves out the deposit (it is paid at the studio)."""
    left = booking_balance_due(booking)
    waiting = booking.status in (Booking.Status.HELD, Booking.Status.REQUESTED)
    if waiting and settings.PAYMENTS_ENABLED:
        left -= booking_owed(booking, Payment.Kind.DEPOSIT)
    return max(left, 0)


def plan_replace(*, booking_id: int, parts: list[tuple[str, int, date]]) -> list[Installment]:
    """The studio's own schedule for what is still to pay on a booking: the open parts are
    replaced by `parts` (name, amount, day), which must add up to what is left to pay after
    the deposit. Parts paid or being collected stay as they are; a part waiting for the
    client is closed (its payment page too). Raises PlanRefused."""
    with transaction.atomic():
        booking_lock(booking_id)
        booking = Booking.objects.get(pk=booking_id)
        if booking.status not in PLANNED_STATUSES:
            raise PlanRefused(_("This booking has ended, so it has nothing left to schedule."))
        existing = list(Installment.objects.select_for_update().filter(booking=booking))
        if any(part.status == Installment.Status.CHARGING for part in existing):
            raise PlanRefused(
                _("A payment is being taken from the client's card right now. Try again soon.")
            )
        clearing = Payment.objects.filter(
            installment__in=[part for part in existing if part.is_open],
            status=Payment.Status.PROCESSING,
        )
        if clearing.exists():  # its part would be asked for again by the new parts
            raise PlanRefused(
                _(
                    "The client's bank payment for a part is still clearing. Please change "
                    "the plan once it has cleared."
                )
            )
        left = plan_left(booking)
        total = sum(amount for _label, amount, _day in parts)
        if total != left:
            raise PlanRefused(
                _("The parts add up to %(total)s, but %(left)s is left to pay.")
                % {
                    "total": money_format(total, booking.currency),
                    "left": money_format(left, booking.currency),
                }
            )
        for part in existing:
            if part.status not in (Installment.Status.SCHEDULED, Installment.Status.ACTION_NEEDED):
                continue
            if part.payment_id is None:
                part.delete()
                continue
            payment = payment_locked(part.payment_id)
            _unpaid_close(payment, reason=_("The studio changed the payment plan."))
            part.status = Installment.Status.CANCELLED
            part.save(update_fields=["status", "updated_at"])
        start = max((part.position for part in existing), default=-1) + 1
        return Installment.objects.bulk_create(
            Installment(
                booking=booking,
                position=start + number,
                label=label,
                amount=amount,
                currency=booking.currency,
                due_on=day,
            )
            for number, (label, amount, day) in enumerate(sorted(parts, key=lambda p: p[2]))
        )


def saved_card_active(booking: Booking) -> SavedCard | None:
    return SavedCard.objects.filter(booking=booking, removed_at__isnull=True).first()
