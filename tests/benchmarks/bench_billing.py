# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of subscription_billing (not a test: run it with ``bin/bench``).

On a database where subscription_core, subscription_billing and payment_demo
are installed (without demo data), it loads the generic chart of accounts
if the company has none, sets up the demo payment provider, seeds N active
subscriptions due today — charged automatically on a demo token that always
succeeds — and measures, each printed as ``RESULT <name> <value>``:

* like for like with OCA: draft invoice generation for one period by the
  suite (``_prepare_invoice_values`` + ``account.move.create``, rolled back
  afterwards), by OCA ``subscription_oca`` and by OCA ``contract`` (18.0
  wheels from PyPI, each in a database of its own, see ``oca/``), on the
  same data: ``ratio_vs_subscription_oca`` and ``ratio_vs_contract`` are the
  suite's speed over theirs;
* the floor: the same accounting work done bare, no subscription logic —
  batched ``account.move`` create, post, then a payment_demo charge
  (``payment.transaction`` on a token, ``_post_process()`` which creates
  the payment and reconciles it);
* the real job: the suite's scheduled actions run as the cron runner does
  (``_cron_process_due`` called with a commit after each call until nothing
  remains, then ``_cron_process_attempts`` likewise): invoice created,
  posted, charged, reconciled, events logged. ``overhead_vs_floor`` is its
  time over the floor's for the same N;
* the lean floor: the floor with field tracking and notifications kept out
  and the payments of each charge batch created, posted and reconciled in
  one pass (bare batched Odoo, the fastest Odoo itself goes):
  ``overhead_vs_lean_floor`` is the renewal's time over it.

    python tests/benchmarks/bench_billing.py -c odoo.conf -d DB --count 10000 \
        [--oca-count 2000] [--oca-db-prefix PREFIX] [--oca-template DB] [--skip-oca]

The OCA databases (``<prefix>_oca_sub``, ``<prefix>_oca_contract``) are dropped
and re-created from ``--oca-template`` (a database with ``account`` installed,
e.g. a clean template; default: an empty database, slower) and the OCA addon
is installed there with ``odoo -i`` in a subprocess.
"""

import argparse
import cProfile
import os
import re
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLOOR_BATCH = 500  # the renewal engine's default batch size
FLOOR_CHARGE_BATCH = 200  # the payment attempts' default batch size


# --------------------------------------------------------------- reporting


def result(name, value):
    print(f"RESULT {name} {value}", flush=True)


def note(message):
    print(message, file=sys.stderr, flush=True)


def _status_kb(key):
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_mb():
    kb = _status_kb("VmRSS")
    return round(kb / 1024.0, 1) if kb is not None else None


def reset_peak_rss():
    """Reset the kernel's peak RSS of this process (Linux >= 4.0), so that
    each phase reports its own peak."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def peak_rss_mb():
    kb = _status_kb("VmHWM")
    if kb is None:
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kb / 1024.0, 1)


def query_count():
    """Queries run by every cursor of this process so far."""
    import odoo.sql_db

    return odoo.sql_db.sql_counter


class SqlStats:
    """With ``--sql-stats N``: the N statements a phase runs most, their
    literals masked (to find the per-record queries of a phase)."""

    top = 0
    counts = None

    @classmethod
    def install(cls, top):
        import collections

        import odoo.sql_db

        cls.top = top
        cls.counts = collections.Counter()
        execute = odoo.sql_db.Cursor.execute

        def counting_execute(self, query, params=None, log_exceptions=True):
            text = query.code if hasattr(query, "code") else str(query)
            cls.counts[re.sub(r"\d+", "N", " ".join(text.split()))[:160]] += 1
            return execute(self, query, params, log_exceptions)

        odoo.sql_db.Cursor.execute = counting_execute

    @classmethod
    def report(cls, name):
        if cls.counts is None:
            return
        for text, count in cls.counts.most_common(cls.top):
            note(f"sql {name} {count:7d} {text}")
        cls.counts.clear()


class GcClock:
    """Seconds the garbage collector has run in this process (all phases)."""

    seconds = 0.0
    _started = None

    @classmethod
    def install(cls):
        import gc

        def callback(phase, _info):
            if phase == "start":
                cls._started = time.perf_counter()
            elif cls._started is not None:
                cls.seconds += time.perf_counter() - cls._started
                cls._started = None

        gc.callbacks.append(callback)


class Phase:
    """Times one phase and counts its queries; with ``--profile DIR`` it also
    writes ``DIR/<name>.prof`` (cProfile; it slows the phase down). Prints
    ``RESULT <name>_gc_seconds``: the garbage collector's share of it."""

    profile_dir = None

    def __init__(self, name):
        self.name = name
        self.seconds = self.queries = 0
        self._profiler = None

    def __enter__(self):
        if self.profile_dir:
            self._profiler = cProfile.Profile()
            self._profiler.enable()
        SqlStats.report("before")
        self._queries = query_count()
        self._gc = GcClock.seconds
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._started
        self.queries = query_count() - self._queries
        result(f"{self.name}_gc_seconds", round(GcClock.seconds - self._gc, 2))
        SqlStats.report(self.name)
        if self._profiler:
            self._profiler.disable()
            path = os.path.join(self.profile_dir, f"{self.name}.prof")
            self._profiler.dump_stats(path)
            note(f"profile of {self.name} written to {path}")
        return False


# --------------------------------------------------------------- set-up


def check_modules(env):
    Module = env["ir.module.module"]
    needed = ("subscription_core", "subscription_billing", "payment_demo")
    installed = set(
        Module.search([("name", "in", needed), ("state", "=", "installed")]).mapped("name")
    )
    missing = [name for name in needed if name not in installed]
    if missing:
        raise SystemExit(
            f"{env.cr.dbname}: install {', '.join(missing)} first "
            "(odoo -i subscription_billing,payment_demo --without-demo=all)"
        )


def setup_accounting(env):
    """Chart of accounts and demo payment provider with tokenization."""
    company = env.ref("base.main_company")
    if not company.chart_template:
        note("loading the generic chart of accounts")
        env["account.chart.template"].try_loading(
            "generic_coa", company=company, install_demo=False
        )
    provider = env.ref("payment.payment_provider_demo")
    if provider.company_id != company:
        raise SystemExit("the demo payment provider belongs to another company")
    vals = {}
    if provider.state not in ("enabled", "test"):
        vals["state"] = "test"
    if not provider.allow_tokenization:
        vals["allow_tokenization"] = True
    if vals:
        provider.write(vals)
    if not provider.journal_id:
        provider.journal_id = env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
        )
    env.cr.commit()
    return company, provider


def seed(env, count, company, provider, tag):
    """N active monthly subscriptions due today, charged automatically on a
    demo token that succeeds: customers (one per 10 subscriptions) and their
    tokens through the ORM, one prototype subscription through the ORM, then
    its row copied N-1 times in SQL (so that columns added by any module get
    the prototype's values) — 100,000 subscriptions take seconds."""
    cr = env.cr
    today = date.today()
    start = today - timedelta(days=30)
    currency = company.currency_id
    cycle = env.ref("subscription_core.cycle_monthly")
    tax = company.account_sale_tax_id
    product = env["product.product"].create(
        {"name": "Bench tier", "type": "service", "list_price": 10.0, "taxes_id": [(6, 0, tax.ids)]}
    )
    tier = env["subscription.tier"].create(
        {"name": "Bench", "code": f"bench-{tag}", "product_id": product.id}
    )
    env["subscription.price"].create(
        {"tier_id": tier.id, "cycle_id": cycle.id, "currency_id": currency.id, "amount": 10.0}
    )
    payment_method = env.ref("payment.payment_method_unknown")
    Partner = env["res.partner"].with_context(tracking_disable=True)
    Token = env["payment.token"]
    partner_ids, token_ids = [], []
    npartners = max(count // 10, 1)
    for offset in range(0, npartners, 2000):
        chunk = range(offset, min(offset + 2000, npartners))
        partners = Partner.create(
            [{"name": f"Bench customer {i}", "is_company": True} for i in chunk]
        )
        tokens = Token.create(
            [
                {
                    "provider_id": provider.id,
                    "payment_method_id": payment_method.id,
                    "partner_id": partner.id,
                    "provider_ref": f"bench-{tag}-{partner.id}",
                    "payment_details": "4242",
                    "demo_simulated_state": "done",
                }
                for partner in partners
            ]
        )
        partner_ids += partners.ids
        token_ids += tokens.ids
        cr.commit()
        env.invalidate_all()
    proto = (
        env["subscription.subscription"]
        .with_context(tracking_disable=True)
        .create(
            {
                "name": f"BB/{tag}/0",
                "partner_id": partner_ids[0],
                "tier_id": tier.id,
                "cycle_id": cycle.id,
                "billing_mode": "auto_charge",
                "payment_token_id": token_ids[0],
                "source": "import",
            }
        )
    )
    env.flush_all()
    # The period ending today started a month ago; the billing anchor is put
    # on today so that the next period is one cycle from today (as
    # bench_core.py does).
    cr.execute(
        """
        UPDATE subscription_subscription
           SET state = 'active', date_start = %(start)s, period_anchor_date = %(today)s,
               current_period_start = %(start)s, current_period_end = %(today)s,
               next_action_date = %(today)s, auto_renew = true, price_unit = 10.0,
               quantity = 1, recurring_amount = 10.0, mrr = 10.0, mrr_company = 10.0,
               has_pending_change = false
         WHERE id = %(id)s
        """,
        {"start": start, "today": today, "id": proto.id},
    )
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = 'subscription_subscription' "
        "AND column_name NOT IN ('id', 'name', 'partner_id', 'commercial_partner_id', "
        "'payment_token_id', 'access_token', 'create_date', 'write_date')"
    )
    columns = ", ".join(f'"{row[0]}"' for row in cr.fetchall())
    cr.execute(
        f"""
        INSERT INTO subscription_subscription (
            name, partner_id, commercial_partner_id, payment_token_id, create_date, write_date,
            {columns})
        SELECT %(prefix)s || g, (%(partners)s::int[])[1 + g %% %(n)s],
               (%(partners)s::int[])[1 + g %% %(n)s], (%(tokens)s::int[])[1 + g %% %(n)s],
               now(), now(), {columns}
          FROM subscription_subscription proto, generate_series(1, %(count)s - 1) g
         WHERE proto.id = %(proto)s
        """,
        {
            "prefix": f"BB/{tag}/",
            "partners": partner_ids,
            "tokens": token_ids,
            "n": len(partner_ids),
            "count": count,
            "proto": proto.id,
        },
    )
    cr.commit()
    env.invalidate_all()
    return {
        "product": product,
        "tax": tax,
        "partner_ids": partner_ids,
        "token_ids": token_ids,
        "payment_method": payment_method,
        "name_prefix": f"BB/{tag}/",
    }


def bench_subscription_ids(env, data, limit=None):
    query = "SELECT id FROM subscription_subscription WHERE name LIKE %s ORDER BY id"
    params = [data["name_prefix"] + "%"]
    if limit:
        query += " LIMIT %s"
        params.append(limit)
    env.cr.execute(query, params)
    return [row[0] for row in env.cr.fetchall()]


# --------------------------------------------------------------- like for like


def bench_suite_drafts(env, data, count):
    """The suite's draft invoices of the next period for ``count``
    subscriptions, made as its renewal engine makes them — values from
    ``_prepare_period_line_values`` and ``_prepare_invoice_values``, one
    ``account.move.create`` per engine batch — but not posted; rolled back
    afterwards."""
    Sub = env["subscription.subscription"]
    Move = env["account.move"].sudo()
    batch_size = int(
        env["ir.config_parameter"].sudo().get_param("subscription_core.batch_size", FLOOR_BATCH)
    )
    ids = bench_subscription_ids(env, data, limit=count)
    env.invalidate_all()
    created = 0
    with Phase("suite_draft") as phase:
        for offset in range(0, len(ids), batch_size):
            subs = Sub.browse(ids[offset : offset + batch_size])
            values = []
            for sub in subs:
                start = sub.current_period_end
                end = sub._period_end_from(sub.period_anchor_date or start, start)
                lines = sub._prepare_period_line_values(start, end)
                values.append(sub._prepare_invoice_values("period", start, end, lines))
            created += len(Move.with_company(subs.company_id[:1]).create(values))
        env.flush_all()
    env.cr.rollback()
    env.invalidate_all()
    result("suite_draft_count", created)
    result("suite_draft_seconds", round(phase.seconds, 2))
    result("suite_draft_invoices_per_second", round(created / phase.seconds, 1))
    result("suite_draft_queries_per_invoice", round(phase.queries / created, 1))
    return created / phase.seconds


def _odoo_addons_path():
    import odoo

    return odoo.tools.config["addons_path"]


def recreate_database(name, template):
    import odoo.sql_db

    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr._cnx.autocommit = True  # CREATE/DROP DATABASE refuse transactions
        cr.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if template:
            cr.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            cr.execute(f"CREATE DATABASE \"{name}\" ENCODING 'unicode' TEMPLATE template0")
    odoo.sql_db.close_db(name)
    if template:
        # subscription_oca adds account.move.subscription_id too: the OCA
        # databases must not have the suite installed.
        with odoo.sql_db.db_connect(name).cursor() as cr:
            cr.execute(
                "SELECT name FROM ir_module_module WHERE state = 'installed' "
                "AND name IN ('subscription_core', 'subscription_billing')"
            )
            installed = [row[0] for row in cr.fetchall()]
        odoo.sql_db.close_db(name)
        if installed:
            raise SystemExit(
                f"--oca-template {template} has {', '.join(installed)} installed: "
                "use a database without the suite (account installed is enough)"
            )


def bench_oca(args, suite_speed):
    sys.path.insert(0, str(HERE / "oca"))
    import oca_addons

    oca_dir = oca_addons.ensure()
    addons_path = f"{_odoo_addons_path()},{oca_dir}"
    result("oca_count", args.oca_count)
    speeds = {}
    for kind, suffix in (("subscription_oca", "oca_sub"), ("contract", "oca_contract")):
        dbname = f"{args.oca_db_prefix}_{suffix}"
        note(f"{kind}: creating {dbname} and installing {kind}")
        recreate_database(dbname, args.oca_template)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "odoo",
                "-c",
                args.config,
                "-d",
                dbname,
                f"--addons-path={addons_path}",
                "-i",
                kind,
                "--stop-after-init",
                "--without-demo=all",
                "--no-http",
                "--log-level=warn",
            ],
            check=True,
        )
        out = subprocess.run(
            [
                sys.executable,
                str(HERE / "oca" / "bench_oca.py"),
                "-c",
                args.config,
                "-d",
                dbname,
                "--addons-path",
                addons_path,
                "--kind",
                kind,
                "--count",
                str(args.oca_count),
            ],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        for line in out.splitlines():
            if line.startswith("RESULT "):
                print(line, flush=True)
                match = re.match(rf"RESULT oca_{kind}_invoices_per_second (\S+)", line)
                if match:
                    speeds[kind] = float(match.group(1))
    result("ratio_vs_subscription_oca", round(suite_speed / speeds["subscription_oca"], 2))
    result("ratio_vs_contract", round(suite_speed / speeds["contract"], 2))


# --------------------------------------------------------------- floor


def _floor_invoice_values(data, journal, company, index, today):
    partner_ids = data["partner_ids"]
    return {
        "move_type": "out_invoice",
        "partner_id": partner_ids[index % len(partner_ids)],
        "journal_id": journal.id,
        "currency_id": company.currency_id.id,
        "invoice_date": today,
        "invoice_line_ids": [
            (
                0,
                0,
                {
                    "product_id": data["product"].id,
                    "name": "Floor",
                    "quantity": 1,
                    "price_unit": 10.0,
                    "tax_ids": [(6, 0, data["tax"].ids)],
                },
            )
        ],
    }


def _check_all_paid(cr, move_ids, label):
    """Stop the benchmark unless every invoice of ``move_ids`` is posted and paid."""
    cr.execute(
        "SELECT count(*) FROM account_move WHERE id = ANY(%s) AND state = 'posted' "
        "AND payment_state IN ('paid', 'in_payment')",
        [move_ids],
    )
    paid = cr.fetchone()[0]
    if paid != len(move_ids):
        raise SystemExit(f"{label}: {paid} of {len(move_ids)} invoices paid")


def _floor_transactions(Tx, moves, data, provider, offset, prefix):
    """A demo transaction per invoice of ``moves`` (the ``offset``-th of
    the run first), its payment request sent: the floors' charges."""
    token_ids = data["token_ids"]
    # One create per transaction: payment's _check_token_is_active
    # constraint reads token_id on the whole recordset (singletons only).
    txs = Tx
    for index, move in enumerate(moves):
        txs |= Tx.create(
            {
                "provider_id": provider.id,
                "payment_method_id": data["payment_method"].id,
                "reference": f"{prefix}-{move.id}",
                "amount": move.amount_residual,
                "currency_id": move.currency_id.id,
                "partner_id": move.partner_id.id,
                "token_id": token_ids[(offset + index) % len(token_ids)],
                "operation": "offline",
                "invoice_ids": [(6, 0, move.ids)],
            }
        )
    for tx in txs:
        tx._send_payment_request()
    return txs


def bench_floor(env, data, count, company, provider):
    """Bare accounting work for ``count`` invoices, no subscription logic:
    batched create, batched post, then a charge through payment_demo and its
    post-processing (payment created and reconciled), committed per batch."""
    cr = env.cr
    Move = env["account.move"]
    Tx = env["payment.transaction"]
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    today = date.today()
    env.invalidate_all()

    move_ids = []
    with Phase("floor_create") as create:
        for offset in range(0, count, FLOOR_BATCH):
            moves = Move.create(
                [
                    _floor_invoice_values(data, journal, company, i, today)
                    for i in range(offset, min(offset + FLOOR_BATCH, count))
                ]
            )
            move_ids += moves.ids
            cr.commit()
            env.invalidate_all()

    with Phase("floor_post") as post:
        for offset in range(0, count, FLOOR_BATCH):
            Move.browse(move_ids[offset : offset + FLOOR_BATCH]).action_post()
            cr.commit()
            env.invalidate_all()

    with Phase("floor_charge") as charge:
        for offset in range(0, count, FLOOR_CHARGE_BATCH):
            moves = Move.browse(move_ids[offset : offset + FLOOR_CHARGE_BATCH])
            txs = _floor_transactions(Tx, moves, data, provider, offset, "FLOOR")
            txs._post_process()
            cr.commit()
            env.invalidate_all()

    _check_all_paid(cr, move_ids, "floor")
    phases = {"create": create, "post": post, "charge": charge}
    total = sum(phase.seconds for phase in phases.values())
    result("floor_invoices", count)
    result("floor_seconds", round(total, 2))
    for name, phase in phases.items():
        result(f"floor_{name}_per_second", round(count / phase.seconds, 1))
    result("floor_invoices_per_second", round(count / total, 1))
    for name, phase in phases.items():
        result(f"floor_{name}_queries_per_invoice", round(phase.queries / count, 1))
    queries = sum(phase.queries for phase in phases.values())
    result("floor_queries_per_invoice", round(queries / count, 1))
    return total


LEAN_CONTEXT = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}


def bench_lean_floor(env, data, count, company, provider):
    """The floor done as lean as bare Odoo allows: the same invoices,
    transactions and payments with field tracking and notifications kept out,
    and the payments of each charge batch created, posted and reconciled in
    one pass (Odoo's own models and methods, no subscription code)."""
    env = env(context=dict(env.context, **LEAN_CONTEXT))
    cr = env.cr
    Move = env["account.move"]
    Tx = env["payment.transaction"]
    Payment = env["account.payment"]
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    bank = provider.journal_id
    method_line = bank.inbound_payment_method_line_ids.filtered(
        lambda line: line.payment_provider_id == provider
    )
    today = date.today()
    env.invalidate_all()
    move_ids = []
    with Phase("lean_floor_invoice") as invoicing:
        for offset in range(0, count, FLOOR_BATCH):
            moves = Move.create(
                [
                    _floor_invoice_values(data, journal, company, i, today)
                    for i in range(offset, min(offset + FLOOR_BATCH, count))
                ]
            )
            moves.action_post()
            move_ids += moves.ids
            cr.commit()
            env.invalidate_all()
    with Phase("lean_floor_charge") as charge:
        for offset in range(0, count, FLOOR_CHARGE_BATCH):
            moves = Move.browse(move_ids[offset : offset + FLOOR_CHARGE_BATCH])
            txs = _floor_transactions(Tx, moves, data, provider, offset, "LEAN")
            payments = Payment.create(
                [
                    {
                        "amount": tx.amount,
                        "payment_type": "inbound",
                        "currency_id": tx.currency_id.id,
                        "partner_id": tx.partner_id.commercial_partner_id.id,
                        "partner_type": "customer",
                        "journal_id": bank.id,
                        "company_id": company.id,
                        "payment_method_line_id": method_line.id,
                        "payment_token_id": tx.token_id.id,
                        "payment_transaction_id": tx.id,
                        "memo": tx.reference,
                        "invoice_ids": tx.invoice_ids,
                    }
                    for tx in txs
                ]
            )
            payments.action_post()
            plan = []
            for tx, payment in zip(txs, payments, strict=True):
                tx.payment_id = payment
                account = payment.destination_account_id
                plan.append(
                    (payment.move_id.line_ids + tx.invoice_ids.line_ids).filtered(
                        lambda line, account=account: (
                            line.account_id == account and not line.reconciled
                        )
                    )
                )
            env["account.move.line"]._reconcile_plan(plan)
            txs.is_post_processed = True
            cr.commit()
            env.invalidate_all()
    _check_all_paid(cr, move_ids, "lean floor")
    total = invoicing.seconds + charge.seconds
    result("lean_floor_seconds", round(total, 2))
    result("lean_floor_invoice_seconds", round(invoicing.seconds, 2))
    result("lean_floor_charge_seconds", round(charge.seconds, 2))
    result("lean_floor_invoices_per_second", round(count / total, 1))
    result("lean_floor_invoice_queries_per_invoice", round(invoicing.queries / count, 1))
    result("lean_floor_charge_queries_per_invoice", round(charge.queries / count, 1))
    return total


# --------------------------------------------------------------- real job


def run_cron(env, method, calls):
    """Call ``method`` as the cron runner would: commit after each call,
    again while it reports work done and work remaining. Appends each
    call's duration to ``calls``."""
    while True:
        t0 = time.perf_counter()
        outcome = method()
        env.cr.commit()
        calls.append(time.perf_counter() - t0)
        # The billing engine reports the periods it invoiced and those left
        # to invoice beside the core's renewals.
        done = outcome["done"] + outcome.get("invoiced", 0)
        remaining = outcome["remaining"] + outcome.get("invoice_pending", 0)
        if not remaining or not done:
            return


def bench_renewal(env, data, count):
    """The suite's full renewal of the seeded subscriptions, through its two
    scheduled actions; returns its duration."""
    cr = env.cr
    Sub = env["subscription.subscription"]
    Attempt = env["subscription.payment.attempt"]
    today = date.today()
    env.invalidate_all()
    precise_peak = reset_peak_rss()
    rss_before = rss_mb()
    due_calls, attempt_calls = [], []
    with Phase("renewal_renew") as renewing:
        run_cron(env, Sub._cron_process_due, due_calls)
    with Phase("renewal_invoice") as invoicing:
        # The periods the renewals started: invoiced by their own job.
        run_cron(env, env["subscription.billing.period"]._cron_invoice_periods, due_calls)
    with Phase("renewal_charge") as charging:
        run_cron(env, Attempt._cron_process_attempts, attempt_calls)
    peak = peak_rss_mb()
    elapsed = renewing.seconds + invoicing.seconds + charging.seconds
    queries = renewing.queries + invoicing.queries + charging.queries
    ids = bench_subscription_ids(env, data)
    cr.execute(
        """
        SELECT count(*) FILTER (WHERE m.state = 'posted'),
               count(*) FILTER (WHERE m.payment_state IN ('paid', 'in_payment'))
          FROM account_move m
         WHERE m.subscription_id = ANY(%s) AND m.subscription_period_start = %s
           AND m.subscription_invoice_kind = 'period'
        """,
        [ids, today],
    )
    posted, paid = cr.fetchone()
    cr.execute(
        "SELECT count(*) FROM subscription_event WHERE subscription_id = ANY(%s) "
        "AND event_type = 'renewed'",
        [ids],
    )
    renewed = cr.fetchone()[0]
    if not posted == paid == renewed == count:
        raise SystemExit(
            f"renewal: {renewed} renewed, {posted} invoices posted, {paid} paid of {count}"
        )
    result("renewal_invoices", count)
    result("renewal_seconds", round(elapsed, 2))
    result("renewal_renew_seconds", round(renewing.seconds, 2))
    result("renewal_invoice_seconds", round(invoicing.seconds, 2))
    result("renewal_charge_seconds", round(charging.seconds, 2))
    result("renewal_invoices_per_second", round(count / elapsed, 1))
    result("renewal_renew_queries_per_invoice", round(renewing.queries / count, 1))
    result("renewal_invoice_queries_per_invoice", round(invoicing.queries / count, 1))
    result("renewal_charge_queries_per_invoice", round(charging.queries / count, 1))
    result("renewal_queries_per_invoice", round(queries / count, 1))
    result("renewal_cron_calls", len(due_calls) + len(attempt_calls))
    result("renewal_slowest_cron_call_seconds", round(max(due_calls + attempt_calls), 2))
    result("renewal_peak_rss_mb", peak)
    if precise_peak:
        result("renewal_rss_start_mb", rss_before)
        result("renewal_rss_growth_mb", round(peak - rss_before, 1))
    return elapsed


# --------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument(
        "--oca-count",
        type=int,
        default=2000,
        help="items for the like-for-like draft comparison (default 2000)",
    )
    parser.add_argument(
        "--oca-db-prefix",
        default=None,
        help="OCA databases are <prefix>_oca_sub and <prefix>_oca_contract "
        "(default: the database name)",
    )
    parser.add_argument(
        "--oca-template",
        default=None,
        help="database to clone for the OCA databases (default: empty)",
    )
    parser.add_argument("--skip-oca", action="store_true")
    parser.add_argument(
        "--skip-floor",
        action="store_true",
        help="leave out the floor done one by one (the lean floor stays)",
    )
    parser.add_argument(
        "--loop-charges",
        type=int,
        default=400,
        help="charges of the Stripe charging-loop benchmark, shared by the pool sizes "
        "(bench_charge_loop.py; default 400, 0 skips it)",
    )
    parser.add_argument("--loop-sizes", default="1,8", help="pool sizes (default 1,8)")
    parser.add_argument(
        "--loop-delay", type=float, default=0.3, help="fake Stripe's answer time (default 0.3 s)"
    )
    parser.add_argument(
        "--profile",
        default=None,
        metavar="DIR",
        help="write a cProfile of each phase to DIR/<phase>.prof (slows them down)",
    )
    parser.add_argument(
        "--sql-stats",
        type=int,
        default=0,
        metavar="N",
        help="print the N statements each phase runs most (literals masked)",
    )
    args = parser.parse_args()
    args.oca_db_prefix = args.oca_db_prefix or args.database
    args.oca_count = min(args.oca_count, args.count)
    if args.profile:
        os.makedirs(args.profile, exist_ok=True)
        Phase.profile_dir = args.profile
    if args.sql_stats:
        SqlStats.install(args.sql_stats)
    GcClock.install()

    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo.tools.config["log_level"] = "warn"
    odoo.netsvc.init_logger()
    result("load_average_1min", round(os.getloadavg()[0], 2))
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        check_modules(env)
        company, provider = setup_accounting(env)
        tag = time.strftime("%Y%m%d%H%M%S")
        t0 = time.perf_counter()
        data = seed(env, args.count, company, provider, tag)
        note(f"seeded {args.count} subscriptions in {time.perf_counter() - t0:.1f}s")
        result("count", args.count)
        # The renewal runs first, on a fresh heap, so that its peak memory is
        # its own (the other phases leave the heap grown).
        renewal_seconds = bench_renewal(env, data, args.count)
        suite_speed = bench_suite_drafts(env, data, args.oca_count)
        if not args.skip_oca:
            bench_oca(args, suite_speed)
        if not args.skip_floor:
            floor_seconds = bench_floor(env, data, args.count, company, provider)
            result("overhead_vs_floor", round(renewal_seconds / floor_seconds, 2))
        lean_seconds = bench_lean_floor(env, data, args.count, company, provider)
        result("overhead_vs_lean_floor", round(renewal_seconds / lean_seconds, 2))
        if args.loop_charges:
            sys.path.insert(0, str(HERE))
            from bench_charge_loop import bench_charge_loop

            sizes = [int(size) for size in args.loop_sizes.split(",")]
            bench_charge_loop(
                env,
                data,
                company,
                provider,
                bench_subscription_ids(env, data, limit=min(args.loop_charges, args.count)),
                sizes,
                args.loop_delay,
                (run_cron, Phase, _floor_invoice_values),
            )
    result("load_average_1min_end", round(os.getloadavg()[0], 2))


if __name__ == "__main__":
    main()
