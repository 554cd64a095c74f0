"""Sales tax worked out as an accountant would check it: worked examples with the sums done by
hand, then properties that hold for any lines (net + tax = gross to the penny, a credit note is
the invoice negated, tax-inclusive prices keep what the client was shown)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.tax import (
    RateTotal,
    TaxLine,
    apportion,
    line_figures,
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


def test_each_line_is_taxed_once_and_rounded_on_its_own():
    # Three 10p prints at 20% inclusive: each 10 ÷ 1.2 = 8.33p, net 8p, VAT 2p; the invoice's
    # VAT is the lines' sum, 6p (not the 5p of rounding the rate's 30p once).
    totals = tax_totals([TaxLine(10, VAT)] * 3, prices_include_tax=True)
    assert (totals.net, totals.tax, totals.gross) == (24, 6, 30)


def test_a_tax_inclusive_price_on_the_half_penny_rounds_its_net_up():
    # £99.99 including 20%: 99.99 ÷ 1.2 = 83.325, net £83.33 (half up), VAT the rest: £16.66.
    assert line_figures(9999, VAT, prices_include_tax=True) == RateTotal(VAT, 8333, 1666, 9999)
    assert tax_included(9999, VAT) == 1666


def test_a_before_tax_price_and_its_gross_give_the_same_vat_both_ways():
    # £83.33 before 20%: 16.666 → £16.67 of VAT, the client pays £100.00. £100.00 read as
    # tax-inclusive: 100 ÷ 1.2 = 83.333 → net £83.33, VAT £16.67: the same figures again.
    assert line_figures(8333, VAT, prices_include_tax=False) == RateTotal(VAT, 8333, 1667, 10000)
    assert line_figures(10000, VAT, prices_include_tax=True) == RateTotal(VAT, 8333, 1667, 10000)


def test_a_before_tax_price_at_five_percent_rounds_to_the_nearest_penny():
    # £49.99 before 5%: £2.4995 → £2.50 of VAT, £52.49 to pay; £52.49 ÷ 1.05 = 49.990… → £49.99.
    assert line_figures(4999, 500, prices_include_tax=False) == RateTotal(500, 4999, 250, 5249)
    assert line_figures(5249, 500, prices_include_tax=True) == RateTotal(500, 4999, 250, 5249)


def test_three_rates_on_one_invoice_each_summed_from_its_lines():
    # Tax inside: a £150 session at 20% (150 ÷ 1.2 = 125, VAT £25), make-up £21 at 5%
    # (21 ÷ 1.05 = 20, VAT £1), a £30 print voucher at 0%, and £9.99 of prints at 20%
    # (9.99 ÷ 1.2 = 8.325 → £8.33, VAT £1.66). 20%: net £133.33, VAT £26.66.
    lines = [TaxLine(15000, VAT), TaxLine(2100, 500), TaxLine(3000, 0), TaxLine(999, VAT)]
    totals = tax_totals(lines, prices_include_tax=True)
    assert [(t.rate, t.net, t.tax, t.gross) for t in totals.by_rate] == [
        (2000, 13333, 2666, 15999),
        (500, 2000, 100, 2100),
        (0, 3000, 0, 3000),
    ]
    assert (totals.net, totals.tax, totals.gross) == (18333, 2766, 21099)


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


def test_a_discount_line_is_taxed_as_a_negative_line():
    # £400 package, £50 voucher, 20% inclusive: 400 ÷ 1.2 = 333.333 → net £333.33, VAT
    # £66.67; -50 ÷ 1.2 = -41.667 → net -£41.67, VAT -£8.33. In all £291.66 + £58.34 = £350.
    totals = tax_totals([TaxLine(40000, VAT), TaxLine(-5000, VAT)], prices_include_tax=True)
    assert (totals.net, totals.tax, totals.gross) == (29166, 5834, 35000)


def test_a_discount_is_shared_in_proportion_and_the_pennies_add_up():
    # £10 off £50 + £30 + £20: £5, £3, £2 exactly.
    assert apportion(1000, [5000, 3000, 2000]) == [500, 300, 200]
    # £10 off three £1 items: 333.33p each; the odd penny goes to the first of the ties.
    assert apportion(1000, [100, 100, 100]) == [334, 333, 333]
    # £10 off £150 at 20% and £21 at 5%: 877.19p and 122.81p; the larger remainder (.81)
    # takes the odd penny: £8.77 and £1.23.
    assert apportion(1000, [15000, 2100]) == [877, 123]
    assert apportion(-1000, [15000, 2100]) == [-877, -123]


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


@given(
    total=st.integers(min_value=-(10**7), max_value=10**7),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=8).filter(sum),
)
def test_shares_add_up_to_the_total_each_within_a_unit_of_its_exact_part(total, weights):
    shares = apportion(total, weights)
    assert sum(shares) == total
    for share, weight in zip(shares, weights, strict=True):
        assert abs(share - Decimal(total) * weight / sum(weights)) < 1


@given(
    net=st.integers(min_value=0, max_value=10**9), rate=st.integers(min_value=0, max_value=10_000)
)
def test_a_line_sold_before_tax_reads_back_the_same_from_what_the_client_paid(net, rate):
    sold = line_figures(net, rate, prices_include_tax=False)
    assert line_figures(sold.gross, rate, prices_include_tax=True) == sold
