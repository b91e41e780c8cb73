# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Pure helpers of subscription_engagement (no Odoo)."""

import importlib.util
from datetime import date
from pathlib import Path

import pytest

_PATH = (
    Path(__file__).resolve().parents[2]
    / "addons"
    / "subscription_engagement"
    / "tools"
    / "engagement.py"
)
_SPEC = importlib.util.spec_from_file_location("engagement_tools", _PATH)
engagement = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(engagement)


@pytest.mark.parametrize(
    ("unit", "count", "days"),
    [
        ("year", 1, 30),
        ("year", 2, 30),
        ("month", 12, 30),
        ("month", 6, 7),
        ("month", 3, 7),
        ("month", 2, 3),
        ("month", 1, 3),
        ("week", 1, 1),
        ("week", 8, 1),
        ("day", 30, 1),
        ("month", 0, 1),
        (False, 1, 1),
    ],
)
def test_default_reminder_days(unit, count, days):
    assert engagement.default_reminder_days(unit, count) == days


def test_period_key():
    assert engagement.period_key(date(2026, 3, 1)) == "2026-03-01"
    assert engagement.period_key(False) == engagement.ONCE
    assert engagement.period_key(None) == engagement.ONCE
    with pytest.raises(TypeError):
        engagement.period_key("2026-03-01")


def test_reminder_date():
    assert engagement.reminder_date(date(2026, 4, 1), 7) == date(2026, 3, 25)
    assert engagement.reminder_date(date(2026, 4, 1), 0) == date(2026, 4, 1)
    assert engagement.reminder_date(date(2026, 4, 1), -5) == date(2026, 4, 1)
    assert engagement.reminder_date(False, 7) is None
