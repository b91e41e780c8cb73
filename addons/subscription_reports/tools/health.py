# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Churn risk: a health score per subscription, and the AUC that measures how
well it ranks (pure Python, no Odoo import).

The score starts at 100 and loses points for each warning sign seen on the
day it is computed (``Signals``); it is clamped to 0..100. The weights are
deliberately simple and written out in ``readme/DESCRIPTION.md``:

=====================================================  ===========
Signal                                                 Points
=====================================================  ===========
each failed charge in the last 90 days (at most 3)     -15
a failed charge in the last 30 days                    -10 more
past due or suspended now                              -20
each downgrade in the last 180 days (at most 2)        -10
paused now or in the last 180 days                     -10
cancellation scheduled                                 -40
tenure under 3 months                                  -10
tenure of 24 months or more                            +5
latest survey answer in 180 days a detractor (0-6)     -15
latest survey answer in 180 days a passive (7-8)       -5
=====================================================  ===========

The survey signals count only where answers exist (``nps`` None otherwise).
Bands: **healthy** from 70, **at risk** from 40, **critical** below.
"""

from collections import namedtuple
from datetime import timedelta

Signals = namedtuple(
    "Signals",
    [
        "failures_90",  # failed charges in the last 90 days
        "failures_30",  # of which in the last 30 days
        "in_dunning",  # past due or suspended now
        "downgrades_180",  # downgrades in the last 180 days
        "paused_180",  # paused now or a pause in the last 180 days
        "cancel_scheduled",  # a cancellation is scheduled
        "tenure_months",  # months since the subscription started
        "nps",  # latest survey score in the last 180 days, or None
    ],
)

HEALTHY = 70
AT_RISK = 40
HISTORY_DAILY_DAYS = 90


def score(signals):
    """Health score 0..100 of one subscription (see the module docstring)."""
    points = 100
    points -= 15 * min(max(signals.failures_90, 0), 3)
    if signals.failures_30 > 0:
        points -= 10
    if signals.in_dunning:
        points -= 20
    points -= 10 * min(max(signals.downgrades_180, 0), 2)
    if signals.paused_180:
        points -= 10
    if signals.cancel_scheduled:
        points -= 40
    if signals.tenure_months < 3:
        points -= 10
    elif signals.tenure_months >= 24:
        points += 5
    if signals.nps is not None:
        if signals.nps <= 6:
            points -= 15
        elif signals.nps <= 8:
            points -= 5
    return max(0, min(100, points))


def band(value):
    """``healthy``, ``at_risk`` or ``critical``."""
    if value >= HEALTHY:
        return "healthy"
    if value >= AT_RISK:
        return "at_risk"
    return "critical"


def auc(risks, outcomes):
    """Area under the ROC curve of ``risks`` (higher = riskier) for the
    binary ``outcomes`` (True = churned): the probability that a churner has
    a higher risk than a stayer, ties counting one half (Mann-Whitney U, with
    mid-ranks). None when either class is empty."""
    pairs = list(zip(risks, outcomes, strict=True))
    positives = sum(1 for _r, o in pairs if o)
    negatives = len(pairs) - positives
    if not positives or not negatives:
        return None
    pairs.sort(key=lambda p: p[0])
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        mid_rank = (i + 1 + j) / 2  # ranks i+1..j share their mean
        rank_sum += mid_rank * sum(1 for _r, o in pairs[i:j] if o)
        i = j
    u = rank_sum - positives * (positives + 1) / 2
    return u / (positives * negatives)


def history_days_to_drop(run_days, today, daily_days=HISTORY_DAILY_DAYS):
    """Of the ``run_days`` that have health history rows, those to delete as
    of ``today``: every run day of the last ``daily_days`` days is kept;
    before that, only the last run day of each month (its month-end row,
    or the latest run of a month whose last day the job missed)."""
    if daily_days < 0:
        raise ValueError(f"Cannot keep {daily_days!r} days of history.")
    cutoff = today - timedelta(days=daily_days)
    last_of_month = {}
    for day in run_days:
        key = (day.year, day.month)
        if key not in last_of_month or day > last_of_month[key]:
            last_of_month[key] = day
    return sorted(
        {day for day in run_days if day < cutoff and day != last_of_month[(day.year, day.month)]}
    )
