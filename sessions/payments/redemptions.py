"""Using a code at booking: checking it, working out what it takes off, recording the use
under the code's row lock (so the last use goes to one client only), and giving a use back
when its booking ends without taking place.

A gift voucher's code is typed in the same field. It is a way to pay, not a discount: it pays
min(what is left on it, the booking's total) into `Booking.gift_voucher_amount` (the price
and the discount, so the bill and its tax, stay whole), under the voucher's row lock so two
bookings never take more than its balance; given back like a code's use."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sessions.models import Booking, CodeRedemption, DiscountCode, GiftVoucher, SessionType
from sessions.payments.codes import BASIS_POINTS
from sessions.payments.offers import Offer
from sessions.payments.vouchers import CODE_PREFIX, voucher_remaining


class CodeRefused(Exception):
    """A code that cannot be used here; `message` says why, for the client."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CodeQuote:
    """What a code takes off a price, and what is then due to book."""

    code: DiscountCode | GiftVoucher
    price: int
    discount: int  # a gift voucher's: what it pays
    deposit: int  # the package's deposit, never more than what is left to pay
    currency: str

    @property
    def total(self) -> int:
        return self.price - self.discount

    @property
    def is_voucher(self) -> bool:
        return isinstance(self.code, GiftVoucher)

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
    voucher = _voucher_find(text, lock=False)
    if voucher is not None:
        paid = _voucher_check(
            voucher,
            session_type=offer.session_type,
            total=offer.price,
            today=timezone.localdate(now, tz),
        )
        return CodeQuote(
            code=voucher,
            price=offer.price,
            discount=paid,
            deposit=min(offer.deposit, offer.price - paid),
            currency=offer.currency,
        )
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
    if isinstance(code, GiftVoucher):
        return CodeRedemption(
            gift_voucher=code,
            code=code.code,
            amount=quote.discount,
            currency=quote.currency,
            email=email.strip().lower(),
        )
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
    save once the booking is. A gift voucher's code pays what is left on it, up to the
    booking's total. Raises CodeRefused. Call inside the transaction that inserts the
    booking, after the photographers' locks (the house order)."""
    voucher = _voucher_find(text, lock=True)
    if voucher is not None:
        return _voucher_redeem(booking, voucher, today=timezone.localdate(now, tz))
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
    declined, their hold run out): they stop counting against their codes' limits, and a
    gift voucher's amount is on the voucher again (the booking no longer counts it paid).
    The booking keeps its discount, for what was agreed. Returns how many."""
    uses = CodeRedemption.objects.filter(booking_id__in=booking_ids, released_at__isnull=True)
    voucher_bookings = list(uses.filter(gift_voucher__isnull=False).values_list("booking_id"))
    released = uses.update(released_at=now)
    if voucher_bookings:
        Booking.objects.filter(pk__in=[pk for (pk,) in voucher_bookings]).update(
            gift_voucher_amount=0
        )
    return released


def redemptions_restore(*, booking_id: int) -> int:
    """A booking whose hold ran out came back (its deposit arrived late and the time was
    still free): its uses count again, even past a limit, since the client paid the
    discounted deposit. A gift voucher pays again what is left on it, at most what it paid
    before (another booking may have used it meanwhile; the balance then asks the rest)."""
    uses = CodeRedemption.objects.filter(booking_id=booking_id, released_at__isnull=False)
    for use in uses.filter(gift_voucher__isnull=False):
        voucher = GiftVoucher.objects.select_for_update().get(pk=use.gift_voucher_id)
        use.amount = min(use.amount, voucher_remaining(voucher))
        use.save(update_fields=["amount"])
        Booking.objects.filter(pk=booking_id).update(gift_voucher_amount=use.amount)
    return uses.update(released_at=None)


# --- Gift vouchers -------------------------------------------------------------------


def voucher_code_typed(text: str) -> str:
    """A voucher code as copied from the printed voucher, however it was typed: "gift up9c
    rkvr", "GIFT-UP9C-RKVR" and "up9crkvr" are all GIFT-UP9C-RKVR. Anything else as typed,
    in capitals."""
    plain = "".join(char for char in text.upper() if char.isascii() and char.isalnum())
    prefix = CODE_PREFIX.strip("-")
    if plain.startswith(prefix) and len(plain) == len(prefix) + 8:
        plain = plain[len(prefix) :]
    if len(plain) == 8:
        return f"{CODE_PREFIX}{plain[:4]}-{plain[4:]}"
    return text.strip().upper()


def _voucher_find(text: str, *, lock: bool) -> GiftVoucher | None:
    """The voucher whose code this is (any status), or None: then it may be a discount code."""
    vouchers = GiftVoucher.objects.filter(code=voucher_code_typed(text))
    return (vouchers.select_for_update() if lock else vouchers).first()


def _voucher_check(
    voucher: GiftVoucher, *, session_type: SessionType, total: int, today: date
) -> int:
    """What the voucher pays on a booking of this total, or CodeRefused. Queries its uses."""
    if voucher.status == GiftVoucher.Status.PENDING:
        raise CodeRefused(_("That gift voucher hasn't been paid for yet."))
    if voucher.status == GiftVoucher.Status.VOID:
        raise CodeRefused(_("That gift voucher is no longer valid."))
    if voucher.expires_on and today > voucher.expires_on:
        raise CodeRefused(
            _("That gift voucher expired on %(day)s.") % {"day": _day(voucher.expires_on)}
        )
    if voucher.currency != session_type.currency:
        raise CodeRefused(_("That gift voucher can't be used for this session."))
    remaining = voucher_remaining(voucher)
    if remaining <= 0:
        raise CodeRefused(_("That gift voucher has been used up."))
    return min(remaining, total)


def _voucher_redeem(booking: Booking, voucher: GiftVoucher, *, today: date) -> CodeRedemption:
    """Call holding the voucher's row lock."""
    total = booking.price - booking.discount
    paid = _voucher_check(voucher, session_type=booking.session_type, total=total, today=today)
    booking.gift_voucher_amount = paid
    booking.deposit = min(booking.deposit, total - paid)
    quote = CodeQuote(
        code=voucher,
        price=booking.price,
        discount=paid,
        deposit=booking.deposit,
        currency=booking.currency,
    )
    return _redemption(quote, email=booking.client.email)
