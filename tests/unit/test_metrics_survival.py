# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Kaplan-Meier survival and the LTV forecast of subscription_reports,
checked on synthetic histories whose true churn is known."""

import random
from datetime import date, timedelta

import pytest
from test_metrics import Row, metrics

AS_OF = date(2025, 12, 31)


def _synthetic_ledger(hazard_by_month, customers=3000, months=36, seed=7):
    """Customers start uniformly over ``months`` months before AS_OF and
    churn at the start of month t of their life with probability
    ``hazard_by_month(t)``; the others are still active at AS_OF."""
    rng = random.Random(seed)
    rows = []
    first_day = metrics.add_months(AS_OF, -months)
    span = (AS_OF - first_day).days
    for customer in range(customers):
        start = first_day + timedelta(days=rng.randrange(span))
        rows.append(Row(customer, start, "activated", 50.0))
        t = 1
        while True:
            end = start + timedelta(days=round(t * metrics.MONTH_DAYS) - 1)
            if end > AS_OF:
                break
            if rng.random() < hazard_by_month(t):
                rows.append(Row(customer, end, "cancelled", -50.0))
                break
            t += 1
    return rows


def test_kaplan_meier_by_hand():
    # 4 customers: churn in month 1, censored after 1.5 months, churn in
    # month 3, censored after 3 months.
    survival, at_risk, deaths = metrics.kaplan_meier(
        [(0.4, True), (1.5, False), (2.2, True), (3.0, False)]
    )
    assert at_risk == [4, 4, 2, 2]
    assert deaths == [0, 1, 0, 1]
    assert survival == pytest.approx([1.0, 0.75, 0.75, 0.375])
    with pytest.raises(ValueError, match="negative"):
        metrics.kaplan_meier([(-1.0, True)])


def test_constant_churn_is_recovered():
    true_churn = 0.05
    rows = _synthetic_ledger(lambda t: true_churn)
    observations = metrics.lifetimes(rows, AS_OF)
    survival, at_risk, deaths = metrics.kaplan_meier(observations)
    # The curve follows (1 - p)^t where enough customers are at risk.
    for t in (6, 12, 24):
        assert survival[t] == pytest.approx((1 - true_churn) ** t, abs=0.03)
    hazard = metrics.tail_hazard(at_risk, deaths, window=12, min_at_risk=100)
    assert hazard == pytest.approx(true_churn, abs=0.01)
    # A paying customer lives 1 / p months on average.
    lifetime = metrics.expected_lifetime(observations)
    assert lifetime == pytest.approx(1 / true_churn, rel=0.15)
    forecast = metrics.ltv_forecast(observations, 50.0, 0.8, samples=60)
    true_ltv = 50.0 * 0.8 / true_churn
    assert forecast["ltv"] == pytest.approx(true_ltv, rel=0.15)
    assert forecast["ltv_low"] < forecast["ltv"] < forecast["ltv_high"]
    assert forecast["ltv_low"] <= true_ltv <= forecast["ltv_high"]


def test_early_churn_then_a_lower_tail_is_recovered():
    # 20 % leave after the first month, then 3 % a month.
    def hazard(t):
        return 0.2 if t == 1 else 0.03

    rows = _synthetic_ledger(hazard, customers=4000)
    observations = metrics.lifetimes(rows, AS_OF)
    survival = metrics.kaplan_meier(observations)[0]
    assert survival[1] == pytest.approx(0.8, abs=0.03)
    # E = 1 + 0.8 * (1 / 0.03)
    true_lifetime = 1 + 0.8 / 0.03
    assert metrics.expected_lifetime(observations) == pytest.approx(true_lifetime, rel=0.2)
    # The simple formula with the average churn rate would be far off.
    assert abs(1 / 0.2 - true_lifetime) > 10


def test_no_churn_means_no_finite_forecast():
    rows = [Row(c, date(2025, 1, 1), "activated", 10.0) for c in range(20)]
    observations = metrics.lifetimes(rows, AS_OF)
    assert metrics.expected_lifetime(observations) is None
    forecast = metrics.ltv_forecast(observations, 10.0, 0.8)
    assert forecast == {"lifetime": None, "ltv": None, "ltv_low": None, "ltv_high": None}
    assert metrics.expected_lifetime([]) is None
    with pytest.raises(ValueError, match="gross margin"):
        metrics.ltv_forecast(observations, 10.0, 1.5)


def test_lifetimes_end_at_the_first_churn_and_ignore_pauses():
    rows = [
        Row("a", date(2025, 1, 1), "activated", 10.0),
        Row("a", date(2025, 2, 1), "paused", -10.0),
        Row("a", date(2025, 3, 1), "resumed", 10.0),
        Row("a", date(2025, 7, 1), "cancelled", -10.0),
        Row("a", date(2025, 9, 1), "reactivated", 10.0),
        Row("b", date(2025, 11, 1), "activated", 10.0),
    ]
    result = dict(zip(["a", "b"], metrics.lifetimes(rows, AS_OF), strict=True))
    assert result["a"] == (pytest.approx(181 / metrics.MONTH_DAYS), True)
    assert result["b"] == (pytest.approx(60 / metrics.MONTH_DAYS), False)
