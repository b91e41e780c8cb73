# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Billing-period arithmetic (pure Python, no Odoo import).

Rules:

* A billing cycle is ``count`` times a ``unit`` ('day', 'week', 'month' or
  'year'), ``count >= 1``.
* Periods are half-open ``[start, end)``: ``end`` is the first day of the
  next period, so consecutive periods tile time with no gap or overlap.
* Every period boundary is computed from the *anchor* (usually the start date
  of the subscription), never by adding one cycle to the previous boundary.
  The anchor's day of month is therefore kept: with an anchor on 31 January
  and a monthly cycle the boundaries are 28 Feb (29 in leap years), 31 Mar,
  30 Apr, 31 May... When the target month is shorter than the anchor's day,
  the last day of that month is used.
* Yearly cycles anchored on 29 February fall on 28 February in common years
  and on 29 February again in leap years (2028, 2032...).
"""

import calendar
from datetime import date, datetime, timedelta

UNITS = ("day", "week", "month", "year")
_DAYS_PER_UNIT = {"day": 1, "week": 7}
_MONTHS_PER_UNIT = {"month": 1, "year": 12}


def _check_date(value, name):
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime.date, got {value!r}")


def _check_cycle(unit, count):
    if unit not in UNITS:
        raise ValueError(f"Unknown interval unit {unit!r}: expected one of {', '.join(UNITS)}")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"Interval count must be an integer >= 1, got {count!r}")


def _add_months(anchor, months):
    """Anchor + ``months`` months, keeping the anchor's day when it exists."""
    total = anchor.year * 12 + (anchor.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    day = min(anchor.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def add_interval(anchor, unit, count, n=1):
    """Return the boundary ``n`` cycles after ``anchor`` (``n = 0`` gives anchor).

    Computed directly from the anchor, so the anchor's day of month is kept.
    """
    _check_date(anchor, "anchor")
    _check_cycle(unit, count)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"Number of intervals must be an integer >= 0, got {n!r}")
    if unit in _DAYS_PER_UNIT:
        return anchor + timedelta(days=_DAYS_PER_UNIT[unit] * count * n)
    return _add_months(anchor, _MONTHS_PER_UNIT[unit] * count * n)


def period_index(anchor, unit, count, day):
    """Return ``k >= 0`` such that boundary ``k <= day <`` boundary ``k + 1``.

    Constant time: the index is estimated from the day or month difference,
    then corrected by at most one step either way.
    """
    _check_date(anchor, "anchor")
    _check_date(day, "day")
    _check_cycle(unit, count)
    if day < anchor:
        raise ValueError(f"Date {day} is before the billing anchor {anchor}")
    if unit in _DAYS_PER_UNIT:
        return (day - anchor).days // (_DAYS_PER_UNIT[unit] * count)
    months = (day.year - anchor.year) * 12 + (day.month - anchor.month)
    k = max(months // (_MONTHS_PER_UNIT[unit] * count), 0)
    while k > 0 and add_interval(anchor, unit, count, k) > day:
        k -= 1
    while add_interval(anchor, unit, count, k + 1) <= day:
        k += 1
    return k


def period_containing(anchor, unit, count, day):
    """Return the half-open period ``(start, end)`` that contains ``day``."""
    k = period_index(anchor, unit, count, day)
    return add_interval(anchor, unit, count, k), add_interval(anchor, unit, count, k + 1)


def next_period_end(anchor, unit, count, period_start):
    """Return the end of the period starting on ``period_start``.

    ``period_start`` must be a boundary of the anchored schedule, otherwise a
    ValueError is raised.
    """
    k = period_index(anchor, unit, count, period_start)
    if add_interval(anchor, unit, count, k) != period_start:
        raise ValueError(
            f"{period_start} is not a period boundary of the {count} {unit} "
            f"cycle anchored on {anchor}"
        )
    return add_interval(anchor, unit, count, k + 1)


def clip_end(end, date_end):
    """Return ``end`` capped by an optional fixed-term end (None = no cap)."""
    if date_end is None:
        return end
    return min(end, date_end)
