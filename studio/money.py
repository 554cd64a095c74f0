"""Money is an integer number of minor units (pence, cents) plus an ISO 4217 code.

Pure functions: no models, no requests.
"""

from decimal import Decimal

from babel.numbers import format_currency, get_currency_name, get_currency_precision

# Currencies Stripe charges in that a portrait studio is likely to use.
CURRENCY_CODES = [
    "AUD", "BRL", "CAD", "CHF", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "ISK",
    "JPY", "KRW", "MXN", "NOK", "NZD", "PLN", "SEK", "SGD", "USD", "ZAR",
]  # fmt: skip
CURRENCY_CHOICES = [
    (code, f"{code} — {get_currency_name(code, locale='en')}") for code in CURRENCY_CODES
]


def minor_unit_exponent(currency: str) -> int:
    """Digits after the decimal point: 2 for GBP (pence), 0 for JPY."""
    return get_currency_precision(currency)


def to_major(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-minor_unit_exponent(currency))


def money_format(amount: int, currency: str, *, locale: str = "en_GB") -> str:
    """'£1,250.00' for 125000 GBP in en_GB; '¥5,000' for 5000 JPY."""
    if not isinstance(amount, int):
        raise TypeError(f"money amounts are integer minor units, not {type(amount).__name__}")
    return format_currency(to_major(amount, currency), currency, locale=locale)


def to_minor(amount: Decimal, currency: str) -> int:
    """150.00 GBP -> 15000. Refuses fractions the currency cannot hold (0.5 JPY, 1.234 GBP)."""
    exponent = minor_unit_exponent(currency)
    scaled = Decimal(amount).scaleb(exponent)
    if scaled != scaled.to_integral_value():
        if exponent == 0:
            raise ValueError(f"{currency} has no smaller unit: please enter a whole amount.")
        raise ValueError(f"{currency} amounts have at most {exponent} decimal places.")
    return int(scaled)
