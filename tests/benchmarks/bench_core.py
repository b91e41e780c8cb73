# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of subscription_core (not a test: run it with ``bin/bench``).

On a database where subscription_core is installed (without demo data), it
seeds N active subscriptions whose period ends today — straight in SQL, so
that building 100,000 of them takes seconds — then measures:

* the core renewal run: ``_cron_process_due`` called batch after batch, with
  a commit after each one, exactly as Odoo's cron runner does;
* the portal list ``/my/subscriptions`` of a customer with 50 subscriptions,
  through Odoo's real HTTP stack (werkzeug test client, logged-in session);
* the partner form of that customer (``web_read`` with the form's fields,
  including the Subscriptions tab).

Each measure is printed as a line ``RESULT <name> <value>``.

    python tests/benchmarks/bench_core.py -c odoo.conf -d DB --count 10000
"""

import argparse
import re
import resource
import sys
import time
from datetime import date, timedelta


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def result(name, value):
    print(f"RESULT {name} {value}", flush=True)


def seed(env, count, portal_subs):
    """Insert ``count`` active monthly subscriptions due today (plus
    ``portal_subs`` more for one portal customer), in SQL."""
    cr = env.cr
    today = date.today()
    start = today - timedelta(days=30)
    company = env.ref("base.main_company")
    currency = company.currency_id
    cycle = env.ref("subscription_core.cycle_monthly")
    product = env["product.product"].create({"name": "Bench tier", "type": "service"})
    tier = env["subscription.tier"].create(
        {"name": "Bench", "code": f"bench-{time.time_ns()}", "product_id": product.id}
    )
    env["subscription.price"].create(
        {"tier_id": tier.id, "cycle_id": cycle.id, "currency_id": currency.id, "amount": 10.0}
    )
    env.flush_all()
    # One customer per 10 subscriptions, like a B2B book of business.
    partners = max(count // 10, 1)
    Partner = env["res.partner"].with_context(tracking_disable=True)
    partner_ids = []
    for offset in range(0, partners, 2000):
        chunk = range(offset, min(offset + 2000, partners))
        partner_ids += Partner.create(
            [{"name": f"Bench customer {i}", "is_company": True} for i in chunk]
        ).ids
        env.flush_all()
        env.invalidate_all()
    # The period ending today started a month ago; the billing anchor is put
    # on today so that the next period is one cycle from today.
    cr.execute(
        """
        INSERT INTO subscription_subscription (
            name, partner_id, commercial_partner_id, company_id, currency_id, user_id,
            kind, source, tier_id, cycle_id, quantity, price_unit, state, date_start,
            period_anchor_date, current_period_start, current_period_end,
            next_action_date, auto_renew, recurring_amount, mrr, mrr_company,
            has_pending_change, active, create_uid, write_uid, create_date, write_date)
        SELECT 'BENCH/' || g, p.id, p.id, %(company)s, %(currency)s, 1,
               'saas', 'import', %(tier)s, %(cycle)s, 1, 10.0, 'active', %(start)s,
               %(today)s, %(start)s, %(today)s, %(today)s, true, 10.0, 10.0, 10.0,
               false, true, 1, 1, now(), now()
          FROM generate_series(0, %(count)s - 1) g
          JOIN LATERAL (SELECT (%(partners)s::int[])[1 + g %% %(npartners)s] AS id) p ON true
        """,
        {
            "company": company.id,
            "currency": currency.id,
            "tier": tier.id,
            "cycle": cycle.id,
            "start": start,
            "today": today,
            "count": count,
            "partners": partner_ids,
            "npartners": len(partner_ids),
        },
    )
    # The portal customer and their 50 subscriptions.
    portal_partner = env["res.partner"].create(
        {"name": "Bench portal customer", "email": "bench@example.com"}
    )
    portal_user = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": "Bench portal",
                "login": f"bench_portal_{time.time_ns()}",
                "password": "bench_portal_pw",
                "partner_id": portal_partner.id,
                "groups_id": [(6, 0, [env.ref("base.group_portal").id])],
            }
        )
    )
    env["subscription.subscription"].create(
        [
            {
                "partner_id": portal_partner.id,
                "tier_id": tier.id,
                "cycle_id": cycle.id,
                "date_start": today - timedelta(days=3),
            }
            for _i in range(portal_subs)
        ]
    ).action_start()
    env.cr.commit()
    return portal_user, portal_partner


def bench_renewal(env, count):
    from odoo import fields

    cr = env.cr
    Sub = env["subscription.subscription"]
    queries_before = cr.sql_log_count
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    done = 0
    calls = 0
    batch_times = []
    while True:
        t0 = time.perf_counter()
        outcome = Sub._cron_process_due()
        cr.commit()  # the cron runner commits after each call
        batch_times.append(time.perf_counter() - t0)
        calls += 1
        done += outcome["done"]
        if not outcome["remaining"] or not outcome["done"]:
            break
    elapsed = time.perf_counter() - started
    queries = cr.sql_log_count - queries_before
    cr.execute(
        "SELECT count(*) FROM subscription_subscription WHERE name LIKE 'BENCH/%%' "
        "AND current_period_start = %s",
        [fields.Date.context_today(Sub)],
    )
    renewed = cr.fetchone()[0]
    if renewed != count:
        raise SystemExit(f"renewal benchmark: {renewed} of {count} subscriptions renewed")
    result("renewal_subscriptions", count)
    result("renewal_seconds", round(elapsed, 2))
    result("renewal_subscriptions_per_second", round(count / elapsed, 1))
    result("renewal_queries_per_subscription", round(queries / count, 2))
    result("renewal_cron_calls", calls)
    result("renewal_slowest_batch_seconds", round(max(batch_times), 2))
    result("renewal_peak_rss_mb", round(peak_rss_mb(), 1))
    result("renewal_rss_growth_mb", round(peak_rss_mb() - rss_before, 1))


def http_login(client, dbname, login, password):
    """Log ``client`` (a werkzeug test client of Odoo) in through /web/login."""
    environ = {"REMOTE_ADDR": "127.0.0.1"}
    page = client.get(f"/web/login?db={dbname}", environ_base=environ).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/web/login",
        data={"login": login, "password": password, "csrf_token": token, "db": dbname},
        environ_base=environ,
    )
    if response.status_code not in (302, 303):
        raise SystemExit(f"login of {login} failed: {response.status_code}")


def bench_portal_list(dbname, login, password, rounds=20):
    from werkzeug.test import Client

    import odoo.http

    client = Client(odoo.http.root)
    environ = {"REMOTE_ADDR": "127.0.0.1"}
    http_login(client, dbname, login, password)
    timings = []
    for _i in range(rounds):
        t0 = time.perf_counter()
        response = client.get("/my/subscriptions", environ_base=environ)
        timings.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise SystemExit(f"/my/subscriptions answered {response.status_code}")
    timings.sort()
    result("portal_list_ms_median", round(timings[len(timings) // 2] * 1000, 1))


def bench_partner_form(env, partner, rounds=20):
    views = env["res.partner"].get_views([(False, "form")])
    spec = {name: {} for name in views["models"]["res.partner"]["fields"]}
    for name in ("subscription_ids", "subscription_event_ids"):
        if name in spec:
            spec[name] = {"fields": {"display_name": {}}}
    timings = []
    queries = []
    for _i in range(rounds):
        env.invalidate_all()
        q0 = env.cr.sql_log_count
        t0 = time.perf_counter()
        partner.web_read(spec)
        timings.append(time.perf_counter() - t0)
        queries.append(env.cr.sql_log_count - q0)
    timings.sort()
    result("partner_form_ms_median", round(timings[len(timings) // 2] * 1000, 1))
    result("partner_form_queries", queries[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=None)
    args = parser.parse_args()

    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo.tools.config["log_level"] = "warn"
    odoo.netsvc.init_logger()
    odoo.sql_db.Cursor.sql_log_count = 0
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if args.batch_size:
            env["ir.config_parameter"].set_param("subscription_core.batch_size", args.batch_size)
        t0 = time.perf_counter()
        portal_user, portal_partner = seed(env, args.count, portal_subs=50)
        print(
            f"seeded {args.count} subscriptions in {time.perf_counter() - t0:.1f}s", file=sys.stderr
        )
        bench_renewal(env, args.count)
        bench_partner_form(env, portal_partner)
        cr.commit()
        login = portal_user.login
    bench_portal_list(args.database, login, "bench_portal_pw")


if __name__ == "__main__":
    main()
