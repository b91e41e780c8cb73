# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Idempotency keys of payment attempts (subscription_billing)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from subscription_billing_tools import idempotency

UUID_A = "0b6f1c52-8d59-11ef-9c1b-0242ac120002"
UUID_B = "7a2e6b0e-8d59-11ef-9c1b-0242ac120002"


def test_same_attempt_same_key():
    assert idempotency.make_key(UUID_A, 3, 42, 1) == idempotency.make_key(UUID_A, 3, 42, 1)


def test_restored_copies_differ():
    key_a = idempotency.make_key(UUID_A, 3, 42, 1)
    key_b = idempotency.make_key(UUID_B, 3, 42, 1)
    assert key_a != key_b
    assert key_a.startswith("sub3-inv42-try1-")
    assert key_b.startswith("sub3-inv42-try1-")


def test_readable_and_bounded():
    key = idempotency.make_key(UUID_A, 123456, 7890123, 12)
    assert key.startswith("sub123456-inv7890123-try12-")
    assert len(key) < 255


@pytest.mark.parametrize(
    "args",
    [
        ("", 1, 1, 1),
        (None, 1, 1, 1),
        (UUID_A, 0, 1, 1),
        (UUID_A, 1, None, 1),
        (UUID_A, 1, 1, -1),
        (UUID_A, 1, 1, True),
        (UUID_A, "1", 1, 1),
    ],
)
def test_bad_input(args):
    with pytest.raises(ValueError):
        idempotency.make_key(*args)


ids = st.integers(min_value=1, max_value=10**9)


@given(st.tuples(ids, ids, ids), st.tuples(ids, ids, ids))
def test_distinct_attempts_distinct_keys(first, second):
    if first != second:
        assert idempotency.make_key(UUID_A, *first) != idempotency.make_key(UUID_A, *second)
