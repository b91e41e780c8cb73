# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Metrics from aggregates (subscription_reports/tools/aggregates.py): the
same results as tools/metrics.py from the ledger rows."""

import importlib.util
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_metrics import Row, metrics
from test_metrics_survival import AS_OF, _synthetic_ledger

_PATH = Path(__file__).resolve().parents[2] / "addons/subscription_reports/tools/aggregates.py"


def _load():
    name = "subscription_reports_aggregates"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _PATH)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


aggregates = _load()


def _counts(observations):
    """Deaths and censored customers per month, as the SQL of the customer
    months counts them."""
    deaths, censored = Counter(), Counter()
    for months, churned in observations:
        if churned:
            deaths[int(months) + 1] += 1
        else:
            censored[int(months)] += 1
    return dict(deaths), dict(censored)


def _pairs(rows, date_from, date_to):
    opening = metrics.mrr_by_customer(rows, date_from - timedelta(days=1))
    closing = metrics.mrr_by_customer(rows, date_to)
    return [(v, closing.get(c, 0.0)) for c, v in opening.items()]


def test_retention_from_pairs_by_hand():
    # Two customers: 100 -> 150 (expansion), 100 -> 0 (churn).
    grr, nrr = aggregates.retention_from_pairs([(100.0, 150.0), (100.0, 0.0)])
    assert grr == pytest.approx(0.5)
    assert nrr == pytest.approx(0.75)
    assert aggregates.retention_from_pairs([]) == (None, None)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4),
            st.integers(0, 90),
            st.sampled_from([10.0, -10.0, 25.0, -5.0]),
        ),
        max_size=40,
    ),
    st.integers(1, 80),
)
def test_retention_from_pairs_matches_metrics(events, start):
    rows = []
    balance = Counter()
    for customer, offset, delta in sorted(events, key=lambda e: e[1]):
        if balance[customer] + delta < 0:
            delta = -balance[customer]
        balance[customer] += delta
        rows.append(Row(customer, date(2026, 1, 1) + timedelta(days=offset), "x", delta))
    date_from = date(2026, 1, 1) + timedelta(days=start)
    date_to = date_from + timedelta(days=20)
    expected = metrics.retention(rows, date_from, date_to)
    found = aggregates.retention_from_pairs(_pairs(rows, date_from, date_to))
    for e, f in zip(expected, found, strict=True):
        assert (e is None and f is None) or e == pytest.approx(f)


@pytest.mark.parametrize(
    "hazard",
    [lambda t: 0.05, lambda t: 0.2 if t == 1 else 0.03],
    ids=["constant", "early"],
)
def test_survival_counts_match_the_observations(hazard):
    observations = metrics.lifetimes(_synthetic_ledger(hazard), AS_OF)
    deaths, censored = _counts(observations)
    assert aggregates.kaplan_meier_counts(deaths, censored) == metrics.kaplan_meier(observations)
    assert aggregates.expected_lifetime_counts(deaths, censored) == pytest.approx(
        metrics.expected_lifetime(observations)
    )


def test_forecast_band_holds_the_true_lifetime():
    # Constant 5 % monthly churn: expected months paid = 1 / 0.05 = 20.
    observations = metrics.lifetimes(_synthetic_ledger(lambda t: 0.05), AS_OF)
    deaths, censored = _counts(observations)
    forecast = aggregates.ltv_forecast_counts(deaths, censored, 50.0, 0.8)
    assert forecast["lifetime"] == pytest.approx(20, rel=0.15)
    assert forecast["ltv"] == pytest.approx(50.0 * 0.8 * forecast["lifetime"])
    assert forecast["ltv_low"] <= 50.0 * 0.8 * 20 <= forecast["ltv_high"]
    assert forecast["ltv_low"] < forecast["ltv"] < forecast["ltv_high"]
    # The band is as wide as the customer bootstrap's (same data).
    exact = metrics.ltv_forecast(observations, 50.0, 0.8, samples=100)
    width = forecast["ltv_high"] - forecast["ltv_low"]
    assert width == pytest.approx(exact["ltv_high"] - exact["ltv_low"], rel=0.5)
    # Reproducible.
    assert aggregates.ltv_forecast_counts(deaths, censored, 50.0, 0.8) == forecast


def test_forecast_without_churn_or_data():
    assert aggregates.ltv_forecast_counts({}, {}, 50.0, 0.8)["ltv"] is None
    assert aggregates.ltv_forecast_counts({}, {3: 100}, 50.0, 0.8)["lifetime"] is None
    with pytest.raises(ValueError):
        aggregates.ltv_forecast_counts({1: 1}, {}, 50.0, 1.5)
    with pytest.raises(ValueError):
        aggregates.kaplan_meier_counts({1: -1}, {})


def test_poisson_draws_have_the_right_mean():
    import random

    rng = random.Random(1)
    for lam in (0.5, 5, 200):
        draws = [aggregates._poisson(rng, lam) for _i in range(4000)]
        assert sum(draws) / len(draws) == pytest.approx(lam, rel=0.08)
        assert min(draws) >= 0
    assert aggregates._poisson(rng, 0) == 0
