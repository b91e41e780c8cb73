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


def survival_model_counts(deaths, censored, window=12, min_at_risk=30):
    """The survival model behind the forecasts: ``(survival, hazard)`` where
    ``survival`` is the observed Kaplan-Meier curve up to the last month T
    with ``min_at_risk`` customers at risk (``survival[T]`` its last value)
    and ``hazard`` the monthly churn of the geometric tail after T, pooled
    over the last ``window`` such months (``S(t) = S(T) (1 - hazard)^(t - T)``
    for t > T). None without data or without churn (unbounded lifetime)."""
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
    return survival[: horizon + 1], hazard


def expected_lifetime_counts(deaths, censored, window=12, min_at_risk=30):
    """``metrics.expected_lifetime`` from survival counts: the observed curve
    up to the last month with ``min_at_risk`` customers at risk, then a
    geometric tail with the pooled hazard of the last ``window`` such
    months. None without data or without churn."""
    model = survival_model_counts(deaths, censored, window, min_at_risk)
    if model is None:
        return None
    survival, hazard = model
    return sum(survival[:-1]) + survival[-1] / hazard


def further_months_counts(deaths, censored, max_age, window=12, min_at_risk=30):
    """Expected months a customer active for ``a`` whole months still pays
    after its current month, for each age ``a`` in 0..``max_age``:
    ``sum_{t > a} S(t) / S(a)`` on the survival model (observed curve, then
    geometric tail; beyond the observed curve it is ``(1 - h) / h``).
    ``further[0]`` is the expected lifetime minus the first month. Returns a
    list indexed by age, or None where the lifetime is unbounded."""
    model = survival_model_counts(deaths, censored, window, min_at_risk)
    if model is None:
        return None
    survival, hazard = model
    horizon = len(survival) - 1
    tail = survival[horizon] / hazard  # sum of S(t) for t >= T
    result = []
    later = tail  # sum of S(t) for t > a, built from the last age down
    for a in range(horizon - 1, -1, -1):
        result.append(later / survival[a] if survival[a] > EPSILON else 0.0)
        later += survival[a]
    result.reverse()
    result += [(1 - hazard) / hazard] * (max_age + 1 - horizon)
    return result[: max_age + 1]


def customer_ltv_forecast(revenue, mrr, further, prepaid, gross_margin):
    """Forecast LTV of one customer: gross margin x (revenue so far + MRR x
    the months still to invoice), the months still to invoice being the
    current one and the ``further`` months expected after it, less the
    ``prepaid`` months already invoiced ahead (never below 0). A customer
    without MRR is worth gross margin x revenue; None for a paying customer
    whose further months are unbounded (``further`` None)."""
    if mrr <= EPSILON:
        return gross_margin * revenue
    if further is None:
        return None
    return gross_margin * (revenue + mrr * max(0.0, further + 1 - prepaid))


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


def _resamples(deaths, censored, samples, seed):
    """The Poisson bootstrap resamples ``(deaths, censored)`` of the counts."""
    rng = random.Random(seed)
    for _i in range(samples):
        d = {t: _poisson(rng, n) for t, n in sorted(deaths.items())}
        c = {t: _poisson(rng, n) for t, n in sorted(censored.items())}
        yield d, c


def _band(draws, samples, level):
    """``(low, high)`` percentile interval of the finite draws, None when
    fewer than ``samples x level`` are finite."""
    finite = sorted(x for x in draws if x is not None)
    if len(finite) < samples * level:
        return None
    tail = (1 - level) / 2
    low = finite[int(tail * (len(finite) - 1))]
    high = finite[int(math.ceil((1 - tail) * (len(finite) - 1)))]
    return low, high


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
    draws = [expected_lifetime_counts(d, c) for d, c in _resamples(deaths, censored, samples, seed)]
    band = _band(draws, samples, level)
    if band is None:
        return result
    result["ltv_low"] = value * gross_margin * band[0]
    result["ltv_high"] = value * gross_margin * band[1]
    return result


def further_months_band_counts(deaths, censored, max_age, samples=200, seed=0, level=0.95):
    """``further_months_counts`` for ages 0..``max_age`` with the ``level``
    percentile band of the same Poisson bootstrap as ``ltv_forecast_counts``:
    a list of ``(further, low, high)`` per age (``low``/``high`` None without
    a finite band), or None when the lifetime is unbounded."""
    further = further_months_counts(deaths, censored, max_age)
    if further is None:
        return None
    draws = [
        further_months_counts(d, c, max_age) for d, c in _resamples(deaths, censored, samples, seed)
    ]
    result = []
    for age, value in enumerate(further):
        band = _band([d[age] if d else None for d in draws], samples, level)
        result.append((value, *(band or (None, None))))
    return result
