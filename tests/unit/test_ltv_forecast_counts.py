# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The survival model and the further months of a customer
(subscription_reports/tools/aggregates.py), behind the LTV forecast reports."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_metrics_aggregates import aggregates

# 40 customers: 10 churn in their first month, 30 still active after 12
# whole months. S(t) = 0.75 for t = 1..12, the tail's hazard is the pooled
# 10 / (40 + 11 x 30) = 1 / 37: the expected lifetime is 1 + 11 x 0.75 +
# 0.75 x 37 = 37 months.
DEATHS, CENSORED = {1: 10}, {12: 30}


def test_survival_model_of_a_known_history():
    survival, hazard = aggregates.survival_model_counts(DEATHS, CENSORED)
    assert survival == [1.0] + [0.75] * 12
    assert hazard == pytest.approx(1 / 37)
    assert aggregates.expected_lifetime_counts(DEATHS, CENSORED) == pytest.approx(37.0)


def test_further_months_of_a_known_history():
    further = aggregates.further_months_counts(DEATHS, CENSORED, 14)
    assert len(further) == 15
    # A new customer pays 36 more months after its first; one that survived
    # its first month (the risky one) 47: ten observed months then the tail.
    assert further[0] == pytest.approx(36.0)
    assert further[1] == pytest.approx(10 + 37.0)
    assert further[11] == pytest.approx(37.0)
    # Past the observed curve the tail is memoryless: (1 - h) / h.
    assert further[12:] == pytest.approx([36.0] * 3)
    assert aggregates.further_months_counts(DEATHS, CENSORED, 3) == pytest.approx(further[:4])


def test_no_churn_or_no_data_is_unbounded():
    assert aggregates.survival_model_counts({}, {}) is None
    assert aggregates.further_months_counts({}, {5: 100}, 10) is None
    assert aggregates.further_months_band_counts({}, {5: 100}, 10) is None


def test_band_contains_the_value_and_is_reproducible():
    deaths = {t: 8 for t in range(1, 13)}
    censored = {t: 20 for t in range(0, 13)}
    band = aggregates.further_months_band_counts(deaths, censored, 15)
    assert band == aggregates.further_months_band_counts(deaths, censored, 15)
    assert len(band) == 16
    for value, low, high in band:
        assert low <= value <= high
    assert band[0][0] == pytest.approx(aggregates.expected_lifetime_counts(deaths, censored) - 1)
    # The cohort forecast's band comes from the same resamples.
    forecast = aggregates.ltv_forecast_counts(deaths, censored, 10.0, 1.0)
    assert forecast["ltv_low"] == pytest.approx(10.0 * (band[0][1] + 1))
    assert forecast["ltv_high"] == pytest.approx(10.0 * (band[0][2] + 1))


@settings(max_examples=60, deadline=None)
@given(
    deaths=st.dictionaries(st.integers(1, 30), st.integers(0, 40), max_size=12),
    censored=st.dictionaries(st.integers(0, 30), st.integers(0, 60), max_size=12),
)
def test_further_months_agree_with_the_expected_lifetime(deaths, censored):
    lifetime = aggregates.expected_lifetime_counts(deaths, censored)
    further = aggregates.further_months_counts(deaths, censored, 40)
    if lifetime is None:
        assert further is None
        return
    assert further[0] == pytest.approx(lifetime - 1)
    assert all(value >= 0 for value in further)


def test_customer_ltv_forecast():
    # 37 months still to pay (this one and 36 more), nothing invoiced ahead.
    assert aggregates.customer_ltv_forecast(0.0, 10.0, 36.0, 0.0, 0.8) == pytest.approx(296.0)
    # A yearly customer invoiced 11.5 months ahead: those are in its revenue.
    assert aggregates.customer_ltv_forecast(120.0, 10.0, 36.0, 11.5, 1.0) == pytest.approx(
        120.0 + 10.0 * 25.5
    )
    # Invoiced beyond the expected life: nothing more is added.
    assert aggregates.customer_ltv_forecast(120.0, 10.0, 3.0, 11.5, 1.0) == pytest.approx(120.0)
    # Gone: what it paid; paying with an unbounded life: unknown.
    assert aggregates.customer_ltv_forecast(50.0, 0.0, None, 0.0, 0.5) == pytest.approx(25.0)
    assert aggregates.customer_ltv_forecast(50.0, 10.0, None, 0.0, 0.5) is None
