# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Checks of the public sign-up form of subscription_engagement (no Odoo)."""

import importlib.util
from pathlib import Path

import pytest

_PATH = (
    Path(__file__).resolve().parents[2]
    / "addons"
    / "subscription_engagement"
    / "tools"
    / "signup.py"
)
_spec = importlib.util.spec_from_file_location("engagement_signup", _PATH)
signup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(signup)


@pytest.mark.parametrize("value, expected", [("1", 1), (" 42 ", 42), (7, 7)])
def test_parse_id(value, expected):
    assert signup.parse_id(value, "tier") == expected


@pytest.mark.parametrize("value", ["", None, "0", "-3", "1.5", "abc", "1 OR 1=1", "１"])
def test_parse_id_refuses(value):
    with pytest.raises(signup.SignupInputError) as err:
        signup.parse_id(value, "tier")
    assert err.value.field == "tier"


def test_parse_ids_unique_and_skips_empty():
    assert signup.parse_ids(["3", "", "3", "5"], "addons") == [3, 5]
    assert signup.parse_ids(None, "addons") == []
    with pytest.raises(signup.SignupInputError):
        signup.parse_ids(["3", "x"], "addons")


@pytest.mark.parametrize(
    "value, error",
    [
        ("0", "too_small"),
        ("-5", "too_small"),
        ("1001", "too_large"),
        ("99999999999999999999", "too_large"),
        ("", "not_a_number"),
        ("2.5", "not_a_number"),
        ("1e3", "not_a_number"),
    ],
)
def test_parse_seats_refuses(value, error):
    with pytest.raises(signup.SignupInputError) as err:
        signup.parse_seats(value)
    assert str(err.value) == error
    assert err.value.field == "quantity"


def test_parse_seats_bounds():
    assert signup.parse_seats("1") == 1
    assert signup.parse_seats(" 1000 ") == 1000
    assert signup.parse_seats("20", maximum=20) == 20


def test_clean_name():
    assert signup.clean_name("  Ada \n Lovelace ", "name") == "Ada Lovelace"
    assert signup.clean_name("", "company", required=False) == ""
    with pytest.raises(signup.SignupInputError):
        signup.clean_name("   ", "name")
    with pytest.raises(signup.SignupInputError):
        signup.clean_name("x" * 129, "name")


def test_rate_limit():
    assert not signup.is_rate_limited(4, 5)
    assert signup.is_rate_limited(5, 5)
    assert not signup.is_rate_limited(100, 0)
