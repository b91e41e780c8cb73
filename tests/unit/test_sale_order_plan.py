# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What a quotation's subscription lines ask for (subscription_sale, no Odoo)."""

import importlib.util
from pathlib import Path

import pytest

_PATH = (
    Path(__file__).resolve().parents[2] / "addons" / "subscription_sale" / "tools" / "order_plan.py"
)
_SPEC = importlib.util.spec_from_file_location("sale_order_plan", _PATH)
order_plan = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(order_plan)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (1, 1),
        (3.0, 3),
        (2.0000000001, 2),
        (1_000_000.0, 1_000_000),
        ("4", 4),
        (1.5, None),
        (-1.0, None),
        (float("nan"), None),
        (None, None),
        (True, None),
        ("two", None),
    ],
)
def test_whole_quantity(value, expected):
    assert order_plan.whole_quantity(value) == expected


def test_merge_addons_sets_removes_and_keeps():
    current = {"storage": 2, "support": 1}
    merged = order_plan.merge_addons(current, {"storage": 5, "support": 0, "backup": 1})
    assert merged == {"storage": 5, "backup": 1}
    assert current == {"storage": 2, "support": 1}, "the input is not modified"
    assert order_plan.merge_addons(current, {}) == current
    assert order_plan.merge_addons({}, {"support": 0}) == {}


def test_sum_by_key_keeps_order():
    totals = order_plan.sum_by_key([("b", 1), ("a", 2), ("b", 3)])
    assert totals == {"b": 4, "a": 2}
    assert list(totals) == ["b", "a"]
