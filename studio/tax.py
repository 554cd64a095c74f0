"""Sales tax (VAT, GST) on an invoice's lines: integer minor units in, integer minor units out.

Pure functions: no models, no requests. A rate is in basis points (2000 is 20%, 550 is 5.5%),
so rates are exact integers like the money they apply to.

The rounding rule, stated once and printed on invoices: tax is worked out on each line, once,
and rounded half up (halves away from zero) to the currency's smallest unit; a rate's tax is
the sum of its lines' taxes.

- Price entered with tax included (the gross): net = round(gross × 10000 ÷ (10000 + rate)),
  tax = gross − net. The client pays what was shown.
- Price entered before tax (the net): tax = round(net × rate ÷ 10000), gross = net + tax.

For a line sold before tax, working back from its gross by the first rule gives the same net
and tax again (the rounding error, at most half a unit, shrinks when divided by 1 + rate), so
a bill can carry grosses. Lines may be negative (discounts), and rounding is symmetric, so a
credit note of an invoice's lines negated has exactly the invoice's figures negated.
A discount is shared across the lines it reduces in proportion to their amounts, the largest
remainders taking the odd units (`apportion`), before any tax is worked out.
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
    """The tax inside a tax-inclusive amount: 35000 at 20% holds 5833 (net 29167); 9999
    holds 1666 (net 8332.5 rounds up to 8333)."""
    _check_rate(rate)
    return gross - _half_away_from_zero(Decimal(gross) * BASIS_POINTS / (BASIS_POINTS + rate))


def tax_added(net: int, rate: int) -> int:
    """The tax on a before-tax amount: 9999 at 20% is 2000."""
    _check_rate(rate)
    return _half_away_from_zero(Decimal(net) * rate / BASIS_POINTS)


def line_figures(amount: int, rate: int, *, prices_include_tax: bool) -> RateTotal:
    """One line's net, tax and gross from its amount as entered, by the module's rule."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"amounts are integer minor units, not {type(amount).__name__}")
    if prices_include_tax:
        tax = tax_included(amount, rate)
        return RateTotal(rate=rate, net=amount - tax, tax=tax, gross=amount)
    tax = tax_added(amount, rate)
    return RateTotal(rate=rate, net=amount, tax=tax, gross=amount + tax)


def rate_totals(figures: Iterable[RateTotal]) -> TaxTotals:
    """Lines' figures (worked out already, e.g. as stored on a document) summed per rate."""
    sums: dict[int, list[int]] = {}
    for line in figures:
        _check_rate(line.rate)
        total = sums.setdefault(line.rate, [0, 0, 0])
        total[0] += line.net
        total[1] += line.tax
        total[2] += line.gross
    by_rate = [
        RateTotal(rate=rate, net=net, tax=tax, gross=gross)
        for rate, (net, tax, gross) in sorted(sums.items(), reverse=True)
    ]
    return TaxTotals(
        by_rate=tuple(by_rate),
        net=sum(total.net for total in by_rate),
        tax=sum(total.tax for total in by_rate),
        gross=sum(total.gross for total in by_rate),
    )


def tax_totals(lines: Iterable[TaxLine], *, prices_include_tax: bool) -> TaxTotals:
    """Net, tax and gross per rate and in all: each line's tax worked out by the module's
    rule, then summed per rate."""
    return rate_totals(
        line_figures(line.amount, line.rate, prices_include_tax=prices_include_tax)
        for line in lines
    )


def apportion(total: int, weights: list[int]) -> list[int]:
    """`total` shared in proportion to `weights` (non-negative, not all zero), in whole
    minor units that add up to it exactly: each share rounded down, then the units left over
    go one each to the largest remainders (the earlier share on a tie)."""
    if not weights or any(w < 0 for w in weights) or not sum(weights):
        raise ValueError("a total is shared in proportion to positive weights")
    whole = sum(weights)
    sign = -1 if total < 0 else 1
    shares = [abs(total) * w // whole for w in weights]
    remainders = [abs(total) * w % whole for w in weights]
    left = abs(total) - sum(shares)
    for index in sorted(range(len(weights)), key=lambda i: -remainders[i])[:left]:
        shares[index] += 1
    return [sign * share for share in shares]


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
