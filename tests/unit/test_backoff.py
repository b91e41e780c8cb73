# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import pytest
from hypothesis import given
from hypothesis import strategies as st
from subscription_core_tools import backoff

SIX_HOURS = 6 * 3600
HORIZON = 72 * 3600


@pytest.mark.parametrize(
    "attempt, delay",
    [
        (1, 60),
        (2, 120),
        (3, 240),
        (4, 480),
        (9, 15360),
        (10, SIX_HOURS),
        (50, SIX_HOURS),
        (10_000, SIX_HOURS),
    ],
)
def test_next_attempt_delay(attempt, delay):
    assert backoff.next_attempt_delay(attempt) == delay


@pytest.mark.parametrize("attempt", [0, -1, 1.5, None, True])
def test_next_attempt_delay_bad_input(attempt):
    with pytest.raises(ValueError):
        backoff.next_attempt_delay(attempt)


@given(attempt=st.integers(1, 500))
def test_delays_non_decreasing_and_capped(attempt):
    delay = backoff.next_attempt_delay(attempt)
    assert 60 <= delay <= SIX_HOURS
    assert backoff.next_attempt_delay(attempt + 1) >= delay


def test_should_give_up():
    first = 1_700_000_000
    assert not backoff.should_give_up(first, first)
    assert not backoff.should_give_up(first, first + HORIZON - 1)
    assert backoff.should_give_up(first, first + HORIZON)
    assert backoff.should_give_up(first, first + HORIZON + 1)
    assert backoff.should_give_up(first, first + 10, horizon=10)


def test_schedule_covers_72_hours():
    offsets = backoff.schedule()
    assert offsets[0] == 60
    # retries go on until the horizon: the last one is at or after 72 h,
    # every earlier one is before it
    assert offsets[-1] >= HORIZON
    assert all(offset < HORIZON for offset in offsets[:-1])
    gaps = [b - a for a, b in zip([0] + offsets, offsets, strict=False)]
    assert gaps == [backoff.next_attempt_delay(n) for n in range(1, len(offsets) + 1)]
    assert gaps == sorted(gaps)
    assert max(gaps) == SIX_HOURS


def test_schedule_bad_horizon():
    assert backoff.schedule(0) == []
    with pytest.raises(ValueError):
        backoff.schedule(-1)


@given(horizon=st.integers(1, 30 * 24 * 3600))
def test_schedule_property(horizon):
    offsets = backoff.schedule(horizon)
    assert offsets
    assert offsets == sorted(set(offsets))
    assert offsets[-1] >= horizon
    assert all(offset < horizon for offset in offsets[:-1])
    assert offsets[-1] - (offsets[-2] if len(offsets) > 1 else 0) <= SIX_HOURS
