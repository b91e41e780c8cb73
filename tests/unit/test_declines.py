# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Decline classification and dunning step selection (subscription_billing)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from subscription_billing_tools import declines, dunning


@pytest.mark.parametrize(
    "code",
    [
        "insufficient_funds",
        "processing_error",
        "try_again_later",
        "issuer_not_available",
        "card_velocity_exceeded",
        "api_connection_error",
        "",
        None,
        "something_new",
    ],
)
def test_soft_declines(code):
    assert declines.classify(code) == declines.SOFT
    assert declines.is_retryable(code)


@pytest.mark.parametrize(
    "code",
    [
        "stolen_card",
        "lost_card",
        "expired_card",
        "incorrect_number",
        "invalid_cvc",
        "pickup_card",
        "fraudulent",
        "account_closed",
        "Expired Card",
        "EXPIRED-CARD",
        "card_expired_since_2020",
    ],
)
def test_hard_declines(code):
    assert declines.classify(code) == declines.HARD
    assert not declines.is_retryable(code)


def test_generic_declines_turn_hard_when_repeated():
    assert declines.classify("do_not_honor", 1) == declines.SOFT
    assert declines.classify("do_not_honor", declines.GENERIC_HARD_AFTER - 1) == declines.SOFT
    assert declines.classify("do_not_honor", declines.GENERIC_HARD_AFTER) == declines.HARD
    assert declines.classify("insufficient_funds", 50) == declines.SOFT


def test_tables_do_not_overlap():
    assert not declines.SOFT_CODES & declines.HARD_CODES


@given(st.text(max_size=40), st.integers(min_value=1, max_value=20))
def test_classify_is_total(code, occurrences):
    assert declines.classify(code, occurrences) in (declines.SOFT, declines.HARD)


OFFSETS = [0, 1, 3, 5, 7, 10, 14]
START = date(2026, 3, 1)


def test_due_steps_run_each_step_once():
    assert dunning.due_steps(OFFSETS, START, date(2026, 3, 1)) == [0]
    assert dunning.due_steps(OFFSETS, START, date(2026, 3, 4), last_done=0) == [1, 2]
    assert dunning.due_steps(OFFSETS, START, date(2026, 3, 4), last_done=2) == []
    assert dunning.due_steps(OFFSETS, START, date(2026, 4, 1), last_done=2) == [3, 4, 5, 6]
    assert dunning.due_steps(OFFSETS, None, date(2026, 4, 1)) == []


def test_next_date():
    assert dunning.next_date(OFFSETS, START, 0) == date(2026, 3, 2)
    assert dunning.next_date(OFFSETS, START, 5) == date(2026, 3, 15)
    assert dunning.next_date(OFFSETS, START, 6) is None


@given(
    st.lists(st.integers(min_value=0, max_value=60), max_size=10).map(sorted),
    st.integers(min_value=0, max_value=90),
)
def test_running_day_by_day_runs_every_step_exactly_once(offsets, days):
    last = -1
    ran = []
    for day in range(days + 1):
        today = date.fromordinal(START.toordinal() + day)
        steps = dunning.due_steps(offsets, START, today, last)
        ran += steps
        if steps:
            last = steps[-1]
    assert ran == [i for i, offset in enumerate(offsets) if offset <= days]
