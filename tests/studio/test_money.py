from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from studio.money import minor_unit_exponent, money_format, to_minor


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        (15000, "GBP", "en_GB", "£150.00"),
        (125000, "GBP", "en_GB", "£1,250.00"),
        (1999, "EUR", "fr_FR", "19,99\xa0€"),
        (5000, "JPY", "en_GB", "JP¥5,000"),
        (0, "USD", "en_US", "$0.00"),
    ],
)
def test_money_is_formatted_for_the_locale(amount, currency, locale, expected):
    assert money_format(amount, currency, locale=locale) == expected


def test_zero_decimal_currencies_have_no_minor_unit():
    assert minor_unit_exponent("JPY") == 0
    assert minor_unit_exponent("GBP") == 2


def test_money_refuses_anything_but_integer_minor_units():
    with pytest.raises(TypeError):
        money_format(150.0, "GBP")


def test_the_template_filter_needs_the_currency_and_follows_the_language():
    template = Template("{% load money %}{{ amount|money:currency }}")
    with translation.override("de"):
        assert template.render(Context({"amount": 123456, "currency": "EUR"})) == "1.234,56\xa0€"
    with translation.override("en-gb"):
        assert template.render(Context({"amount": 123456, "currency": "EUR"})) == "€1,234.56"


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("150.00", "GBP", 15000), ("0.1", "EUR", 10), ("5000", "JPY", 5000), ("0", "USD", 0)],
)
def test_amounts_become_integer_minor_units(amount, currency, minor):
    result = to_minor(Decimal(amount), currency)
    assert result == minor
    assert isinstance(result, int)


def test_fractions_a_currency_cannot_hold_are_refused():
    with pytest.raises(ValueError, match="at most 2 decimal places"):
        to_minor(Decimal("1.005"), "GBP")
    with pytest.raises(ValueError, match="no smaller unit"):
        to_minor(Decimal("1.5"), "JPY")
