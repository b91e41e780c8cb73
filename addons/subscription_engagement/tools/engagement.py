# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Pure helpers of the engagement messages (no Odoo import)."""

from datetime import date, timedelta

#: Period key of an occasion that happens once in a subscription's life.
ONCE = "once"

# Cycle length in months -> days of notice before a renewal. The longest
# cycle at least as long as the threshold wins: yearly 30, quarterly 7,
# monthly 3; cycles shorter than a month get one day.
_REMINDER_DAYS = ((12, 30), (3, 7), (1, 3))
_SHORT_CYCLE_REMINDER_DAYS = 1
_MONTHS_PER_UNIT = {"year": 12, "month": 1}


def default_reminder_days(interval_unit, interval_count):
    """Days of notice before the renewal of a cycle of ``interval_count``
    ``interval_unit`` ('day', 'week', 'month' or 'year')."""
    months = _MONTHS_PER_UNIT.get(interval_unit, 0) * max(interval_count or 0, 0)
    for threshold, days in _REMINDER_DAYS:
        if months >= threshold:
            return days
    return _SHORT_CYCLE_REMINDER_DAYS


def period_key(value):
    """The key that tells two periods of one occasion apart: the ISO date of
    the date that defines the period, or ``ONCE`` when there is none."""
    if value is None or value is False:
        return ONCE
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"period_key() expects a date, got {value!r}")


def reminder_date(period_end, days):
    """The day to remind a renewal on ``period_end``, ``days`` before it
    (None without a period end; negative days count as none)."""
    if not period_end:
        return None
    return period_end - timedelta(days=max(days or 0, 0))
