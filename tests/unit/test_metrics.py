# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Metric definitions of subscription_reports (tools/metrics.py)."""

import importlib.util
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

_PATH = Path(__file__).resolve().parents[2] / "addons/subscription_reports/tools/metrics.py"


def _load():
    name = "subscription_reports_metrics"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _PATH)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


metrics = _load()
Row = metrics.LedgerRow
D = date


def kinds(rows):
    return [(m.day, m.customer, m.kind, m.amount) for m in metrics.movements(rows)]


# ---------------------------------------------------------------- movements


def test_new_expansion_contraction_churn():
    rows = [
        Row("a", D(2025, 1, 5), "created", 0.0),
        Row("a", D(2025, 1, 5), "activated", 100.0),
        Row("a", D(2025, 2, 5), "upgraded", 50.0),
        Row("a", D(2025, 3, 5), "downgraded", -30.0),
        Row("a", D(2025, 4, 5), "cancelled", -120.0),
    ]
    assert kinds(rows) == [
        (D(2025, 1, 5), "a", "new", 100.0),
        (D(2025, 2, 5), "a", "expansion", 50.0),
        (D(2025, 3, 5), "a", "contraction", -30.0),
        (D(2025, 4, 5), "a", "churn_voluntary", -120.0),
    ]


def test_trial_has_no_mrr_so_conversion_is_new():
    rows = [
        Row("a", D(2025, 1, 1), "trial_started", 0.0),
        Row("a", D(2025, 1, 15), "activated", 40.0),
    ]
    assert kinds(rows) == [(D(2025, 1, 15), "a", "new", 40.0)]


def test_involuntary_churn_by_suspension_or_reason():
    rows = [
        Row("a", D(2025, 1, 1), "activated", 10.0),
        Row("a", D(2025, 2, 1), "suspended", -10.0),
        Row("b", D(2025, 1, 1), "activated", 20.0),
        Row("b", D(2025, 2, 1), "cancelled", -20.0, True),
    ]
    assert {(m.customer, m.kind) for m in metrics.movements(rows)} >= {
        ("a", "churn_involuntary"),
        ("b", "churn_involuntary"),
    }


def test_recovery_after_suspension_is_reactivation():
    rows = [
        Row("a", D(2025, 1, 1), "activated", 10.0),
        Row("a", D(2025, 2, 1), "payment_failed", 0.0),
        Row("a", D(2025, 2, 15), "suspended", -10.0),
        Row("a", D(2025, 3, 1), "payment_recovered", 10.0),
    ]
    assert [m.kind for m in metrics.movements(rows)] == [
        "new",
        "churn_involuntary",
        "reactivation",
    ]


def test_pause_and_resume_are_not_churn():
    rows = [
        Row("a", D(2025, 1, 1), "activated", 30.0),
        Row("a", D(2025, 2, 1), "paused", -30.0),
        Row("a", D(2025, 3, 1), "resumed", 30.0),
    ]
    assert [(m.kind, m.amount) for m in metrics.movements(rows)] == [
        ("new", 30.0),
        ("paused", -30.0),
        ("resumed", 30.0),
    ]
    assert metrics.logo_churn_rate(rows, D(2025, 2, 1), D(2025, 2, 28)) == 0.0


def test_pause_and_resume_on_the_same_day_is_no_movement():
    rows = [
        Row("a", D(2025, 1, 1), "activated", 30.0),
        Row("a", D(2025, 2, 1), "paused", -30.0),
        Row("a", D(2025, 2, 1), "resumed", 30.0),
    ]
    assert [m.kind for m in metrics.movements(rows)] == ["new"]


def test_cancelling_a_paused_subscription_moves_nothing_more():
    rows = [
        Row("a", D(2025, 1, 1), "activated", 30.0),
        Row("a", D(2025, 2, 1), "paused", -30.0),
        Row("a", D(2025, 3, 1), "cancelled", 0.0),
    ]
    assert [m.kind for m in metrics.movements(rows)] == ["new", "paused"]


def test_reactivation_versus_new_is_per_customer():
    rows = [
        Row("a", D(2025, 1, 1), "activated", 10.0),
        Row("a", D(2025, 2, 1), "cancelled", -10.0),
        # the same customer comes back with another subscription
        Row("a", D(2025, 5, 1), "activated", 15.0),
        # a second subscription of an active customer is expansion
        Row("a", D(2025, 6, 1), "activated", 5.0),
    ]
    assert [m.kind for m in metrics.movements(rows)] == [
        "new",
        "churn_voluntary",
        "reactivation",
        "expansion",
    ]


def test_same_day_changes_net_out():
    rows = [
        Row("a", D(2025, 1, 1), "activated", 10.0),
        Row("a", D(2025, 2, 1), "upgraded", 10.0),
        Row("a", D(2025, 2, 1), "downgraded", -4.0),
        Row("a", D(2025, 3, 1), "upgraded", 5.0),
        Row("a", D(2025, 3, 1), "downgraded", -5.0),
    ]
    assert kinds(rows)[1:] == [(D(2025, 2, 1), "a", "expansion", 6.0)]


def test_cycle_change_at_the_same_monthly_amount_is_no_movement():
    # monthly 10 -> yearly 120: the ledger records the monthly-normalised
    # MRR, so the change is 0.
    rows = [
        Row("a", D(2025, 1, 1), "activated", 10.0),
        Row("a", D(2025, 2, 1), "upgraded", 0.0),
    ]
    assert [m.kind for m in metrics.movements(rows)] == ["new"]


def test_bad_rows_are_refused():
    with pytest.raises(ValueError, match="date"):
        metrics.movements([Row("a", "2025-01-01", "activated", 1.0)])
    with pytest.raises(ValueError, match="number"):
        metrics.movements([Row("a", D(2025, 1, 1), "activated", "1")])
    with pytest.raises(ValueError, match="before it starts"):
        metrics.summarize([], D(2025, 2, 1), D(2025, 1, 1))


# ------------------------------------------------------------- aggregates


@pytest.fixture
def book():
    """Four customers over two months."""
    return [
        Row("a", D(2025, 1, 1), "activated", 100.0),
        Row("b", D(2025, 1, 1), "activated", 100.0),
        Row("c", D(2025, 1, 1), "activated", 100.0),
        Row("d", D(2025, 1, 1), "activated", 100.0),
        Row("a", D(2025, 2, 3), "upgraded", 50.0),
        Row("b", D(2025, 2, 10), "downgraded", -20.0),
        Row("c", D(2025, 2, 20), "cancelled", -100.0),
        Row("e", D(2025, 2, 25), "activated", 60.0),
    ]


def test_summary_quick_ratio_and_rates(book):
    summary = metrics.summarize(metrics.movements(book), D(2025, 2, 1), D(2025, 2, 28))
    assert summary["new"] == 60.0
    assert summary["expansion"] == 50.0
    assert summary["contraction"] == -20.0
    assert summary["churn_voluntary"] == -100.0
    assert summary["net_new"] == pytest.approx(-10.0)
    assert summary["new_count"] == 1
    assert metrics.quick_ratio(summary) == pytest.approx(110 / 120)
    assert metrics.logo_churn_rate(book, D(2025, 2, 1), D(2025, 2, 28)) == 0.25
    assert metrics.revenue_churn_rate(book, D(2025, 2, 1), D(2025, 2, 28)) == pytest.approx(
        120 / 400
    )
    grr, nrr = metrics.retention_monthly(book, D(2025, 2, 14))
    assert grr == pytest.approx(280 / 400)
    assert nrr == pytest.approx(330 / 400)
    assert metrics.mrr_at(book, D(2025, 2, 28)) == pytest.approx(390.0)
    assert metrics.arpu(book, D(2025, 2, 28)) == pytest.approx(390.0 / 4)


def test_quick_ratio_without_losses_is_none():
    summary = metrics.summarize([], D(2025, 1, 1), D(2025, 1, 31))
    assert metrics.quick_ratio(summary) is None
    assert metrics.arpu([], D(2025, 1, 1)) is None
    assert metrics.retention([], D(2025, 1, 1), D(2025, 1, 31)) == (None, None)


def test_trailing_twelve_months_retention():
    rows = [
        Row("a", D(2024, 3, 10), "activated", 100.0),
        Row("b", D(2024, 3, 10), "activated", 100.0),
        Row("a", D(2024, 9, 1), "upgraded", 100.0),
        Row("b", D(2025, 1, 1), "cancelled", -100.0),
        Row("c", D(2025, 2, 1), "activated", 500.0),
    ]
    grr, nrr = metrics.retention_trailing_12(rows, D(2025, 3, 31))
    assert grr == pytest.approx(0.5)
    assert nrr == pytest.approx(1.0)


def test_ltv():
    assert metrics.ltv(100.0, 0.8, 0.05) == pytest.approx(1600.0)
    assert metrics.ltv(100.0, 0.8, 0.0) is None
    assert metrics.ltv(None, 0.8, 0.05) is None
    with pytest.raises(ValueError, match="gross margin"):
        metrics.ltv(100.0, 80, 0.05)


def test_add_months_clamps_to_month_end():
    assert metrics.add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert metrics.add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert metrics.add_months(D(2025, 3, 31), -12) == D(2024, 3, 31)
    assert metrics.add_months(D(2025, 12, 15), 1) == D(2026, 1, 15)
    assert metrics.month_range(D(2024, 2, 10)) == (D(2024, 2, 1), D(2024, 2, 29))


def test_cohort_triangle():
    rows = [
        Row("a", D(2025, 1, 5), "activated", 10.0),
        Row("b", D(2025, 1, 20), "activated", 30.0),
        Row("b", D(2025, 2, 10), "cancelled", -30.0),
        Row("a", D(2025, 3, 1), "upgraded", 10.0),
        Row("c", D(2025, 2, 1), "activated", 5.0),
    ]
    table = metrics.cohorts(rows, D(2025, 3, 15))
    assert list(table) == [D(2025, 1, 1), D(2025, 2, 1)]
    jan = table[D(2025, 1, 1)]
    assert (jan["customers"], jan["mrr"]) == (2, 40.0)
    assert jan["logos"] == [2, 1, 1]
    assert jan["mrr_retained"] == [40.0, 10.0, 20.0]
    feb = table[D(2025, 2, 1)]
    assert feb["logos"] == [1, 1]


def test_trial_conversion():
    trials = [
        (D(2025, 1, 1), D(2025, 1, 15), True),
        (D(2025, 1, 3), D(2025, 1, 10), True),
        (D(2025, 1, 5), D(2025, 1, 19), False),
        (D(2025, 1, 30), None, None),
        (D(2024, 12, 30), D(2025, 1, 13), True),  # started before the range
    ]
    result = metrics.trial_conversion(trials, D(2025, 1, 1), D(2025, 1, 31))
    assert result["started"] == 4
    assert (result["converted"], result["lost"], result["pending"]) == (2, 1, 1)
    assert result["rate"] == pytest.approx(2 / 3)
    assert result["days_to_convert"] == pytest.approx(10.5)


# ------------------------------------------------------ property tests

EVENT_TYPES = ["activated", "upgraded", "downgraded", "paused", "resumed", "cancelled"]


@st.composite
def ledgers(draw):
    """Random but consistent ledgers: no customer MRR ever goes below 0."""
    rows = []
    start = D(2025, 1, 1)
    for customer in range(draw(st.integers(1, 6))):
        mrr = 0.0
        for _i in range(draw(st.integers(0, 8))):
            day = start + timedelta(days=draw(st.integers(0, 120)))
            target = draw(st.sampled_from([0.0, 10.0, 25.0, 40.0]))
            rows.append(
                Row(
                    customer,
                    day,
                    draw(st.sampled_from(EVENT_TYPES)),
                    target - mrr,
                    draw(st.booleans()),
                )
            )
            mrr = target
    # Keep per-customer order consistent with days (targets chain by day).
    return _rechain(rows)


def _rechain(rows):
    """Re-derive deltas so each customer's MRR follows its targets in day order."""
    by_customer = {}
    for row in rows:
        by_customer.setdefault(row.customer, []).append(row)
    result = []
    for customer_rows in by_customer.values():
        targets = []
        mrr = 0.0
        for row in customer_rows:
            mrr += row.mrr_delta
            targets.append(mrr)
        ordered = sorted(zip(customer_rows, targets, strict=True), key=lambda p: p[0].day)
        mrr = 0.0
        for row, target in ordered:
            result.append(row._replace(mrr_delta=target - mrr))
            mrr = target
    return result


@settings(max_examples=200, deadline=None)
@given(ledgers(), st.integers(0, 130), st.integers(0, 130))
def test_movements_sum_to_the_mrr_difference(rows, a, b):
    date_from = D(2025, 1, 1) + timedelta(days=min(a, b))
    date_to = D(2025, 1, 1) + timedelta(days=max(a, b))
    summary = metrics.summarize(metrics.movements(rows), date_from, date_to)
    expected = metrics.mrr_at(rows, date_to) - metrics.mrr_at(rows, date_from - timedelta(days=1))
    assert summary["net_new"] == pytest.approx(expected, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(ledgers())
def test_movement_signs_and_one_per_customer_day(rows):
    seen = set()
    for move in metrics.movements(rows):
        assert (move.day, move.customer) not in seen
        seen.add((move.day, move.customer))
        if move.kind in metrics.GAINS:
            assert move.amount > 0
        else:
            assert move.amount < 0


@settings(max_examples=200, deadline=None)
@given(ledgers(), st.integers(0, 120))
def test_retention_bounds(rows, offset):
    day = D(2025, 1, 1) + timedelta(days=offset)
    grr, nrr = metrics.retention(rows, D(2025, 1, 1) + timedelta(days=offset // 2), day)
    if grr is not None:
        assert 0 <= grr <= 1 + 1e-9
        assert nrr >= grr - 1e-9
