# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Retry schedule of webhook deliveries (pure Python, no Odoo import).

Rules:

* After the n-th failed attempt (n >= 1) the next attempt waits
  ``60 * 2 ** (n - 1)`` seconds (1 min, 2 min, 4 min...), capped at 6 hours.
* A delivery gives up once ``now - first_attempt >= horizon`` (72 hours by
  default): a failure before the horizon still schedules one more retry, so
  retries go on for at least the whole horizon; the first failure at or after
  it is final.
"""

BASE_DELAY = 60
MAX_DELAY = 6 * 3600
HORIZON = 72 * 3600


def next_attempt_delay(attempt_count):
    """Return the delay in seconds after the ``attempt_count``-th failure."""
    if isinstance(attempt_count, bool) or not isinstance(attempt_count, int) or attempt_count < 1:
        raise ValueError(f"Attempt count must be an integer >= 1, got {attempt_count!r}")
    if attempt_count > 20:  # 60 * 2**19 is far above the cap already
        return MAX_DELAY
    return min(BASE_DELAY * 2 ** (attempt_count - 1), MAX_DELAY)


def should_give_up(first_attempt_ts, now_ts, horizon=HORIZON):
    """Return True once ``horizon`` seconds have passed since the first attempt."""
    return now_ts - first_attempt_ts >= horizon


def schedule(horizon=HORIZON):
    """Return the offsets (seconds after the first attempt) of every retry.

    Assumes every attempt fails.  The last offset is the final attempt, at or
    after ``horizon``.
    """
    if horizon < 0:
        raise ValueError(f"Horizon must be >= 0 seconds, got {horizon!r}")
    offsets = []
    now = 0
    attempts = 1
    while not should_give_up(0, now, horizon):
        now += next_attempt_delay(attempts)
        attempts += 1
        offsets.append(now)
    return offsets
