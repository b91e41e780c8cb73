# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from subscription_core_tools import periods, proration

DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
AMOUNTS = st.floats(min_value=0, max_value=1e7, allow_nan=False)


def test_boundaries():
    start, end = date(2024, 2, 1), date(2024, 3, 1)  # 29 days, leap year
    assert proration.remaining_fraction(start, end, start) == 1.0
    assert proration.remaining_fraction(start, end, date(2024, 2, 29)) == 1 / 29
    assert proration.remaining_fraction(start, end, end) == 0.0


def test_clamped_outside_period():
    start, end = date(2024, 2, 1), date(2024, 3, 1)
    assert proration.remaining_fraction(start, end, date(2023, 1, 1)) == 1.0
    assert proration.remaining_fraction(start, end, date(2025, 1, 1)) == 0.0


def test_day_based_examples():
    # 15 Feb in a common-year February: 14 of 28 days left
    assert (
        proration.remaining_fraction(date(2023, 2, 1), date(2023, 3, 1), date(2023, 2, 15)) == 0.5
    )
    # 15 Mar: 17 of 31 days left
    assert (
        proration.remaining_fraction(date(2024, 3, 1), date(2024, 4, 1), date(2024, 3, 15))
        == 17 / 31
    )
    # leap year: 366 days
    assert (
        proration.remaining_fraction(date(2024, 1, 1), date(2025, 1, 1), date(2024, 12, 31))
        == 1 / 366
    )
    assert proration.prorate(300.0, date(2023, 4, 1), date(2023, 5, 1), date(2023, 4, 21)) == 100.0


def test_month_end_anchored_period():
    # monthly period anchored on 31 Jan: [29 Feb, 31 Mar) is 31 days
    start, end = periods.period_containing(date(2024, 1, 31), "month", 1, date(2024, 3, 10))
    assert (start, end) == (date(2024, 2, 29), date(2024, 3, 31))
    assert proration.remaining_fraction(start, end, date(2024, 3, 10)) == 21 / 31


def test_prorate_not_rounded():
    value = proration.prorate(10.0, date(2023, 1, 1), date(2023, 1, 4), date(2023, 1, 2))
    assert value == 10.0 * (2 / 3)


def test_change_amounts_mid_period():
    result = proration.change_amounts(
        100.0, 200.0, date(2023, 4, 1), date(2023, 5, 1), date(2023, 4, 16)
    )
    assert result == {"credit": 50.0, "charge": 100.0, "net": 50.0}


def test_change_amounts_downgrade_is_negative():
    result = proration.change_amounts(
        200.0, 100.0, date(2023, 4, 1), date(2023, 5, 1), date(2023, 4, 16)
    )
    assert result["net"] == -50.0


def test_change_amounts_new_period_charges_full_amount():
    result = proration.change_amounts(
        100.0, 1200.0, date(2023, 4, 1), date(2023, 5, 1), date(2023, 4, 16), new_period=True
    )
    assert result == {"credit": 50.0, "charge": 1200.0, "net": 1150.0}


@pytest.mark.parametrize(
    "start, end",
    [
        (date(2024, 3, 1), date(2024, 3, 1)),
        (date(2024, 3, 2), date(2024, 3, 1)),
    ],
)
def test_empty_or_inverted_period_raises(start, end):
    with pytest.raises(ValueError):
        proration.remaining_fraction(start, end, start)
    with pytest.raises(ValueError):
        proration.prorate(10.0, start, end, start)
    with pytest.raises(ValueError):
        proration.change_amounts(10.0, 20.0, start, end, start)


def test_non_date_refused():
    with pytest.raises(TypeError):
        proration.remaining_fraction("2024-01-01", date(2024, 2, 1), date(2024, 1, 5))


@given(start=DATES, length=st.integers(1, 800), offset=st.integers(-50, 900))
def test_fraction_in_unit_interval_and_day_based(start, length, offset):
    end = start + timedelta(days=length)
    on = start + timedelta(days=offset)
    fraction = proration.remaining_fraction(start, end, on)
    assert 0.0 <= fraction <= 1.0
    if start <= on <= end:
        assert fraction == (end - on).days / length


@given(start=DATES, length=st.integers(1, 800), offset=st.integers(0, 799))
def test_fraction_decreases_one_day_at_a_time(start, length, offset):
    end = start + timedelta(days=length)
    on = start + timedelta(days=min(offset, length - 1))
    today = proration.remaining_fraction(start, end, on)
    tomorrow = proration.remaining_fraction(start, end, on + timedelta(days=1))
    assert today - tomorrow == pytest.approx(1 / length)


@given(amount=AMOUNTS, start=DATES, length=st.integers(1, 800), offset=st.integers(0, 800))
def test_used_plus_unused_is_whole_amount(amount, start, length, offset):
    end = start + timedelta(days=length)
    on = start + timedelta(days=offset)
    unused = proration.prorate(amount, start, end, on)
    used = amount * (1 - proration.remaining_fraction(start, end, on))
    assert 0 <= unused <= amount
    assert used + unused == pytest.approx(amount)


@given(
    old=AMOUNTS,
    new=AMOUNTS,
    start=DATES,
    length=st.integers(1, 400),
    offset=st.integers(0, 400),
    new_period=st.booleans(),
)
def test_change_amounts_consistent(old, new, start, length, offset, new_period):
    end = start + timedelta(days=length)
    on = start + timedelta(days=offset)
    result = proration.change_amounts(old, new, start, end, on, new_period=new_period)
    assert result["credit"] == proration.prorate(old, start, end, on)
    expected_charge = new if new_period else proration.prorate(new, start, end, on)
    assert result["charge"] == expected_charge
    assert result["net"] == result["charge"] - result["credit"]
