# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""NPS rules of subscription_engagement (no Odoo)."""

import importlib.util
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

_PATH = (
    Path(__file__).resolve().parents[2] / "addons" / "subscription_engagement" / "tools" / "nps.py"
)
_SPEC = importlib.util.spec_from_file_location("engagement_nps", _PATH)
nps = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(nps)


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0, "detractor"),
        (6, "detractor"),
        (7, "passive"),
        (8, "passive"),
        (9, "promoter"),
        (10, "promoter"),
    ],
)
def test_category(score, expected):
    assert nps.category(score) == expected


def test_category_refuses_out_of_range():
    for bad in (-1, 11):
        with pytest.raises(ValueError):
            nps.category(bad)
    assert nps.category(None) is False


def test_nps_score():
    assert nps.nps([]) is None
    assert nps.nps([10, 9, 8, 0]) == 25.0
    assert nps.nps([0, 0]) == -100.0
    assert nps.nps([10]) == 100.0


@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=200))
def test_nps_bounds(scores):
    assert -100 <= nps.nps(scores) <= 100


def test_next_invitation_date():
    start = date(2026, 1, 1)
    assert nps.next_invitation_date(None) is None
    assert nps.next_invitation_date(start) == date(2026, 1, 31)
    assert nps.next_invitation_date(start, last_invited=date(2026, 1, 31)) == date(2026, 5, 1)
    # The customer was asked for another subscription 10 days ago: 60 days from then.
    assert nps.next_invitation_date(start, customer_last_invited=date(2026, 1, 25)) == date(
        2026, 3, 26
    )
    assert nps.next_invitation_date(
        start, date(2026, 1, 31), customer_last_invited=date(2026, 1, 31)
    ) == date(2026, 5, 1)
