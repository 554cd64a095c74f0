"""Using a code at booking: checking it, working out what it takes off, recording the use
under the code's row lock (so the last use goes to one client only), and giving a use back
when its booking ends without taking place."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sessions.models import Booking, CodeRedemption, DiscountCode, SessionType
from sessions.payments.codes import BASIS_POINTS
from sessions.payments.offers import Offer


class CodeRefused(Exception):
    """A code that cannot be used here; `message` says why, for the client."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CodeQuote:
    """What a code takes off a price, and what is then due to book."""

    code: DiscountCode
    price: int
    discount: int
    deposit: int  # the package's deposit, never more than what is left to pay
    currency: str

    @property
    def total(self) -> int:
        return self.price - self.discount

    @property
    def description(self) -> str:
        return _redemption(self, email="").description


def code_reduction(code: DiscountCode, price: int) -> int:
    """What the code takes off `price` (minor units): a percentage rounded half away from
    zero to the minor unit, or the amount; never more than the price."""
    if code.percent_off:
        reduction = (price * code.percent_off + BASIS_POINTS // 2) // BASIS_POINTS
    else:
        reduction = code.amount_off or 0
    return min(reduction, price)


def code_uses(code: DiscountCode, *, now: datetime) -> QuerySet:
    """The uses that count against the code's limit: not given back, and not on a hold that
    has run out (it is given back when the hold is closed)."""
    return code.redemptions.filter(released_at__isnull=True).exclude(
        booking__status=Booking.Status.HELD, booking__hold_expires_at__lte=now
    )


def _code_find(text: str, *, lock: bool) -> DiscountCode:
    codes = DiscountCode.objects.filter(code__iexact=text.strip(), is_active=True)
    code = (codes.select_for_update() if lock else codes).first()
    if code is None:
        raise CodeRefused(_("We don't recognise that code. Please check it and try again."))
    return code


def _day(day: date) -> str:
    return date_format(day, "j F Y")


def _code_check(
    code: DiscountCode, *, session_type: SessionType, email: str, today: date, now: datetime
) -> None:
    """Raise CodeRefused unless the code can be used for this session type, today, by this
    email address (not checked when empty: not typed yet)."""
    if code.valid_from and today < code.valid_from:
        raise CodeRefused(_("That code can be used from %(day)s.") % {"day": _day(code.valid_from)})
    if code.valid_until and today > code.valid_until:
        raise CodeRefused(_("That code has expired."))
    if code.amount_off and code.currency != session_type.currency:
        raise CodeRefused(_("That code can't be used for this session."))
    types = list(code.session_types.all())
    if types and session_type.pk not in {t.pk for t in types}:
        raise CodeRefused(
            _("That code is not for %(name)s sessions.") % {"name": session_type.name}
        )
    uses = code_uses(code, now=now)
    if code.usage_limit is not None and uses.count() >= code.usage_limit:
        raise CodeRefused(_("That code has been used up."))
    if code.once_per_client and email and uses.filter(email=email.strip().lower()).exists():
        raise CodeRefused(_("That code has already been used with this email address."))


def code_quote(
    *, text: str, offer: Offer, email: str = "", tz: ZoneInfo, now: datetime | None = None
) -> CodeQuote:
    """What the code would take off the offer, for showing before booking (nothing is
    locked or kept: booking checks again). Raises CodeRefused."""
    now = now or timezone.now()
    code = _code_find(text, lock=False)
    _code_check(
        code,
        session_type=offer.session_type,
        email=email,
        today=timezone.localdate(now, tz),
        now=now,
    )
    return _quote(code, price=offer.price, deposit=offer.deposit, currency=offer.currency)


def _quote(code: DiscountCode, *, price: int, deposit: int, currency: str) -> CodeQuote:
    discount = code_reduction(code, price)
    return CodeQuote(
        code=code,
        price=price,
        discount=discount,
        deposit=min(deposit, price - discount),
        currency=currency,
    )


def _redemption(quote: CodeQuote, *, email: str) -> CodeRedemption:
    code = quote.code
    return CodeRedemption(
        discount_code=code,
        code=code.code,
        percent_off=code.percent_off,
        amount=quote.discount,
        currency=quote.currency,
        email=email.strip().lower(),
    )


def code_redeem(*, booking: Booking, text: str, tz: ZoneInfo, now: datetime) -> CodeRedemption:
    """Use a code on a booking not yet saved: lock the code's row, check it, take what it
    takes off the price (the deposit never more than what is left) and return the use, to
    save once the booking is. Raises CodeRefused. Call inside the transaction that inserts
    the booking, after the photographers' locks (the house order)."""
    code = _code_find(text, lock=True)
    _code_check(
        code,
        session_type=booking.session_type,
        email=booking.client.email,
        today=timezone.localdate(now, tz),
        now=now,
    )
    quote = _quote(code, price=booking.price, deposit=booking.deposit, currency=booking.currency)
    booking.discount = quote.discount
    booking.deposit = quote.deposit
    return _redemption(quote, email=booking.client.email)


def redemptions_release(*, booking_ids: list[int], now: datetime) -> int:
    """Give back the uses of bookings that ended without taking place (cancelled,
    declined, their hold run out): they stop counting against their codes' limits. The
    booking keeps its discount, for what was agreed. Returns how many."""
    return CodeRedemption.objects.filter(
        booking_id__in=booking_ids, released_at__isnull=True
    ).update(released_at=now)


def redemptions_restore(*, booking_id: int) -> int:
    """A booking whose hold ran out came back (its deposit arrived late and the time was
    still free): its uses count again, even past a limit, since the client paid the
    discounted deposit."""
    return CodeRedemption.objects.filter(booking_id=booking_id, released_at__isnull=False).update(
        released_at=None
    )
