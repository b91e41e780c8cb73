# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Monthly recurring revenue normalisation (pure Python, no Odoo import).

Rules: an amount billed every ``count`` ``unit`` is turned into a monthly
amount with these factors (a year is 12 months, 52 weeks or 365 days):

* month: 1 / count
* year:  1 / (12 * count)
* week:  52 / (12 * count)
* day:   365 / (12 * count)

A plan change is an upgrade or a downgrade by tier rank when both ranks are
known and differ, otherwise by monthly amount.
"""

import math

_PER_YEAR = {"day": 365, "week": 52, "month": 12, "year": 1}


def monthly_factor(unit, count):
    """Return the factor turning one cycle's amount into a monthly amount."""
    if unit not in _PER_YEAR:
        raise ValueError(f"Unknown interval unit {unit!r}: expected one of {', '.join(_PER_YEAR)}")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"Interval count must be an integer >= 1, got {count!r}")
    return _PER_YEAR[unit] / (12 * count)


def to_monthly(amount, unit, count):
    """Return the monthly equivalent of ``amount`` billed every count unit."""
    return amount * monthly_factor(unit, count)


def is_upgrade(old_monthly, new_monthly, old_rank=None, new_rank=None):
    """Classify a change as 'upgrade', 'downgrade' or 'none'.

    When both ranks are given and differ, the higher rank is the upgrade;
    otherwise the monthly amounts decide (equal amounts give 'none').
    """
    if old_rank is not None and new_rank is not None and old_rank != new_rank:
        return "upgrade" if new_rank > old_rank else "downgrade"
    if math.isclose(old_monthly, new_monthly, rel_tol=1e-9, abs_tol=1e-9):
        return "none"
    return "upgrade" if new_monthly > old_monthly else "downgrade"
