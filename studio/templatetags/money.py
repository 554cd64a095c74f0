from django import template
from django.utils.translation import get_language, to_locale

from studio.money import minor_unit_exponent, money_format
from studio.pricing import sold_figures

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    """{{ session_type.price|money:session_type.currency }} -> '£250.00' in the active locale."""
    if amount is None:
        return ""
    return money_format(amount, currency, locale=to_locale(get_language() or "en-gb"))


@register.filter
def minor_exponent(currency: str) -> int:
    """How many decimal places `currency` has (2 for GBP, 0 for JPY), for scripts that show
    amounts kept in minor units."""
    return minor_unit_exponent(currency)


@register.filter
def client_price(item, studio) -> int:
    """What a client pays for a package or an add-on: {{ package|client_price:studio }}, the
    price as entered, with its tax added when the studio enters prices before tax."""
    return sold_figures(item.price, item.tax_rate, studio).gross
