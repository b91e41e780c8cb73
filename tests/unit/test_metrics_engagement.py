# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Engagement formulas of subscription_reports (tools/engagement.py)."""

import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

_PATH = Path(__file__).resolve().parents[2] / "addons/subscription_reports/tools/engagement.py"


def _load():
    name = "subscription_reports_engagement"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _PATH)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


engagement = _load()


def test_categories_at_the_boundaries():
    assert [engagement.nps_category(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]
    for bad in (-1, 11, None):
        with pytest.raises(ValueError):
            engagement.nps_category(bad)


def test_nps_summary():
    summary = engagement.nps_summary([10, 9, 8, 3])
    assert summary == {"responses": 4, "promoters": 50.0, "detractors": 25.0, "nps": 25.0}
    assert engagement.nps_summary([]) == {
        "responses": 0,
        "promoters": None,
        "detractors": None,
        "nps": None,
    }
    assert engagement.nps_summary([0, 1])["nps"] == -100.0


@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1))
def test_nps_is_the_mean_of_plus_minus_100(scores):
    """What the SQL view relies on: NPS = avg(100 promoter, -100 detractor, 0)."""
    points = [100 if s >= 9 else -100 if s <= 6 else 0 for s in scores]
    assert engagement.nps_summary(scores)["nps"] == pytest.approx(sum(points) / len(points))
    assert -100 <= engagement.nps_summary(scores)["nps"] <= 100


def test_rates():
    assert engagement.response_rate(3, 4) == 75.0
    assert engagement.response_rate(0, 0) is None
    assert engagement.save_rate(1, 3) == 25.0
    assert engagement.save_rate(0, 0) is None
    assert engagement.winback_rate(1, 5) == 20.0
    with pytest.raises(ValueError):
        engagement.response_rate(5, 4)
    with pytest.raises(ValueError):
        engagement.winback_rate(-1, 4)


@given(st.lists(st.integers(min_value=0, max_value=10)))
def test_nps_from_counts_agrees_with_the_scores(scores):
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    assert engagement.nps_from_counts(promoters, detractors, len(scores)) == (
        engagement.nps_summary(scores)
    )


def test_nps_from_counts_refuses_impossible_counts():
    with pytest.raises(ValueError):
        engagement.nps_from_counts(3, 2, 4)


def test_offer_save_rate():
    assert engagement.offer_save_rate(1, 4) == 25.0
    assert engagement.offer_save_rate(0, 3) == 0.0
    assert engagement.offer_save_rate(0, 0) is None
    with pytest.raises(ValueError):
        engagement.offer_save_rate(2, 1)  # accepted more often than offered
    with pytest.raises(ValueError):
        engagement.offer_save_rate(-1, 1)


@given(st.lists(st.booleans(), min_size=1))
def test_offer_save_rate_is_the_mean_of_100_0(accepted_flags):
    """What the SQL view relies on: the rate is avg(100 accepted, 0 not)."""
    points = [100.0 if flag else 0.0 for flag in accepted_flags]
    assert engagement.offer_save_rate(sum(accepted_flags), len(accepted_flags)) == pytest.approx(
        sum(points) / len(points)
    )
