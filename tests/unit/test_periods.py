# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import calendar
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from subscription_core_tools import periods

UNITS = st.sampled_from(periods.UNITS)
COUNTS = st.integers(min_value=1, max_value=12)
ANCHORS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
MONTHLY = st.sampled_from(["month", "year"])


# -- examples ---------------------------------------------------------------


@pytest.mark.parametrize(
    "n, expected",
    [
        (0, date(2023, 1, 31)),
        (1, date(2023, 2, 28)),
        (2, date(2023, 3, 31)),
        (3, date(2023, 4, 30)),
        (4, date(2023, 5, 31)),
        (12, date(2024, 1, 31)),
        (13, date(2024, 2, 29)),
    ],
)
def test_month_end_anchor_keeps_day(n, expected):
    assert periods.add_interval(date(2023, 1, 31), "month", 1, n) == expected


def test_month_end_anchor_leap_february():
    assert periods.add_interval(date(2024, 1, 31), "month", 1) == date(2024, 2, 29)


@pytest.mark.parametrize(
    "n, expected",
    [
        (1, date(2025, 2, 28)),
        (2, date(2026, 2, 28)),
        (3, date(2027, 2, 28)),
        (4, date(2028, 2, 29)),
    ],
)
def test_leap_day_yearly_anchor(n, expected):
    assert periods.add_interval(date(2024, 2, 29), "year", 1, n) == expected


def test_century_leap_rules():
    # 2000 is a leap year, 2100 is not (divisible by 100 but not by 400)
    assert periods.add_interval(date(1996, 2, 29), "year", 1, 4) == date(2000, 2, 29)
    assert periods.add_interval(date(2096, 2, 29), "year", 1, 4) == date(2100, 2, 28)
    assert periods.add_interval(date(2100, 1, 31), "month", 1) == date(2100, 2, 28)
    assert periods.add_interval(date(2000, 1, 31), "month", 1) == date(2000, 2, 29)


def test_quarterly_and_multi_unit():
    assert periods.add_interval(date(2024, 11, 30), "month", 3) == date(2025, 2, 28)
    assert periods.add_interval(date(2024, 1, 1), "week", 2, 3) == date(2024, 2, 12)
    assert periods.add_interval(date(2024, 2, 28), "day", 1) == date(2024, 2, 29)
    assert periods.add_interval(date(2024, 3, 15), "year", 2) == date(2026, 3, 15)


def test_period_containing_examples():
    anchor = date(2024, 1, 31)
    assert periods.period_containing(anchor, "month", 1, anchor) == (
        date(2024, 1, 31),
        date(2024, 2, 29),
    )
    assert periods.period_containing(anchor, "month", 1, date(2024, 2, 28)) == (
        date(2024, 1, 31),
        date(2024, 2, 29),
    )
    assert periods.period_containing(anchor, "month", 1, date(2024, 2, 29)) == (
        date(2024, 2, 29),
        date(2024, 3, 31),
    )
    assert periods.period_containing(anchor, "month", 1, date(2024, 3, 30)) == (
        date(2024, 2, 29),
        date(2024, 3, 31),
    )


def test_next_period_end_examples():
    anchor = date(2024, 1, 31)
    assert periods.next_period_end(anchor, "month", 1, anchor) == date(2024, 2, 29)
    assert periods.next_period_end(anchor, "month", 1, date(2024, 2, 29)) == date(2024, 3, 31)
    assert periods.next_period_end(anchor, "month", 1, date(2024, 4, 30)) == date(2024, 5, 31)


def test_clip_end():
    end = date(2024, 3, 1)
    assert periods.clip_end(end, None) == end
    assert periods.clip_end(end, date(2024, 2, 15)) == date(2024, 2, 15)
    assert periods.clip_end(end, date(2025, 1, 1)) == end


def test_period_index_is_fast_far_from_anchor():
    # a daily-cycle period 100 years away must not loop over every period
    anchor = date(2000, 1, 1)
    day = date(2100, 12, 31)
    assert periods.period_index(anchor, "day", 1, day) == (day - anchor).days
    assert periods.period_index(anchor, "month", 1, day) == 1211
    assert periods.period_index(date(1, 1, 31), "month", 1, date(9999, 12, 30)) == 119986


# -- bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "unit, count",
    [
        ("month", 0),
        ("month", -1),
        ("week", 1.5),
        ("year", True),
        ("fortnight", 1),
        ("", 1),
        (None, 1),
        ("Month", 1),
    ],
)
def test_bad_cycle_raises(unit, count):
    with pytest.raises(ValueError):
        periods.add_interval(date(2024, 1, 1), unit, count)
    with pytest.raises(ValueError):
        periods.period_containing(date(2024, 1, 1), unit, count, date(2024, 5, 1))


def test_unknown_unit_message():
    with pytest.raises(ValueError, match="fortnight"):
        periods.add_interval(date(2024, 1, 1), "fortnight", 1)
    with pytest.raises(ValueError, match=">= 1"):
        periods.add_interval(date(2024, 1, 1), "month", 0)


@pytest.mark.parametrize("n", [-1, 1.0, None])
def test_bad_n_raises(n):
    with pytest.raises(ValueError):
        periods.add_interval(date(2024, 1, 1), "month", 1, n)


def test_day_before_anchor_raises():
    with pytest.raises(ValueError):
        periods.period_index(date(2024, 1, 31), "month", 1, date(2024, 1, 30))
    with pytest.raises(ValueError):
        periods.period_containing(date(2024, 1, 31), "month", 1, date(2023, 12, 31))
    with pytest.raises(ValueError):
        periods.next_period_end(date(2024, 1, 31), "month", 1, date(2024, 1, 1))


def test_next_period_end_not_a_boundary_raises():
    with pytest.raises(ValueError, match="not a period boundary"):
        periods.next_period_end(date(2024, 1, 31), "month", 1, date(2024, 2, 28))
    with pytest.raises(ValueError):
        periods.next_period_end(date(2024, 1, 1), "week", 1, date(2024, 1, 3))


def test_datetime_refused():
    with pytest.raises(TypeError):
        periods.add_interval(datetime(2024, 1, 1, 12, 0), "month", 1)
    with pytest.raises(TypeError):
        periods.period_index(date(2024, 1, 1), "month", 1, "2024-02-01")


# -- properties ---------------------------------------------------------------


@given(anchor=ANCHORS, unit=UNITS, count=COUNTS, k=st.integers(0, 200))
def test_consecutive_periods_tile(anchor, unit, count, k):
    start, end = periods.period_containing(
        anchor, unit, count, periods.add_interval(anchor, unit, count, k)
    )
    assert start == periods.add_interval(anchor, unit, count, k)
    assert start < end
    # the end of period k is the start of period k + 1
    assert periods.period_containing(anchor, unit, count, end)[0] == end
    assert periods.next_period_end(anchor, unit, count, start) == end
    # the last day of the period is still inside it
    assert periods.period_containing(anchor, unit, count, end - timedelta(days=1)) == (start, end)


@given(anchor=ANCHORS, unit=UNITS, count=COUNTS, n=st.integers(0, 150))
def test_boundaries_strictly_increasing(anchor, unit, count, n):
    assert periods.add_interval(anchor, unit, count, n) < periods.add_interval(
        anchor, unit, count, n + 1
    )


@given(
    anchor=ANCHORS,
    unit=UNITS,
    count=COUNTS,
    offset=st.integers(0, 4000),
    length=st.integers(1, 120),
)
def test_every_day_in_exactly_one_period(anchor, unit, count, offset, length):
    first = anchor + timedelta(days=offset)
    previous = None
    for i in range(length):
        day = first + timedelta(days=i)
        k = periods.period_index(anchor, unit, count, day)
        start, end = periods.period_containing(anchor, unit, count, day)
        assert start <= day < end
        assert start == periods.add_interval(anchor, unit, count, k)
        assert end == periods.add_interval(anchor, unit, count, k + 1)
        # neighbour periods do not contain the day: exactly one period does
        if k > 0:
            assert periods.add_interval(anchor, unit, count, k - 1) < start
        assert periods.add_interval(anchor, unit, count, k + 2) > end
        if previous is not None:
            assert k in (previous, previous + 1)
        previous = k


@given(anchor=ANCHORS, unit=MONTHLY, count=COUNTS, n=st.integers(0, 300))
def test_anchor_day_is_kept(anchor, unit, count, n):
    result = periods.add_interval(anchor, unit, count, n)
    months = n * count * (12 if unit == "year" else 1)
    assert (result.year * 12 + result.month) - (anchor.year * 12 + anchor.month) == months
    assert result.day == min(anchor.day, calendar.monthrange(result.year, result.month)[1])


@given(anchor=ANCHORS, unit=UNITS, count=COUNTS, n=st.integers(0, 300))
def test_computed_from_anchor_not_iteratively(anchor, unit, count, n):
    # n intervals of count units == n * count intervals of one unit
    assert periods.add_interval(anchor, unit, count, n) == periods.add_interval(
        anchor, unit, 1, n * count
    )


@given(
    anchor=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    count=COUNTS,
    n=st.integers(0, 500),
)
def test_day_and_week_units_are_fixed_length(anchor, count, n):
    assert periods.add_interval(anchor, "day", count, n) == anchor + timedelta(days=count * n)
    assert periods.add_interval(anchor, "week", count, n) == anchor + timedelta(weeks=count * n)


@given(anchor=ANCHORS, unit=UNITS, count=COUNTS, offset=st.integers(0, 40000))
def test_period_index_matches_definition(anchor, unit, count, offset):
    day = anchor + timedelta(days=offset)
    k = periods.period_index(anchor, unit, count, day)
    assert k >= 0
    assert periods.add_interval(anchor, unit, count, k) <= day
    assert day < periods.add_interval(anchor, unit, count, k + 1)
