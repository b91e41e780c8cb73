# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Metrics from aggregated data (pure Python, no Odoo import).

``metrics.py`` defines every metric from the ledger rows; at 100,000
subscriptions the reports read sums and counts computed in SQL instead.
These functions give the same results from those aggregates (tested against
``metrics.py``):

* ``retention_from_pairs``: GRR and NRR from each opening customer's
  ``(opening MRR, closing MRR)``;
* ``kaplan_meier_counts`` / ``expected_lifetime_counts``: the survival curve
  and expected lifetime from the number of churns (``deaths[t]``: churned
  in month t) and of censored customers (``censored[t]``: still active after
  t whole months), exactly ``metrics.kaplan_meier`` of the lifetimes;
* ``ltv_forecast_counts``: the LTV forecast with a *Poisson bootstrap* band:
  each resample weights every customer with an independent Poisson(1)
  count, so a cell of n customers gets a Poisson(n) count (drawn exactly
  below 30, from the normal approximation above). It has the same
  distribution, to first order, as resampling the customers with
  replacement, and costs one draw per cell instead of one per customer.
"""

import math
import random

EPSILON = 1e-6  # as in metrics.py


def retention_from_pairs(pairs):
    """``(grr, nrr)`` from ``(opening, closing)`` MRR of each customer active
    at the start (as ``metrics.retention``); None without opening MRR."""
    base = net = gross = 0.0
    for opening, closing in pairs:
        base += opening
        net += closing
        gross += min(closing, opening)
    if base <= EPSILON:
        return None, None
    return gross / base, net / base


def kaplan_meier_counts(deaths, censored):
    """Monthly Kaplan-Meier ``(survival, at_risk, deaths)`` lists from dicts
    month -> count (see ``metrics.kaplan_meier``)."""
    if any(t < 0 or n < 0 for t, n in deaths.items()) or any(
        t < 0 or n < 0 for t, n in censored.items()
    ):
        raise ValueError("Survival counts cannot be negative.")
    total = sum(deaths.values()) + sum(censored.values())
    horizon = max(list(deaths) + list(censored) + [0])
    survival, at_risk_list, deaths_list = [1.0], [total], [0]
    at_risk = total - censored.get(0, 0)
    for t in range(1, horizon + 1):
        if at_risk <= 0:
            break
        dead = deaths.get(t, 0)
        survival.append(survival[-1] * (1 - dead / at_risk))
        at_risk_list.append(at_risk)
        deaths_list.append(dead)
        at_risk -= dead + censored.get(t, 0)
    return survival, at_risk_list, deaths_list


def expected_lifetime_counts(deaths, censored, window=12, min_at_risk=30):
    """``metrics.expected_lifetime`` from survival counts: the observed curve
    up to the last month with ``min_at_risk`` customers at risk, then a
    geometric tail with the pooled hazard of the last ``window`` such
    months. None without data or without churn."""
    if not sum(deaths.values()) + sum(censored.values()):
        return None
    survival, at_risk, dead = kaplan_meier_counts(deaths, censored)
    reliable = [t for t in range(len(at_risk)) if at_risk[t] >= min_at_risk] or [0]
    horizon = min(reliable[-1], len(survival) - 1)
    months = [t for t in range(1, horizon + 1) if at_risk[t] >= min_at_risk]
    if not months:
        months = list(range(1, horizon + 1))
    months = months[-window:]
    exposure = sum(at_risk[t] for t in months)
    hazard = sum(dead[t] for t in months) / exposure if exposure else None
    if not hazard:
        return None
    return sum(survival[:horizon]) + survival[horizon] / hazard


def _poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam < 30:  # Knuth: multiply uniforms until below e^-lam
        limit, k, product = math.exp(-lam), 0, rng.random()
        while product > limit:
            k += 1
            product *= rng.random()
        return k
    return max(0, round(rng.gauss(lam, math.sqrt(lam))))


def ltv_forecast_counts(
    deaths, censored, arpu_value, gross_margin, samples=200, seed=0, level=0.95
):
    """LTV forecast (ARPU x gross margin x expected lifetime) with the
    ``level`` percentile band of a Poisson bootstrap of the counts (fixed
    ``seed``). Same keys as ``metrics.ltv_forecast``."""
    if not 0 <= gross_margin <= 1:
        raise ValueError(f"The gross margin must be between 0 and 1, got {gross_margin!r}")
    lifetime = expected_lifetime_counts(deaths, censored)
    value = arpu_value or 0.0
    result = {"lifetime": lifetime, "ltv": None, "ltv_low": None, "ltv_high": None}
    if lifetime is None:
        return result
    result["ltv"] = value * gross_margin * lifetime
    rng = random.Random(seed)
    draws = []
    for _i in range(samples):
        d = {t: _poisson(rng, n) for t, n in sorted(deaths.items())}
        c = {t: _poisson(rng, n) for t, n in sorted(censored.items())}
        draws.append(expected_lifetime_counts(d, c))
    finite = sorted(x for x in draws if x is not None)
    if len(finite) < samples * level:
        return result
    tail = (1 - level) / 2
    low = finite[int(tail * (len(finite) - 1))]
    high = finite[int(math.ceil((1 - tail) * (len(finite) - 1)))]
    result["ltv_low"] = value * gross_margin * low
    result["ltv_high"] = value * gross_margin * high
    return result
