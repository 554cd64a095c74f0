"""Prices as the studio entered them (tax included, or before tax) -> what a client pays.

The tax on a package, add-on or extra image is worked out once, when it is sold, per line by
studio.tax's rule; everything after (the booking's price, deposits, payments, balances) is in
what the client pays, the gross."""

from studio.models import Studio
from studio.tax import RateTotal, line_figures


def sold_rate(rate: int | None, studio: Studio) -> int:
    """A package's or add-on's tax rate: its own, or the studio's when it has none; none at
    all when the studio charges no tax (no tax name)."""
    if not studio.tax_name:
        return 0
    return studio.tax_rate if rate is None else rate


def sold_figures(price: int, rate: int | None, studio: Studio) -> RateTotal:
    """A price as the studio entered it -> its net, tax and gross (what the client pays)."""
    return line_figures(
        price, sold_rate(rate, studio), prices_include_tax=studio.prices_include_tax
    )
