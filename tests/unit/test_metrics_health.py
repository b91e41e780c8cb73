# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Health score and AUC of subscription_reports (tools/health.py), with a
backtest on a generated history whose churn depends on the signals."""

import importlib.util
import random
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

_PATH = Path(__file__).resolve().parents[2] / "addons/subscription_reports/tools/health.py"


def _load():
    name = "subscription_reports_health"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _PATH)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


health = _load()
S = health.Signals
CALM = S(0, 0, False, 0, False, False, 12, None)


def test_score_by_hand():
    assert health.score(CALM) == 100
    assert health.score(CALM._replace(tenure_months=30)) == 100  # clamped
    assert health.score(CALM._replace(tenure_months=1)) == 90
    # Two failures, one recent, in dunning: 100 - 30 - 10 - 20.
    assert health.score(CALM._replace(failures_90=2, failures_30=1, in_dunning=True)) == 40
    assert health.score(CALM._replace(failures_90=9)) == 55  # at most 3 count
    assert health.score(CALM._replace(downgrades_180=5)) == 80  # at most 2 count
    assert health.score(CALM._replace(paused_180=True, cancel_scheduled=True)) == 50
    assert health.score(CALM._replace(nps=3)) == 85
    assert health.score(CALM._replace(nps=8)) == 95
    assert health.score(CALM._replace(nps=10)) == 100
    worst = S(5, 5, True, 5, True, True, 0, 0)
    assert health.score(worst) == 0
    assert [health.band(v) for v in (100, 70, 69, 40, 39, 0)] == [
        "healthy",
        "healthy",
        "at_risk",
        "at_risk",
        "critical",
        "critical",
    ]


@given(
    st.integers(0, 6),
    st.integers(0, 6),
    st.booleans(),
    st.integers(0, 4),
    st.booleans(),
    st.booleans(),
    st.integers(0, 60),
    st.one_of(st.none(), st.integers(0, 10)),
)
def test_score_is_bounded_and_monotonic(f90, f30, dunning, down, paused, cancel, tenure, nps):
    signals = S(f90, min(f30, f90), dunning, down, paused, cancel, tenure, nps)
    value = health.score(signals)
    assert 0 <= value <= 100
    # One more warning sign never raises the score.
    assert health.score(signals._replace(cancel_scheduled=True)) <= value
    assert health.score(signals._replace(failures_90=f90 + 1)) <= value


def test_auc_by_hand():
    assert health.auc([3, 2, 1], [True, False, False]) == 1.0
    assert health.auc([1, 2, 3], [True, False, False]) == 0.0
    assert health.auc([1, 1], [True, False]) == 0.5
    # 2 churners x 2 stayers: pairs (4>1, 4>3, 2>1, 2<3) -> 3 of 4.
    assert health.auc([4, 2, 1, 3], [True, True, False, False]) == 0.75
    assert health.auc([1, 2], [True, True]) is None
    assert health.auc([], []) is None
    with pytest.raises(ValueError):
        health.auc([1, 2], [True])


def test_auc_matches_pair_counting():
    rng = random.Random(3)
    risks = [rng.randrange(10) for _i in range(200)]
    outcomes = [rng.random() < 0.3 for _i in range(200)]
    pos = [r for r, o in zip(risks, outcomes, strict=True) if o]
    neg = [r for r, o in zip(risks, outcomes, strict=True) if not o]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    assert health.auc(risks, outcomes) == pytest.approx(wins / (len(pos) * len(neg)))


def _generated_history(customers=4000, seed=11):
    """Subscriptions with random signals; each churns within 90 days with a
    probability that rises with its true risk (payment trouble, a scheduled
    cancellation, downgrades, pauses, detractors, short tenure), plus noise."""
    rng = random.Random(seed)
    rows = []
    for _i in range(customers):
        failures = rng.choices([0, 1, 2, 3], [0.8, 0.1, 0.06, 0.04])[0]
        signals = S(
            failures,
            min(failures, rng.choice([0, 1])),
            failures > 0 and rng.random() < 0.5,
            rng.choices([0, 1, 2], [0.85, 0.1, 0.05])[0],
            rng.random() < 0.05,
            rng.random() < 0.04,
            rng.randrange(48),
            rng.choice([None, None, rng.randrange(11)]),
        )
        hazard = 0.03 + 0.08 * failures + 0.1 * signals.in_dunning
        hazard += 0.5 * signals.cancel_scheduled + 0.05 * signals.downgrades_180
        hazard += 0.05 * signals.paused_180 + 0.05 * (signals.tenure_months < 3)
        hazard += 0.08 * (signals.nps is not None and signals.nps <= 6)
        rows.append((signals, rng.random() < min(hazard, 0.95)))
    return rows


def test_backtest_on_a_generated_history():
    rows = _generated_history()
    risks = [100 - health.score(signals) for signals, _churned in rows]
    value = health.auc(risks, [churned for _signals, churned in rows])
    # The score ranks those who churned within 90 days well above chance.
    assert value > 0.7, value
    # A score that ignores the signals ranks no better than chance.
    flat = health.auc([0] * len(rows), [churned for _signals, churned in rows])
    assert flat == 0.5


def test_history_keeps_90_days_then_the_last_run_of_each_month():
    today = date(2026, 6, 15)
    run_days = [
        date(2026, 1, 1) + timedelta(days=i) for i in range((today - date(2026, 1, 1)).days + 1)
    ]
    dropped = set(health.history_days_to_drop(run_days, today))
    kept = sorted(set(run_days) - dropped)
    cutoff = today - timedelta(days=90)  # 2026-03-17
    assert [d for d in kept if d < cutoff] == [date(2026, 1, 31), date(2026, 2, 28)]
    assert all(d in kept for d in run_days if d >= cutoff)
    # The job missed the last days of January: its latest run is kept instead.
    gaps = [d for d in run_days if not date(2026, 1, 29) <= d <= date(2026, 1, 31)]
    kept = sorted(set(gaps) - set(health.history_days_to_drop(gaps, today)))
    assert date(2026, 1, 28) in kept and date(2026, 1, 27) not in kept
    # Running it again drops nothing more (the pruning is idempotent).
    assert health.history_days_to_drop(kept, today) == []
    assert health.history_days_to_drop([], today) == []
    with pytest.raises(ValueError):
        health.history_days_to_drop(run_days, today, daily_days=-1)


@given(st.sets(st.integers(0, 400)))
def test_history_pruning_keeps_one_row_per_old_month(offsets):
    start, today = date(2025, 6, 1), date(2026, 7, 5)
    run_days = [start + timedelta(days=o) for o in offsets]
    kept = set(run_days) - set(health.history_days_to_drop(run_days, today))
    cutoff = today - timedelta(days=health.HISTORY_DAILY_DAYS)
    old_months = {(d.year, d.month) for d in run_days if d < cutoff}
    for year, month in old_months:
        in_month = [d for d in run_days if (d.year, d.month) == (year, month)]
        assert max(in_month) in kept
        assert [d for d in in_month if d < cutoff and d in kept] in ([], [max(in_month)])
