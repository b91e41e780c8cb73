# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import pytest
from hypothesis import given
from hypothesis import strategies as st
from subscription_core_tools import mrr


@pytest.mark.parametrize(
    "unit, count, factor",
    [
        ("month", 1, 1.0),
        ("month", 3, 1 / 3),
        ("month", 12, 1 / 12),
        ("year", 1, 1 / 12),
        ("year", 2, 1 / 24),
        ("week", 1, 52 / 12),
        ("week", 2, 52 / 24),
        ("day", 1, 365 / 12),
        ("day", 30, 365 / 360),
    ],
)
def test_monthly_factor(unit, count, factor):
    assert mrr.monthly_factor(unit, count) == pytest.approx(factor)


def test_to_monthly_examples():
    assert mrr.to_monthly(120.0, "year", 1) == pytest.approx(10.0)
    assert mrr.to_monthly(30.0, "month", 3) == pytest.approx(10.0)
    assert mrr.to_monthly(10.0, "week", 1) == pytest.approx(520 / 12)
    assert mrr.to_monthly(0.0, "day", 7) == 0.0


@pytest.mark.parametrize(
    "unit, count",
    [
        ("month", 0),
        ("year", -2),
        ("week", 1.0),
        ("day", None),
        ("decade", 1),
        ("Year", 1),
    ],
)
def test_bad_cycle_raises(unit, count):
    with pytest.raises(ValueError):
        mrr.monthly_factor(unit, count)
    with pytest.raises(ValueError):
        mrr.to_monthly(10.0, unit, count)


@given(
    amount=st.floats(0, 1e7),
    unit=st.sampled_from(["day", "week", "month", "year"]),
    count=st.integers(1, 36),
)
def test_to_monthly_scales_inversely_with_count(amount, unit, count):
    assert mrr.to_monthly(amount, unit, count) == pytest.approx(
        mrr.to_monthly(amount, unit, 1) / count
    )


def test_yearly_equals_twelve_monthly():
    assert mrr.to_monthly(1200.0, "year", 1) == pytest.approx(mrr.to_monthly(100.0, "month", 1))


@pytest.mark.parametrize(
    "old, new, old_rank, new_rank, expected",
    [
        (10, 20, None, None, "upgrade"),
        (20, 10, None, None, "downgrade"),
        (10, 10, None, None, "none"),
        (10.0, 10.000000000001, None, None, "none"),
        # rank decides when both are given and differ
        (50, 20, 1, 2, "upgrade"),
        (20, 50, 2, 1, "downgrade"),
        # equal ranks or a missing rank: amounts decide
        (10, 20, 3, 3, "upgrade"),
        (20, 10, 3, 3, "downgrade"),
        (10, 10, 3, 3, "none"),
        (10, 20, None, 1, "upgrade"),
        (20, 10, 1, None, "downgrade"),
    ],
)
def test_is_upgrade(old, new, old_rank, new_rank, expected):
    assert mrr.is_upgrade(old, new, old_rank, new_rank) == expected


@given(old=st.floats(0, 1e6), new=st.floats(0, 1e6))
def test_is_upgrade_antisymmetric(old, new):
    opposite = {"upgrade": "downgrade", "downgrade": "upgrade", "none": "none"}
    assert mrr.is_upgrade(new, old) == opposite[mrr.is_upgrade(old, new)]
