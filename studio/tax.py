"""Sales tax (VAT, GST) on an invoice's lines: integer minor units in, integer minor units out.

Pure functions: no models, no requests. A rate is in basis points (2000 is 20%, 550 is 5.5%),
so rates are exact integers like the money they apply to.

The rounding rule, stated once and printed on invoices: tax is worked out on each rate's total,
not on each line, and rounded half away from zero to the currency's smallest unit. Prices
entered with tax included keep their gross exactly (the client pays what was shown) and the
tax inside it is gross × rate ÷ (1 + rate); prices entered before tax keep their net and the
tax is added. Lines may be negative (discounts, vouchers), and a credit note's lines are an
invoice's negated, so its figures are exactly the invoice's negated.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

BASIS_POINTS = 10_000
MAX_RATE = 10_000  # 100%: no sales tax anywhere is higher


@dataclass(frozen=True)
class TaxLine:
    """One invoice line's amount (quantity × unit price, as entered) and its tax rate."""

    amount: int
    rate: int


@dataclass(frozen=True)
class RateTotal:
    rate: int
    net: int
    tax: int
    gross: int


@dataclass(frozen=True)
class TaxTotals:
    by_rate: tuple[RateTotal, ...]  # highest rate first, as invoices list them
    net: int
    tax: int
    gross: int


def _check_rate(rate: int) -> None:
    if not isinstance(rate, int) or isinstance(rate, bool):
        raise TypeError(f"tax rates are integer basis points, not {type(rate).__name__}")
    if not 0 <= rate <= MAX_RATE:
        raise ValueError(f"a tax rate is between 0% and 100%, not {rate} basis points")


def _half_away_from_zero(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def tax_included(gross: int, rate: int) -> int:
    """The tax inside a tax-inclusive amount: 35000 at 20% holds 5833."""
    _check_rate(rate)
    return _half_away_from_zero(Decimal(gross) * rate / (BASIS_POINTS + rate))


def tax_added(net: int, rate: int) -> int:
    """The tax on a before-tax amount: 9999 at 20% is 2000."""
    _check_rate(rate)
    return _half_away_from_zero(Decimal(net) * rate / BASIS_POINTS)


def tax_totals(lines: Iterable[TaxLine], *, prices_include_tax: bool) -> TaxTotals:
    """Net, tax and gross per rate and in all, by the rule in this module's docstring."""
    sums: dict[int, int] = {}
    for line in lines:
        if not isinstance(line.amount, int) or isinstance(line.amount, bool):
            raise TypeError(f"amounts are integer minor units, not {type(line.amount).__name__}")
        _check_rate(line.rate)
        sums[line.rate] = sums.get(line.rate, 0) + line.amount
    by_rate = []
    for rate in sorted(sums, reverse=True):
        if prices_include_tax:
            gross = sums[rate]
            tax = tax_included(gross, rate)
            net = gross - tax
        else:
            net = sums[rate]
            tax = tax_added(net, rate)
            gross = net + tax
        by_rate.append(RateTotal(rate=rate, net=net, tax=tax, gross=gross))
    return TaxTotals(
        by_rate=tuple(by_rate),
        net=sum(total.net for total in by_rate),
        tax=sum(total.tax for total in by_rate),
        gross=sum(total.gross for total in by_rate),
    )


def rate_from_percent(percent: Decimal) -> int:
    """'20' -> 2000, '5.5' -> 550; more than two decimal places is refused."""
    points = Decimal(percent) * 100
    if points != points.to_integral_value():
        raise ValueError("A tax rate has at most two decimal places, e.g. 5.5 or 7.25.")
    rate = int(points)
    _check_rate(rate)
    return rate


def rate_display(rate: int) -> str:
    """2000 -> '20%', 550 -> '5.5%', 725 -> '7.25%'."""
    _check_rate(rate)
    whole, part = divmod(rate, 100)
    return f"{whole}%" if not part else f"{whole}.{part:02d}".rstrip("0") + "%"
