"""Sales tax worked out as an accountant would check it: worked examples with the sums done by
hand, then properties that hold for any lines (net + tax = gross to the penny, a credit note is
the invoice negated, tax-inclusive prices keep what the client was shown)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.tax import (
    TaxLine,
    rate_display,
    rate_from_percent,
    tax_added,
    tax_included,
    tax_totals,
)

VAT = 2000  # 20%


# --- Worked examples ------------------------------------------------------------------


def test_a_tax_inclusive_session_keeps_its_price_and_holds_a_sixth_of_it_as_vat():
    # £350.00 including 20% VAT: 350 ÷ 1.2 = 291.666…, so net £291.67 and VAT £58.33.
    totals = tax_totals([TaxLine(35000, VAT)], prices_include_tax=True)
    assert (totals.net, totals.tax, totals.gross) == (29167, 5833, 35000)


def test_a_before_tax_price_has_its_vat_added_and_rounded_to_the_penny():
    # £99.99 + 20% = £19.998 of VAT, rounded to £20.00: £119.99 in all.
    totals = tax_totals([TaxLine(9999, VAT)], prices_include_tax=False)
    assert (totals.net, totals.tax, totals.gross) == (9999, 2000, 11999)


def test_tax_is_rounded_once_per_rate_not_once_per_line():
    # Three 10p prints at 20% inclusive: 30p holds 5p of VAT (0.3 ÷ 6 = 0.05). Rounding each
    # line (1.67p → 2p) would have claimed 6p.
    totals = tax_totals([TaxLine(10, VAT)] * 3, prices_include_tax=True)
    assert (totals.net, totals.tax, totals.gross) == (25, 5, 30)


def test_half_a_penny_rounds_away_from_zero_both_ways():
    # 5% of 10p is 0.5p: 1p of tax; on a 10p credit, -1p.
    assert tax_added(10, 500) == 1
    assert tax_added(-10, 500) == -1
    assert tax_added(9, 500) == 0  # 0.45p


def test_two_rates_on_one_invoice_are_summed_separately_highest_first():
    # A session at 20% (£300 inclusive) and a book at 0% (£45): VAT only on the session.
    lines = [TaxLine(4500, 0), TaxLine(30000, VAT)]
    totals = tax_totals(lines, prices_include_tax=True)
    assert [(t.rate, t.net, t.tax, t.gross) for t in totals.by_rate] == [
        (2000, 25000, 5000, 30000),
        (0, 4500, 0, 4500),
    ]
    assert (totals.net, totals.tax, totals.gross) == (29500, 5000, 34500)


def test_a_discount_line_reduces_the_taxed_amount_before_the_tax_is_worked_out():
    # £400 package, £50 voucher, 20% inclusive: VAT on £350, as in the first example.
    totals = tax_totals([TaxLine(40000, VAT), TaxLine(-5000, VAT)], prices_include_tax=True)
    assert (totals.net, totals.tax, totals.gross) == (29167, 5833, 35000)


def test_a_currency_without_minor_units_rounds_to_the_whole_yen():
    # ¥5,500 including 10% consumption tax holds ¥500; ¥1,234 holds ¥112.18… → ¥112.
    assert tax_included(5500, 1000) == 500
    assert tax_included(1234, 1000) == 112


def test_a_studio_without_sales_tax_has_none():
    totals = tax_totals([TaxLine(35000, 0)], prices_include_tax=False)
    assert (totals.net, totals.tax, totals.gross) == (35000, 0, 35000)


def test_an_invoice_with_no_lines_is_all_zero():
    totals = tax_totals([], prices_include_tax=True)
    assert (totals.by_rate, totals.net, totals.tax, totals.gross) == ((), 0, 0, 0)


# --- Rates typed by a person -------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "rate", "shown"),
    [("20", 2000, "20%"), ("5.5", 550, "5.5%"), ("7.25", 725, "7.25%"), ("0", 0, "0%")],
)
def test_a_typed_percentage_becomes_basis_points_and_reads_back_the_same(typed, rate, shown):
    assert rate_from_percent(Decimal(typed)) == rate
    assert rate_display(rate) == shown


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("5.555", r"at most two decimal places, e\.g\. 5\.5"),
        ("-1", "between 0% and 100%"),
        ("100.01", "between 0% and 100%"),
    ],
)
def test_a_rate_no_tax_could_have_is_refused_saying_why(typed, said):
    with pytest.raises(ValueError, match=said):
        rate_from_percent(Decimal(typed))


def test_amounts_that_are_not_minor_units_are_refused():
    with pytest.raises(TypeError, match="integer minor units"):
        tax_totals([TaxLine(350.0, VAT)], prices_include_tax=True)
    with pytest.raises(TypeError, match="basis points"):
        tax_added(100, 20.0)


# --- Properties -------------------------------------------------------------------------

rates = st.sampled_from([0, 500, 550, 700, 725, 1000, 1900, 2000, 2100, 2500])
lines = st.lists(
    st.builds(TaxLine, amount=st.integers(-500_000, 2_000_000), rate=rates), max_size=12
)


@given(lines=lines, inclusive=st.booleans())
def test_net_and_tax_make_the_gross_to_the_minor_unit_for_each_rate_and_in_all(lines, inclusive):
    totals = tax_totals(lines, prices_include_tax=inclusive)
    for total in totals.by_rate:
        assert total.net + total.tax == total.gross
    assert totals.net + totals.tax == totals.gross
    assert totals.tax == sum(total.tax for total in totals.by_rate)


@given(lines=lines)
def test_tax_inclusive_prices_total_exactly_what_the_client_was_shown(lines):
    totals = tax_totals(lines, prices_include_tax=True)
    assert totals.gross == sum(line.amount for line in lines)


@given(lines=lines, inclusive=st.booleans())
def test_a_credit_note_for_the_same_lines_is_the_invoice_negated(lines, inclusive):
    invoice = tax_totals(lines, prices_include_tax=inclusive)
    credit = tax_totals(
        [TaxLine(-line.amount, line.rate) for line in lines], prices_include_tax=inclusive
    )
    assert (credit.net, credit.tax, credit.gross) == (-invoice.net, -invoice.tax, -invoice.gross)


@given(amount=st.integers(0, 10_000_000), rate=rates)
def test_the_tax_is_within_half_a_minor_unit_of_the_exact_figure(amount, rate):
    exact_added = Decimal(amount) * rate / 10_000
    exact_included = Decimal(amount) * rate / (10_000 + rate)
    assert abs(tax_added(amount, rate) - exact_added) <= Decimal("0.5")
    assert abs(tax_included(amount, rate) - exact_included) <= Decimal("0.5")
