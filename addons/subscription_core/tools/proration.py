# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Day-based proration (pure Python, no Odoo import).

Rules:

* A period is half-open ``[start, end)``; its length is ``(end - start).days``.
* The remaining part on ``on_date`` counts the days left *including*
  ``on_date``: ``(end - on_date).days / (end - start).days``.  On the first
  day of the period the fraction is 1.0, on the last day it is 1 / length,
  on ``end`` (and after) it is 0.0; before ``start`` it is 1.0.
* Every day weighs the same, so a month has the weight of its real length:
  a change on 15 February (28 days) leaves 14/28 = 0.5 of the period, while
  15 March leaves 17/31.  A leap-year February has 29 days, a leap year 366.
  Because periods keep the anchor's day (see periods.py), a monthly period
  anchored on the 31st may be 28 to 31 days long.
* Amounts are not rounded: rounding to the currency is the caller's job.
"""

from datetime import date, datetime


def _check_dates(**dates):
    for name, value in dates.items():
        if not isinstance(value, date) or isinstance(value, datetime):
            raise TypeError(f"{name} must be a datetime.date, got {value!r}")


def remaining_fraction(period_start, period_end, on_date):
    """Return the unused part of ``[period_start, period_end)`` on ``on_date``."""
    _check_dates(period_start=period_start, period_end=period_end, on_date=on_date)
    if period_start >= period_end:
        raise ValueError(
            f"Empty or inverted period: start {period_start} is not before end {period_end}"
        )
    if on_date <= period_start:
        return 1.0
    if on_date >= period_end:
        return 0.0
    return (period_end - on_date).days / (period_end - period_start).days


def prorate(amount, period_start, period_end, on_date):
    """Return ``amount`` times the remaining fraction (not rounded)."""
    return amount * remaining_fraction(period_start, period_end, on_date)


def change_amounts(old_amount, new_amount, period_start, period_end, on_date, new_period=False):
    """Return the credit, charge and net amounts of a mid-period plan change.

    ``credit`` is the unused part of the old amount.  ``charge`` is the new
    amount for the remaining days, or the full new amount when ``new_period``
    is True (the billing anchor restarts on ``on_date``, e.g. the cycle changes).
    ``net = charge - credit`` (negative for a refund-like downgrade).
    """
    credit = prorate(old_amount, period_start, period_end, on_date)
    if new_period:
        charge = float(new_amount)
    else:
        charge = prorate(new_amount, period_start, period_end, on_date)
    return {"credit": credit, "charge": charge, "net": charge - credit}
