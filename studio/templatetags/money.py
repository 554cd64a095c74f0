from django import template
from django.utils.translation import get_language, to_locale

from studio.money import money_format

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    """{{ session_type.price|money:session_type.currency }} -> '£250.00' in the active locale."""
    if amount is None:
        return ""
    return money_format(amount, currency, locale=to_locale(get_language() or "en-gb"))
