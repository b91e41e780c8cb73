# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Subscription metrics from the event ledger (pure Python, no Odoo import).

This module is the reference definition of every metric the reports show;
the SQL of the snapshot builder implements the same rules and the tests check
that both agree. All amounts are monthly recurring revenue in the company
currency, as recorded on each ``subscription.event`` (``mrr_delta``).

Definitions (also written out in ``readme/DESCRIPTION.md``):

* A *ledger row* is one event: the customer (commercial partner), the
  business day (``effective_date``), the event type, the MRR change and
  whether its cancellation reason is involuntary.
* ``MRR(d)`` of a customer is the sum of its changes with day <= d (the MRR
  at the end of day d). A customer is *active* on d when ``MRR(d) > 0``.
* Movements are classified **per customer and per day**, on the net change of
  the day (two changes on one day that cancel out are no movement):

  - from 0 to > 0: ``resumed`` when every rising event of the day is a
    resume, else ``reactivation`` when the customer had MRR before, else
    ``new``;
  - from > 0 to 0: ``paused`` when every falling event of the day is a
    pause, else ``churn_involuntary`` when one of them is a suspension or a
    cancellation for an involuntary reason, else ``churn_voluntary``;
  - from > 0 to > 0: ``expansion`` (up) or ``contraction`` (down).

  A pause is not churn: its MRR leaves as ``paused`` and comes back as
  ``resumed`` on the day the subscription resumes (``pause_until``). A
  paused subscription that is then cancelled has no further movement (its
  MRR already left). A billing cycle change is measured on the monthly
  normalised amounts (``subscription_core.tools.mrr``): monthly 10 to yearly
  120 is no movement, a yearly discount is a contraction.
* The movements of the days ``date_from`` to ``date_to`` (both included) sum
  to ``MRR(date_to) - MRR(date_from - 1 day)``.
"""

import math
import random
from collections import defaultdict, namedtuple
from datetime import date, timedelta

GAINS = ("new", "expansion", "reactivation", "resumed")
LOSSES = ("contraction", "churn_voluntary", "churn_involuntary", "paused")
KINDS = GAINS + LOSSES
CHURN_KINDS = ("churn_voluntary", "churn_involuntary")
# Events whose loss of MRR is involuntary churn whatever the reason.
INVOLUNTARY_EVENTS = ("suspended",)
# Average number of days in a month (a month of survival).
MONTH_DAYS = 365.25 / 12
# Amounts are compared to zero at this precision (company currencies have at
# most a few decimals).
EPSILON = 1e-6

LedgerRow = namedtuple("LedgerRow", "customer day event_type mrr_delta involuntary")
LedgerRow.__new__.__defaults__ = (False,)
Movement = namedtuple("Movement", "day customer kind amount")


def _is_zero(amount):
    return abs(amount) < EPSILON


def _check_rows(rows):
    for row in rows:
        if not isinstance(row.day, date):
            raise ValueError(f"Ledger row {row!r}: the day must be a date")
        if isinstance(row.mrr_delta, bool) or not isinstance(row.mrr_delta, (int, float)):
            raise ValueError(f"Ledger row {row!r}: the MRR change must be a number")


# --------------------------------------------------------------- movements


def classify_day(mrr_before, mrr_after, events, had_mrr):
    """Return the movement kind of one customer's day, or None.

    ``events`` are the (event_type, mrr_delta, involuntary) of that day;
    ``had_mrr`` tells whether the customer had MRR on any earlier day.
    """
    if _is_zero(mrr_after - mrr_before):
        return None
    if _is_zero(mrr_before):
        rising = [e for e in events if e[1] > 0]
        if rising and all(e[0] == "resumed" for e in rising):
            return "resumed"
        return "reactivation" if had_mrr else "new"
    if _is_zero(mrr_after):
        falling = [e for e in events if e[1] < 0]
        if falling and all(e[0] == "paused" for e in falling):
            return "paused"
        if any(e[0] in INVOLUNTARY_EVENTS or e[2] for e in falling):
            return "churn_involuntary"
        return "churn_voluntary"
    return "expansion" if mrr_after > mrr_before else "contraction"


def movements(rows):
    """Classify ledger rows into movements, one per customer and day at most.

    Returns a list of ``Movement(day, customer, kind, amount)`` sorted by day
    then customer, ``amount`` being the signed net change of that day.
    """
    rows = list(rows)
    _check_rows(rows)
    by_customer = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_customer[row.customer][row.day].append(
            (row.event_type, row.mrr_delta, bool(row.involuntary))
        )
    result = []
    for customer, days in by_customer.items():
        mrr, had_mrr = 0.0, False
        for day in sorted(days):
            events = days[day]
            after = mrr + sum(e[1] for e in events)
            kind = classify_day(mrr, after, events, had_mrr)
            if kind:
                result.append(Movement(day, customer, kind, after - mrr))
            had_mrr = had_mrr or after > EPSILON
            mrr = after
    result.sort(key=lambda m: (m.day, str(m.customer)))
    return result


def mrr_by_customer(rows, day):
    """MRR of each customer at the end of ``day`` (customers with MRR only)."""
    totals = defaultdict(float)
    for row in rows:
        if row.day <= day:
            totals[row.customer] += row.mrr_delta
    return {c: v for c, v in totals.items() if v > EPSILON}


def mrr_at(rows, day):
    """Total MRR at the end of ``day``."""
    return sum(mrr_by_customer(rows, day).values())


def summarize(moves, date_from, date_to):
    """Sum movements of the days ``date_from``..``date_to`` (both included).

    Returns a dict with one signed amount per kind (gains >= 0, losses <= 0),
    ``net_new`` (their sum) and the count of distinct customers per kind
    (``<kind>_count``).
    """
    if date_to < date_from:
        raise ValueError(f"The range ends ({date_to}) before it starts ({date_from})")
    summary = dict.fromkeys(KINDS, 0.0)
    customers = defaultdict(set)
    for move in moves:
        if date_from <= move.day <= date_to:
            summary[move.kind] += move.amount
            customers[move.kind].add(move.customer)
    summary["net_new"] = sum(summary[k] for k in KINDS)
    for kind in KINDS:
        summary[f"{kind}_count"] = len(customers[kind])
    return summary


def quick_ratio(summary):
    """(new + expansion + reactivation + resumed) / |contraction + churn + paused|.

    None when nothing was lost (the ratio is infinite).
    """
    gains = sum(summary[k] for k in GAINS)
    losses = -sum(summary[k] for k in LOSSES)
    if losses <= EPSILON:
        return None
    return gains / losses


def _ratio(numerator, denominator):
    return numerator / denominator if denominator > EPSILON else None


def logo_churn_rate(rows, date_from, date_to):
    """Customers who churned (voluntarily or not) during the range, among the
    customers active at the end of the day before it. Pauses are not churn."""
    opening = mrr_by_customer(rows, date_from - timedelta(days=1))
    churned = {
        m.customer
        for m in movements(rows)
        if m.kind in CHURN_KINDS and date_from <= m.day <= date_to
    }
    return _ratio(len(churned), len(opening))


def revenue_churn_rate(rows, date_from, date_to):
    """Gross MRR churn: -(churn + contraction) over the range / opening MRR."""
    opening = mrr_at(rows, date_from - timedelta(days=1))
    summary = summarize(movements(rows), date_from, date_to)
    lost = -(summary["churn_voluntary"] + summary["churn_involuntary"] + summary["contraction"])
    return _ratio(lost, opening)


def retention(rows, date_from, date_to):
    """Gross and net revenue retention of the customers active at the end of
    the day before ``date_from``, measured at the end of ``date_to``.

    NRR = their MRR at the end / their MRR at the start (expansion counts,
    new customers do not); GRR caps each customer at its starting MRR.
    Returns ``(grr, nrr)``, both None without opening MRR.
    """
    opening = mrr_by_customer(rows, date_from - timedelta(days=1))
    closing = mrr_by_customer(rows, date_to)
    base = sum(opening.values())
    net = sum(closing.get(c, 0.0) for c in opening)
    gross = sum(min(closing.get(c, 0.0), v) for c, v in opening.items())
    return _ratio(gross, base), _ratio(net, base)


def add_months(day, months):
    """``day`` moved by ``months`` months, clamped to the month's last day."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    next_first = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (next_first - timedelta(days=1)).day))


def month_range(day):
    """First and last day of ``day``'s month."""
    first = day.replace(day=1)
    return first, add_months(first, 1) - timedelta(days=1)


def retention_monthly(rows, month_day):
    """``(grr, nrr)`` of the month containing ``month_day``."""
    first, last = month_range(month_day)
    return retention(rows, first, last)


def retention_trailing_12(rows, day):
    """``(grr, nrr)`` over the twelve months ending on ``day``: customers
    active twelve months before, compared with today."""
    return retention(rows, add_months(day, -12) + timedelta(days=1), day)


def arpu(rows, day):
    """Average MRR per active customer at the end of ``day`` (None if none)."""
    by_customer = mrr_by_customer(rows, day)
    return _ratio(sum(by_customer.values()), len(by_customer))


def ltv(arpu_value, gross_margin, churn_rate):
    """Simple LTV: ARPU x gross margin / monthly logo churn rate.

    ``gross_margin`` is a fraction (0.8 for 80 %). None when churn is 0 or
    unknown (the LTV is unbounded).
    """
    if not 0 <= gross_margin <= 1:
        raise ValueError(f"The gross margin must be between 0 and 1, got {gross_margin!r}")
    if arpu_value is None or churn_rate is None or churn_rate <= EPSILON:
        return None
    return arpu_value * gross_margin / churn_rate


# ----------------------------------------------------------------- cohorts


def month_index(day):
    return day.year * 12 + day.month - 1


def cohorts(rows, as_of):
    """Retention triangles by the month of each customer's first MRR.

    Returns ``{cohort_first_day: {"customers": n, "mrr": m, "logos": [...],
    "mrr_retained": [...]}}`` where ``n`` and ``m`` are the customers and the
    MRR of the cohort's ``new`` movements, and element ``k`` of the lists is
    the number of those customers active, and their MRR, at the end of the
    k-th month after the cohort month (k = 0 is the cohort month itself), up
    to the month of ``as_of`` (its last value is measured at ``as_of``).
    """
    moves = [m for m in movements(rows) if m.day <= as_of]
    starts = {}
    for move in moves:
        if move.kind == "new":
            starts[move.customer] = move
    result = {}
    for customer, move in starts.items():
        first = move.day.replace(day=1)
        cohort = result.setdefault(
            first, {"customers": 0, "mrr": 0.0, "members": [], "logos": [], "mrr_retained": []}
        )
        cohort["customers"] += 1
        cohort["mrr"] += move.amount
        cohort["members"].append(customer)
    last_index = month_index(as_of)
    for first, cohort in result.items():
        members = set(cohort.pop("members"))
        member_rows = [r for r in rows if r.customer in members]
        for k in range(last_index - month_index(first) + 1):
            end = min(month_range(add_months(first, k))[1], as_of)
            by_customer = mrr_by_customer(member_rows, end)
            cohort["logos"].append(len(by_customer))
            cohort["mrr_retained"].append(sum(by_customer.values()))
    return dict(sorted(result.items()))


# ---------------------------------------------------- survival and forecast


def lifetimes(rows, as_of):
    """Observed lifetimes of customers, for survival analysis.

    A customer's life starts on its ``new`` day and ends on its first churn
    day (a churn later reversed by a reactivation still ends the first life;
    pauses do not end it). Returns ``(months, churned)`` pairs where
    ``months`` is the observed length in months of 365.25/12 days.
    """
    first_new, first_churn = {}, {}
    for move in movements(r for r in rows if r.day <= as_of):
        if move.kind == "new":
            first_new.setdefault(move.customer, move.day)
        elif move.kind in CHURN_KINDS and move.customer in first_new:
            first_churn.setdefault(move.customer, move.day)
    result = []
    for customer, start in first_new.items():
        end = first_churn.get(customer)
        days = ((end or as_of) - start).days
        result.append((days / MONTH_DAYS, end is not None))
    return result


def kaplan_meier(observations):
    """Monthly Kaplan-Meier survival from ``(months, churned)`` pairs.

    A churn after ``x`` months falls in month ``floor(x) + 1``; a customer
    still active after ``x`` months is known to survive ``floor(x)`` months.
    Returns ``(survival, at_risk, deaths)`` lists indexed by month t >= 0,
    ``survival[0] == 1`` and ``survival[t]`` the probability of being active
    after t months, up to the last month someone was at risk.
    """
    deaths, censored = defaultdict(int), defaultdict(int)
    horizon = 0
    for months, churned in observations:
        if months < 0:
            raise ValueError(f"A lifetime cannot be negative: {months!r}")
        if churned:
            t = int(math.floor(months)) + 1
            deaths[t] += 1
        else:
            t = int(math.floor(months))
            censored[t] += 1
        horizon = max(horizon, t)
    survival, at_risk_list, deaths_list = [1.0], [len(observations)], [0]
    at_risk = len(observations) - censored[0]
    for t in range(1, horizon + 1):
        if at_risk <= 0:
            break
        survival.append(survival[-1] * (1 - deaths[t] / at_risk))
        at_risk_list.append(at_risk)
        deaths_list.append(deaths[t])
        at_risk -= deaths[t] + censored[t]
    return survival, at_risk_list, deaths_list


def tail_hazard(at_risk, deaths, window=12, min_at_risk=30):
    """Monthly churn hazard of the tail: deaths / at-risk pooled over the last
    ``window`` months that had at least ``min_at_risk`` customers at risk
    (all months when fewer qualify). None without any exposure."""
    months = [t for t in range(1, len(at_risk)) if at_risk[t] >= min_at_risk]
    if not months:
        months = list(range(1, len(at_risk)))
    months = months[-window:]
    exposure = sum(at_risk[t] for t in months)
    if not exposure:
        return None
    return sum(deaths[t] for t in months) / exposure


def expected_lifetime(observations, window=12, min_at_risk=30):
    """Expected number of months a customer pays (months started alive).

    The observed Kaplan-Meier curve up to the last month with at least
    ``min_at_risk`` customers at risk, then a geometric tail with the pooled
    hazard h of the last ``window`` such months:
    ``sum_{t<T} S(t) + S(T) / h``. None when h is 0 (no churn observed: the
    lifetime is unbounded) or there is no data.
    """
    if not observations:
        return None
    survival, at_risk, deaths = kaplan_meier(observations)
    reliable = [t for t in range(len(at_risk)) if at_risk[t] >= min_at_risk] or [0]
    horizon = min(reliable[-1], len(survival) - 1)
    hazard = tail_hazard(at_risk[: horizon + 1], deaths[: horizon + 1], window, min_at_risk)
    if not hazard:
        return None
    return sum(survival[:horizon]) + survival[horizon] / hazard


def ltv_forecast(observations, arpu_value, gross_margin, samples=200, seed=0, level=0.95):
    """LTV forecast with an uncertainty band.

    LTV = ARPU x gross margin x expected lifetime (months). The band is the
    ``level`` percentile interval of a bootstrap over customers (``samples``
    resamples, fixed ``seed`` so that a report is reproducible). Returns a
    dict with ``lifetime``, ``ltv``, ``ltv_low``, ``ltv_high`` (None where
    unbounded or unknown).
    """
    if not 0 <= gross_margin <= 1:
        raise ValueError(f"The gross margin must be between 0 and 1, got {gross_margin!r}")
    observations = list(observations)
    lifetime = expected_lifetime(observations)
    value = arpu_value or 0.0
    result = {"lifetime": lifetime, "ltv": None, "ltv_low": None, "ltv_high": None}
    if lifetime is None:
        return result
    result["ltv"] = value * gross_margin * lifetime
    rng = random.Random(seed)
    draws = []
    for _i in range(samples):
        sample = [observations[rng.randrange(len(observations))] for _o in observations]
        draws.append(expected_lifetime(sample))
    finite = sorted(d for d in draws if d is not None)
    if len(finite) < samples * level:
        return result  # too often unbounded: no finite band
    tail = (1 - level) / 2
    low = finite[int(tail * (len(finite) - 1))]
    high = finite[int(math.ceil((1 - tail) * (len(finite) - 1)))]
    result["ltv_low"] = value * gross_margin * low
    result["ltv_high"] = value * gross_margin * high
    return result


# ---------------------------------------------------------- trial conversion


def trial_conversion(trials, date_from, date_to):
    """Conversion of the trials started in ``date_from``..``date_to``.

    ``trials`` are ``(start_day, outcome_day, converted)`` with
    ``outcome_day`` None while the trial runs. Running trials are left out
    of the rate. Returns a dict: ``started``, ``converted``, ``lost``,
    ``pending``, ``rate`` (converted / decided, None when none decided) and
    ``days_to_convert`` (mean days from start to conversion, None if none).
    """
    started = converted = lost = pending = 0
    delays = []
    for start, outcome, is_converted in trials:
        if not date_from <= start <= date_to:
            continue
        started += 1
        if outcome is None:
            pending += 1
        elif is_converted:
            converted += 1
            delays.append((outcome - start).days)
        else:
            lost += 1
    return {
        "started": started,
        "converted": converted,
        "lost": lost,
        "pending": pending,
        "rate": _ratio(converted, converted + lost),
        "days_to_convert": sum(delays) / len(delays) if delays else None,
    }
