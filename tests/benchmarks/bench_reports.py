# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of subscription_reports (not a test: run it with ``bin/bench``).

On a database where subscription_reports is installed (without demo data),
it seeds N subscriptions of N/2 customers with about 10 ledger events each
over three years (trials, renewals, upgrades, downgrades, pauses and
resumes, payment failures, suspensions and recoveries, voluntary and
involuntary cancellations, reactivations) — straight into the tables with
COPY — then measures:

* the full history rebuild (``_rebuild_all``), with its memory;
* a day's snapshot build (``_build_snapshots(today, today)``, what the
  daily job does);
* the LTV forecast tables' build (per cohort and per customer, as of the
  last built day);
* the dashboard (``get_kpis`` over the last 12 months) and each report over
  the last 12 months as a reader (read_group / search_read, as the pivots,
  graphs and lists do: movements, churn and retention, cohorts, daily
  metrics, quick ratio, trial conversion, LTV forecast per cohort and per
  customer, health and its history, NPS, save rate, save offers,
  win-back) and the engagement KPIs alone, each the median of 5 runs;
* the slowest single SQL query of those reads, printed with its
  ``EXPLAIN (ANALYZE, BUFFERS)`` on stderr.

When subscription_engagement is installed (``bin/bench`` installs it when
the suite has it) it also seeds, over that ledger, what the engagement
rules and customers would have written (``bench_reports_engagement.py``):
NPS invitations and answers, cancellation reasons, save offers shown and
taken, win-back messages; else the engagement reports read nothing.

With ``--billing`` it also seeds posted invoices (one line, a 30-day
period) for the billing events of the last 12 months, credit notes for the
cancellations in them and the payment attempts of every payment failure,
builds the revenue per invoice line and month (``subscription.revenue.month``:
the full build, then the daily job's update after a day of invoicing, and
its re-run) and times the dunning and revenue reports (invoiced,
recognised, deferred) the same way; ``--skip-rebuild`` leaves out the snapshot rebuild and the
reports that read its tables (``bin/bench --only reports --count 100000 --
--billing --skip-rebuild`` times the views over the billing tables only).

Each measure is printed as a line ``RESULT <name> <value>``.

    python tests/benchmarks/bench_reports.py -c odoo.conf -d DB --count 100000
"""

import argparse
import io
import random
import resource
import sys
import time
from contextlib import contextmanager
from datetime import timedelta

from bench_reports_engagement import engagement_installed, seed_engagement


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def result(name, value):
    print(f"RESULT {name} {value}", flush=True)


CANCEL = 0.085  # monthly cancellation probability: about 10 events a subscription


def _month(rng, day, state, events):
    """One month of an active subscription: maybe a movement, else a renewal."""
    mrr = state["mrr"]
    draw = rng.random()
    if draw < CANCEL:
        events.append((day, "cancelled", -mrr, rng.random() < 0.3))
        state["active"] = False
    elif draw < CANCEL + 0.03:
        events.append((day, "upgraded", mrr, False))
        state["mrr"] = 2 * mrr
    elif draw < CANCEL + 0.05 and mrr > state["price"]:
        events.append((day, "downgraded", -mrr / 2, False))
        state["mrr"] = mrr / 2
    elif draw < CANCEL + 0.06:
        events.append((day, "paused", -mrr, False))
        state["paused_until"] = day + timedelta(days=60)
    elif draw < CANCEL + 0.09:
        events.append((day, "payment_failed", 0.0, False))
        if rng.random() >= 0.3:
            events.append((day + timedelta(days=3), "payment_recovered", 0.0, False))
            return
        events.append((day + timedelta(days=7), "suspended", -mrr, False))
        if rng.random() < 0.5:
            events.append((day + timedelta(days=12), "payment_recovered", mrr, False))
        else:
            state["active"] = False
    else:
        events.append((day, "renewed", 0.0, False))


def _history(rng, start, today, price):
    """The events of one subscription: (day, type, delta, involuntary)."""
    events = []
    day = start
    if rng.random() < 0.15:
        events.append((day, "trial_started", 0.0, False))
        day += timedelta(days=14)
        if rng.random() < 0.25 or day > today:
            if day <= today:
                events.append((day, "cancelled", 0.0, False))
            return events
    events.append((day, "activated", price, False))
    state = {"mrr": price, "price": price, "active": True, "paused_until": None}
    while True:
        day += timedelta(days=30)
        if day > today:
            return events
        if state["paused_until"]:
            if day >= state["paused_until"]:
                events.append((day, "resumed", state["mrr"], False))
                state["paused_until"] = None
        elif state["active"]:
            _month(rng, day, state, events)
        elif rng.random() < 0.05:
            events.append((day, "reactivated", state["mrr"], False))
            state["active"] = True
        elif rng.random() < 0.3:
            return events


def seed(env, count, today, billing=None):
    """``count`` subscriptions of ``count // 2`` customers and their ledger;
    with a ``billing`` list, each subscription's history is appended to it
    (for ``seed_billing``)."""
    cr = env.cr
    rng = random.Random(42)
    company = env.ref("base.main_company")
    cycle = env.ref("subscription_core.cycle_monthly")
    product = env["product.product"].create({"name": "Bench tier", "type": "service"})
    tiers = env["subscription.tier"].create(
        [
            {"name": f"Bench {i}", "code": f"bench-{i}-{time.time_ns()}", "product_id": product.id}
            for i in range(3)
        ]
    )
    voluntary = env["subscription.cancel.reason"].search([("kind", "!=", "involuntary")], limit=1)
    involuntary = env["subscription.cancel.reason"].search([("kind", "=", "involuntary")], limit=1)
    env.flush_all()
    customers = max(count // 2, 1)
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, is_company, active, type,
                                 autopost_bills, create_date, write_date)
        SELECT 'Bench customer ' || g, 'Bench customer ' || g, true, true, 'contact',
               'ask', now(), now()
          FROM generate_series(1, %s) g
        RETURNING id
        """,
        [customers],
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [partner_ids]
    )
    first_day = today - timedelta(days=3 * 365)
    subs, events = io.StringIO(), io.StringIO()
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM subscription_subscription")
    sub_id = cr.fetchone()[0]
    event_count = 0
    for i in range(count):
        sub_id += 1
        partner = partner_ids[i % customers]
        tier_index = rng.randrange(3)
        price = (10.0, 30.0, 100.0)[tier_index]
        start = first_day + timedelta(days=rng.randrange((today - first_day).days - 30))
        history = _history(rng, start, today, price)
        mrr = sum(delta for _d, _t, delta, _i in history)
        subs.write(
            f"{sub_id}\tBENCH/{i}\t{partner}\t{partner}\t{company.id}\t{company.currency_id.id}\t"
            f"saas\timport\t{tiers[tier_index].id}\t{cycle.id}\t1\t{price}\t"
            f"{'active' if mrr > 0 else 'cancelled'}\t{start}\t{mrr}\t{mrr}\t{mrr}\tt\tf\t1\t1\t"
            "send_invoice\tnone\telapsed\n"
        )
        before = 0.0
        if billing is not None:
            billing.append((sub_id, partner, tier_index, price, history))
        for day, event_type, delta, is_involuntary in history:
            reason = ""
            if event_type == "cancelled" and delta:
                reason = (involuntary if is_involuntary else voluntary).id or ""
            events.write(
                f"{sub_id}\t{partner}\t{company.id}\t{company.currency_id.id}\t{day} 12:00:00\t"
                f"{day}\t{event_type}\t{before}\t{before + delta}\t{delta}\t"
                f"{tiers[tier_index].id}\t{reason}\t1\t1\n"
            )
            before += delta
            event_count += 1
    # The rows are consistent by construction: skip the foreign key triggers
    # when the role may (a superuser), they would double the seeding time.
    try:
        with cr.savepoint():
            cr.execute("SET LOCAL session_replication_role = replica")
    except Exception:  # noqa: BLE001 - not a superuser: keep the checks
        print("foreign keys checked while seeding (not a superuser)", file=sys.stderr)
    subs.seek(0)
    cr.copy_expert(
        "COPY subscription_subscription (id, name, partner_id, commercial_partner_id, company_id,"
        " currency_id, kind, source, tier_id, cycle_id, quantity, price_unit, state, date_start,"
        " recurring_amount, mrr, mrr_company, active, has_pending_change, create_uid, write_uid,"
        " billing_mode, dunning_state, start_billing)"
        " FROM STDIN",
        subs,
    )
    cr.execute(
        "SELECT setval('subscription_subscription_id_seq',"
        " (SELECT MAX(id) FROM subscription_subscription))"
    )
    events.seek(0)
    cr.copy_expert(
        "COPY subscription_event (subscription_id, partner_id, company_id, currency_id, date,"
        " effective_date, event_type, mrr_before, mrr_after, mrr_delta, tier_to_id, reason_id,"
        " create_uid, write_uid) FROM STDIN WITH (NULL '')",
        events,
    )
    cr.execute("SET LOCAL session_replication_role = DEFAULT")
    cr.execute("ANALYZE subscription_event")
    cr.execute("ANALYZE subscription_subscription")
    cr.execute("ANALYZE res_partner")
    cr.commit()
    return event_count


INVOICED = ("activated", "renewed", "upgraded", "resumed", "reactivated")


def seed_billing(env, billing, today):
    """Posted invoices (one product line each, a 30-day period from the
    event) for the billing events of the last 12 months, a credit note of
    half the period for each cancellation in them, and the payment attempts
    of every payment failure of the history (its invoice, a failed first
    attempt, retries failed until a suspension, a succeeded one on
    recovery) — straight into the tables with COPY. Returns the counts."""
    cr = env.cr
    company = env.ref("base.main_company")
    currency = company.currency_id.id
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    account = journal.default_account_id
    product = env["product.product"].search([("name", "=", "Bench tier")], limit=1)
    since = today - timedelta(days=365)
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM account_move")
    move_id = cr.fetchone()[0]
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM subscription_payment_attempt")
    attempt_id = cr.fetchone()[0]
    moves, lines, attempts = io.StringIO(), io.StringIO(), io.StringIO()
    counts = {"invoices": 0, "credit_notes": 0, "attempts": 0}

    def move(sub_id, partner, day, move_type, amount, start, end, paid):
        nonlocal move_id
        move_id += 1
        moves.write(
            f"{move_id}\t{journal.id}\t{company.id}\t{currency}\t{day}\t{day}\tposted\t"
            f"{move_type}\tno\t{partner}\t{partner}\t{sub_id}\t{start}\t{end}\t"
            f"{'paid' if paid else 'not_paid'}\t{amount}\n"
        )
        balance = -amount if move_type == "out_invoice" else amount
        lines.write(
            f"{move_id}\t{journal.id}\t{company.id}\t{currency}\t{currency}\t{day}\tposted\t"
            f"product\t{account.id}\t{product.id}\t{partner}\t{balance}\t{balance}\t"
            f"{max(balance, 0)}\t{max(-balance, 0)}\t1\t{amount}\t{start}\t{end}\n"
        )
        return move_id

    def attempt(sub_id, partner, invoice, number, state, when, amount):
        nonlocal attempt_id
        attempt_id += 1
        declined = state == "failed"
        attempts.write(
            f"{attempt_id}\t{sub_id}\t{invoice}\t{partner}\t{company.id}\t{number}\t"
            f"{currency}\t{amount}\t{when} 12:00:00\t{when} 12:00:00\t{state}\t"
            f"{'insufficient_funds' if declined else ''}\t{'soft' if declined else ''}\t"
            f"bench-{attempt_id}\n"
        )
        counts["attempts"] += 1

    for sub_id, partner, _tier, price, history in billing:
        mrr = 0.0
        for index, (day, event_type, delta, _involuntary) in enumerate(history):
            mrr += delta
            if day >= since and event_type in INVOICED and mrr > 0:
                move(sub_id, partner, day, "out_invoice", mrr, day, day + timedelta(days=30), True)
                counts["invoices"] += 1
            elif day >= since and event_type == "cancelled" and delta:
                amount = round(-delta / 2, 2)
                move(
                    sub_id, partner, day, "out_refund", amount, day, day + timedelta(days=15), True
                )
                counts["credit_notes"] += 1
            elif event_type == "payment_failed":
                following = [t for _d, t, _x, _i in history[index + 1 : index + 3]]
                recovered = following[:1] == ["payment_recovered"] or (
                    following == ["suspended", "payment_recovered"]
                )
                amount = mrr or price
                invoice = move(
                    sub_id,
                    partner,
                    day,
                    "out_invoice",
                    amount,
                    day,
                    day + timedelta(days=30),
                    recovered,
                )
                attempt(sub_id, partner, invoice, 1, "failed", day, amount)
                retries = 1 if following[:1] == ["payment_recovered"] else 3
                for number in range(2, retries + 1):
                    attempt(
                        sub_id,
                        partner,
                        invoice,
                        number,
                        "failed",
                        day + timedelta(days=2 * number),
                        amount,
                    )
                if recovered:
                    back = day + timedelta(days=3 if retries == 1 else 12)
                    attempt(sub_id, partner, invoice, retries + 1, "succeeded", back, amount)
    for buffer in (moves, lines, attempts):
        buffer.seek(0)
    cr.copy_expert(
        "COPY account_move (id, journal_id, company_id, currency_id, date, invoice_date, state,"
        " move_type, auto_post, partner_id, commercial_partner_id, subscription_id,"
        " subscription_period_start, subscription_period_end, payment_state, amount_total)"
        " FROM STDIN",
        moves,
    )
    cr.execute("SELECT setval('account_move_id_seq', (SELECT MAX(id) FROM account_move))")
    cr.copy_expert(
        "COPY account_move_line (move_id, journal_id, company_id, currency_id,"
        " company_currency_id, date, parent_state, display_type, account_id, product_id,"
        " partner_id, balance, amount_currency, debit, credit, quantity, price_unit,"
        " subscription_period_start, subscription_period_end) FROM STDIN",
        lines,
    )
    cr.copy_expert(
        "COPY subscription_payment_attempt (id, subscription_id, invoice_id, partner_id,"
        " company_id, attempt_number, currency_id, amount, scheduled_date, executed_at, state,"
        " decline_code, decline_type, idempotency_key) FROM STDIN WITH (NULL '')",
        attempts,
    )
    cr.execute(
        "SELECT setval('subscription_payment_attempt_id_seq',"
        " (SELECT MAX(id) FROM subscription_payment_attempt))"
    )
    for table in ("account_move", "account_move_line", "subscription_payment_attempt"):
        cr.execute(f"ANALYZE {table}")  # pylint: disable=sql-injection
    cr.commit()
    return counts


def bench_billing_reads(env, reader, today):
    """The dunning and revenue reports over the last 12 months, as a reader
    (what their pivots, graphs and lists ask), each the median of 5 runs."""
    start = today - timedelta(days=364)
    month_start = start.replace(day=1)
    days = [("date", ">=", start), ("date", "<=", today)]
    months = [("month_date", ">=", month_start), ("month_date", "<=", today)]
    # The last month end: a balance is read one month end at a time.
    month_end = today.replace(day=1) - timedelta(days=1)
    user_env = env(user=reader)
    Dunning = user_env["subscription.dunning.report"]
    Invoiced = user_env["subscription.invoiced.revenue.report"]
    Recognized = user_env["subscription.recognized.revenue.report"]
    Deferred = user_env["subscription.deferred.revenue.report"]
    reads = {
        "report_dunning_pivot": lambda: Dunning.read_group(
            days,
            ["failed_count:sum", "case_count:sum", "recovery:avg", "recovered_mrr:sum"],
            ["attempt_number", "decline_type"],
            lazy=False,
        ),
        "report_dunning_by_month": lambda: Dunning.read_group(
            days, ["failed_count:sum"], ["date:month", "outcome"], lazy=False
        ),
        "report_dunning_list": lambda: Dunning.search_read(
            days, ["date", "partner_id", "attempt_number", "outcome", "mrr_at_risk"], limit=80
        ),
        "report_invoiced_revenue_pivot": lambda: Invoiced.read_group(
            days, ["amount:sum"], ["date:month", "move_type"], lazy=False
        ),
        "report_invoiced_revenue_list": lambda: Invoiced.search_read(
            days, ["date", "move_id", "partner_id", "amount"], limit=80
        ),
        "report_recognized_revenue_pivot": lambda: Recognized.read_group(
            months, ["amount:sum"], ["month_date:month"], lazy=False
        ),
        "report_recognized_revenue_list": lambda: Recognized.search_read(
            months, ["month_date", "move_id", "partner_id", "days", "amount"], limit=80
        ),
        "report_deferred_revenue_pivot": lambda: Deferred.read_group(
            months, ["amount:sum"], ["month_date:month"], lazy=False
        ),
        "report_deferred_revenue_by_tier": lambda: Deferred.read_group(
            [("month_date", "=", month_end)], ["amount:sum"], ["tier_id"], lazy=False
        ),
        "report_deferred_revenue_list": lambda: Deferred.search_read(
            months, ["month_date", "move_id", "partner_id", "recognized", "amount"], limit=80
        ),
    }
    slowest = {"name": None, "seconds": 0}
    for name, read in reads.items():
        env.invalidate_all()
        found = {}
        with slowest_query(found):
            seconds = timed_median(read)
        result(f"{name}_ms_median", round(seconds * 1000, 1))
        if found.get("seconds", 0) > slowest["seconds"]:
            slowest = {"name": name, **found}
    return slowest


def print_explain(cr, slowest):
    print(
        f"slowest query ({slowest['name']}, {slowest['seconds'] * 1000:.1f} ms):",
        file=sys.stderr,
    )
    if slowest.get("query"):
        query, params = slowest["query"], slowest["params"]
        if hasattr(query, "code"):
            query, params = query.code, query.params
        cr.execute("EXPLAIN (ANALYZE, BUFFERS) " + query, params)
        print("\n".join(row[0] for row in cr.fetchall()), file=sys.stderr)


@contextmanager
def slowest_query(found):
    """Record the slowest query executed inside the block in ``found``."""
    import odoo.sql_db

    original = odoo.sql_db.Cursor.execute

    def timed(self, query, params=None, log_exceptions=True):
        t0 = time.perf_counter()
        try:
            return original(self, query, params, log_exceptions)
        finally:
            elapsed = time.perf_counter() - t0
            if elapsed > found.get("seconds", 0):
                found.update(seconds=elapsed, query=query, params=params)

    odoo.sql_db.Cursor.execute = timed
    try:
        yield found
    finally:
        odoo.sql_db.Cursor.execute = original


def timed_median(func, rounds=5):
    timings = []
    for _i in range(rounds):
        t0 = time.perf_counter()
        func()
        timings.append(time.perf_counter() - t0)
    timings.sort()
    return timings[len(timings) // 2]


def bench_reads(env, reader, today):
    start = today - timedelta(days=364)
    month_start = start.replace(day=1)
    domain_days = [("date", ">=", start), ("date", "<=", today)]
    user_env = env(user=reader)
    reads = {
        "dashboard_kpis": lambda: user_env["subscription.metrics"].get_kpis(start, today),
        "report_movements_pivot": lambda: user_env["subscription.mrr.movement.report"].read_group(
            domain_days, ["amount:sum"], ["date:month", "kind"], lazy=False
        ),
        "report_movements_by_tier": lambda: user_env["subscription.mrr.movement.report"].read_group(
            domain_days, ["amount:sum"], ["tier_id", "kind"], lazy=False
        ),
        "report_movements_list": lambda: user_env["subscription.mrr.movement.report"].search_read(
            domain_days, ["date", "partner_id", "kind", "amount", "tier_id"], limit=80
        ),
        "report_retention": lambda: user_env["subscription.retention.report"].search_read(
            [("month_date", ">=", month_start), ("month_date", "<=", today)]
        ),
        "report_cohorts": lambda: user_env["subscription.cohort.report"].read_group(
            [("cohort_date", ">=", month_start), ("cohort_date", "<=", today)],
            ["retention_rate:avg", "retained_count:sum", "mrr:sum"],
            ["cohort_date:month", "age"],
            lazy=False,
        ),
        "report_daily_metrics": lambda: user_env["subscription.metric.snapshot"].search_read(
            [*domain_days, ("dimension", "=", "total")], ["date", "mrr", "net_new_mrr"]
        ),
        "report_tier_cycle": lambda: user_env["subscription.metric.snapshot"].read_group(
            [*domain_days, ("dimension", "=", "tier_cycle")],
            ["mrr:avg"],
            ["date:month", "tier_id", "cycle_id"],
            lazy=False,
        ),
        **_more_reads(user_env, start, month_start, today),
    }
    slowest = {"name": None, "seconds": 0}
    for name, read in reads.items():
        env.invalidate_all()
        found = {}
        with slowest_query(found):
            seconds = timed_median(read)
        result(f"{name}_ms_median", round(seconds * 1000, 1))
        if found.get("seconds", 0) > slowest["seconds"]:
            slowest = {"name": name, **found}
    return slowest


def _more_reads(user_env, start, month_start, today):
    """The quick ratio, trial conversion, LTV forecast, health and
    engagement reports over the last 12 months, as their pivots and lists
    ask."""
    months = [("month_date", ">=", month_start), ("month_date", "<=", today)]
    days = [("date", ">=", start), ("date", "<=", today)]
    cohorts = [("cohort_date", ">=", month_start), ("cohort_date", "<=", today)]
    Forecast = user_env["subscription.ltv.forecast.report"]
    Customers = user_env["subscription.ltv.customer.report"]
    Health = user_env["subscription.metric.health"]
    History = user_env["subscription.metric.health.history"]
    return {
        "report_quick_ratio": lambda: user_env["subscription.quick.ratio.report"].read_group(
            [*months, ("dimension", "=", "total")],
            ["gained_mrr:sum", "lost_mrr:sum", "quick_ratio:avg"],
            ["month_date:month"],
            lazy=False,
        ),
        "report_trial_conversion": lambda: user_env["subscription.trial.report"].read_group(
            [("start_date", ">=", start), ("start_date", "<=", today)],
            [
                "trial_count:sum",
                "converted_count:sum",
                "conversion_rate:avg",
                "days_to_convert:avg",
            ],
            ["start_date:month", "state"],
            lazy=False,
        ),
        "report_ltv_forecast_cohorts_pivot": lambda: Forecast.read_group(
            cohorts,
            ["customer_count:sum", "ltv:avg", "ltv_low:avg", "ltv_high:avg"],
            ["cohort_date:month"],
            lazy=False,
        ),
        "report_ltv_forecast_cohorts_list": lambda: Forecast.search_read(
            [], ["cohort_date", "customer_count", "arpu", "lifetime", "ltv"], limit=80
        ),
        "report_ltv_customers_pivot": lambda: Customers.read_group(
            cohorts, ["mrr:sum", "revenue:sum", "ltv:sum"], ["cohort_date:month"], lazy=False
        ),
        "report_ltv_customers_list": lambda: Customers.search_read(
            [], ["partner_id", "cohort_date", "mrr", "revenue", "ltv"], limit=80
        ),
        "report_health_pivot": lambda: Health.read_group(
            [], ["score:avg", "mrr:sum"], ["band"], lazy=False
        ),
        "report_health_list": lambda: Health.search_read(
            [], ["subscription_id", "partner_id", "mrr", "score", "band"], limit=80
        ),
        "report_health_history": lambda: History.read_group(
            days, ["score:avg", "mrr:sum"], ["date:month", "band"], lazy=False
        ),
        "report_nps": lambda: user_env["subscription.nps.report"].read_group(
            [("invited_on", ">=", start), ("invited_on", "<=", today)],
            ["nps:avg", "response_count:sum"],
            ["invited_on:month"],
            lazy=False,
        ),
        "report_save_rate": lambda: user_env["subscription.save.report"].read_group(
            days, ["decision_count:sum", "saved_count:sum"], ["reason_id"], lazy=False
        ),
        "report_save_offers": lambda: user_env["subscription.save.offer.report"].read_group(
            days, ["offered_count:sum", "accepted_count:sum"], ["offer_name"], lazy=False
        ),
        "report_winback": lambda: user_env["subscription.winback.report"].read_group(
            days, ["message_count:sum", "won_back_count:sum"], ["date:month"], lazy=False
        ),
        # Also inside dashboard_kpis: alone, the share of the engagement views.
        "dashboard_engagement_kpis": lambda: user_env["subscription.engagement.kpis"]._kpis(
            user_env.company, start, today
        ),
    }


def bench_revenue_table(env, today):
    """The revenue per invoice line and month: its full build, then the
    daily job's update after a day of invoicing (the moves dated today,
    marked as written now)."""
    cr = env.cr
    Month = env["subscription.revenue.month"]
    t0 = time.perf_counter()
    Month._rebuild()
    cr.commit()
    result("reports_revenue_month_rebuild_seconds", round(time.perf_counter() - t0, 2))
    cr.execute("ANALYZE subscription_revenue_month")
    cr.execute("SELECT COUNT(*) FROM subscription_revenue_month")
    result("reports_rows_subscription_revenue_month", cr.fetchone()[0])
    cr.execute(
        "UPDATE account_move SET write_date = now() AT TIME ZONE 'UTC' WHERE date = %s",
        [today - timedelta(days=1)],
    )
    cr.commit()
    t0 = time.perf_counter()
    moves = Month._update()
    cr.commit()
    result("reports_revenue_month_day_update_seconds", round(time.perf_counter() - t0, 2))
    result("reports_revenue_month_day_update_moves", moves)
    t0 = time.perf_counter()
    Month._update()
    cr.commit()
    result("reports_revenue_month_rerun_seconds", round(time.perf_counter() - t0, 2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument(
        "--billing",
        action="store_true",
        help="also seed invoices, credit notes and payment attempts and time the dunning "
        "and revenue reports",
    )
    parser.add_argument(
        "--skip-rebuild",
        action="store_true",
        help="do not rebuild the snapshots nor time the reports that read them "
        "(with --billing: the dunning and revenue reports only)",
    )
    args = parser.parse_args()

    import odoo
    from odoo import SUPERUSER_ID, api, fields

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo.tools.config["log_level"] = "warn"
    odoo.netsvc.init_logger()
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        today = fields.Date.context_today(env["res.users"])
        t0 = time.perf_counter()
        billing = [] if args.billing else None
        events = seed(env, args.count, today, billing=billing)
        print(
            f"seeded {args.count} subscriptions in {time.perf_counter() - t0:.1f}s", file=sys.stderr
        )
        result("reports_subscriptions", args.count)
        result("reports_events", events)
        if engagement_installed(env):
            t0 = time.perf_counter()
            for name, value in seed_engagement(env, today).items():
                result(f"reports_seeded_{name}", value)
            print(f"seeded engagement in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        if args.billing:
            t0 = time.perf_counter()
            counts = seed_billing(env, billing, today)
            billing.clear()
            print(f"seeded billing in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
            for name, value in counts.items():
                result(f"reports_seeded_{name}", value)
            bench_revenue_table(env, today)
        if args.skip_rebuild:
            reader = _bench_reader(env)
            cr.commit()
            if args.billing:
                print_explain(cr, bench_billing_reads(env, reader, today))
            result("reports_peak_rss_mb", round(peak_rss_mb(), 1))
            cr.rollback()
            return
        Snapshot = env["subscription.metric.snapshot"]
        rss = peak_rss_mb()
        t0 = time.perf_counter()
        Snapshot._rebuild_all()
        cr.commit()
        result("reports_rebuild_seconds", round(time.perf_counter() - t0, 1))
        result("reports_rebuild_rss_growth_mb", round(peak_rss_mb() - rss, 1))
        for table in (
            "subscription_metric_snapshot",
            "subscription_metric_movement",
            "subscription_metric_customer_month",
        ):
            cr.execute(f"ANALYZE {table}")  # pylint: disable=sql-injection
            cr.execute(f"SELECT COUNT(*) FROM {table}")  # pylint: disable=sql-injection
            result(f"reports_rows_{table}", cr.fetchone()[0])
        cr.commit()
        t0 = time.perf_counter()
        Snapshot._build_snapshots(today, today)
        cr.commit()
        result("reports_day_build_seconds", round(time.perf_counter() - t0, 2))
        t0 = time.perf_counter()
        env["subscription.ltv.forecast.report"]._build_all()
        cr.commit()
        result("reports_ltv_forecast_build_seconds", round(time.perf_counter() - t0, 2))
        for table in ("subscription_ltv_forecast_report", "subscription_ltv_customer_report"):
            cr.execute(f"SELECT COUNT(*) FROM {table}")  # pylint: disable=sql-injection
            result(f"reports_rows_{table}", cr.fetchone()[0])
        reader = _bench_reader(env)
        cr.commit()
        slowest = bench_reads(env, reader, today)
        if args.billing:
            billing_slowest = bench_billing_reads(env, reader, today)
            if billing_slowest["seconds"] > slowest["seconds"]:
                slowest = billing_slowest
        result("reports_peak_rss_mb", round(peak_rss_mb(), 1))
        print_explain(cr, slowest)
        cr.rollback()


def _bench_reader(env):
    return (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": "Bench reader",
                "login": f"bench_reader_{time.time_ns()}",
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            env.ref("base.group_user").id,
                            env.ref("subscription_reports.group_subscription_reports_reader").id,
                        ],
                    )
                ],
            }
        )
    )


if __name__ == "__main__":
    main()
