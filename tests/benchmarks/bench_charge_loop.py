# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The suite's own charging job against a fake Stripe on loopback, by pool size.

Part of ``bench_billing.py`` (``--loop-charges N``, ``--loop-sizes 1,8``,
``--loop-delay S``): unlike ``bench_pool.py``, which times the request pool
alone, this runs ``subscription.payment.attempt._cron_process_attempts`` as
the cron runner does — phase 1 committed, the requests through the company's
pool, phase 2 recorded, the payments of each chunk settled together — with
the real ``stripe`` SDK sent to ``tests/fake_stripe.py`` (answers after
``S`` seconds, 0.3 by default) through the ``subscription_billing.stripe_api_base``
system parameter. Each pool size charges ``N`` fresh posted invoices of
seeded subscriptions on Stripe cards. Printed as ``RESULT``:

* ``charge_loop_size<K>_charges_per_second`` and ``..._seconds``;
* ``charge_loop_size<K>_queries_per_charge``;
* ``charge_loop_speedup_<K>_vs_1``: charges per second over the sequential run.
"""

import importlib.util
import logging
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LEAN_CONTEXT = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}


def result(name, value):
    print(f"RESULT {name} {value}", flush=True)


def _fake_stripe():
    spec = importlib.util.spec_from_file_location(
        "subscription_fake_stripe", ROOT / "tests" / "fake_stripe.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _prepare(env, data, company, provider, subscription_ids, invoice_values):
    """Stripe cards on the subscriptions, one posted invoice each and its
    attempt due now; committed."""
    env = env(context=dict(env.context, **LEAN_CONTEXT))
    Sub = env["subscription.subscription"]
    subs = Sub.browse(subscription_ids)
    tokens = env["payment.token"].create(
        [
            {
                "provider_id": provider.id,
                "payment_method_id": data["payment_method"].id,
                "partner_id": sub.partner_id.id,
                "provider_ref": f"loop-{sub.id}",
                "payment_details": "4242",
                "subscription_stripe_customer_id": f"cus_loop_{sub.partner_id.id}",
                "subscription_stripe_payment_method_id": "pm_card_visa",
            }
            for sub in subs
        ]
    )
    for sub, token in zip(subs, tokens, strict=True):
        sub.payment_token_id = token
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    moves = env["account.move"].create(
        [
            {
                **invoice_values(data, journal, company, index, date.today()),
                "partner_id": sub.partner_id.id,
                "subscription_id": sub.id,
            }
            for index, sub in enumerate(subs)
        ]
    )
    moves.action_post()
    # Whole seconds, as the charging job's clock (fields.Datetime.now()):
    # an attempt due later in the same second would wait for the next run.
    now = env.cr.now().replace(microsecond=0)
    for sub, move in zip(subs, moves, strict=True):
        sub._schedule_payment_attempt(move, now, trigger=False)
    env.cr.commit()
    env.invalidate_all()
    return moves


def bench_charge_loop(env, data, company, provider, subscription_ids, sizes, delay, helpers):
    """Charge ``len(subscription_ids) // len(sizes)`` invoices per pool size
    (see the module doc). ``helpers``: bench_billing's ``run_cron``,
    ``Phase`` and ``invoice_values`` (a floor invoice's values)."""
    run_cron, Phase, invoice_values = helpers
    fake_stripe = _fake_stripe()
    logging.getLogger("stripe").setLevel(logging.WARNING)  # a line per request otherwise
    ICP = env["ir.config_parameter"].sudo()
    company.write(
        {
            "subscription_stripe_enabled": True,
            "subscription_stripe_secret_key": "sk_test_subscription_suite_bench",
            "subscription_charge_rate_limit": 0,
        }
    )
    per_size = len(subscription_ids) // len(sizes)
    Attempt = env["subscription.payment.attempt"]
    speeds = {}
    # One fake Stripe for every pool size: its PaymentIntent ids are unique
    # only within one server, and the payments' memos are those ids.
    with fake_stripe.FakeStripe(delay=delay) as server:
        ICP.set_param("subscription_billing.stripe_api_base", server.url)
        for number, size in enumerate(sizes):
            ids = subscription_ids[number * per_size : (number + 1) * per_size]
            moves = _prepare(env, data, company, provider, ids, invoice_values)
            company.subscription_charge_concurrency = size
            env.cr.commit()
            created_before = server.created
            calls = []
            t0 = time.perf_counter()
            with Phase(f"charge_loop_size{size}") as phase:
                run_cron(env, Attempt._cron_process_attempts, calls)
            seconds = time.perf_counter() - t0
            _check(env, moves, server.created - created_before, per_size, size)
            speeds[size] = per_size / seconds
            result(f"charge_loop_size{size}_seconds", round(seconds, 2))
            result(f"charge_loop_size{size}_charges_per_second", round(speeds[size], 2))
            result(f"charge_loop_size{size}_queries_per_charge", round(phase.queries / per_size, 1))
    ICP.set_param("subscription_billing.stripe_api_base", False)
    company.subscription_stripe_enabled = False
    env.cr.commit()
    if 1 in speeds:
        for size, speed in speeds.items():
            if size != 1:
                result(f"charge_loop_speedup_{size}_vs_1", round(speed / speeds[1], 2))


def _check(env, moves, created, per_size, size):
    """Every invoice of the run paid, one PaymentIntent each."""
    env.invalidate_all()
    env.cr.execute(
        "SELECT count(*) FROM account_move WHERE id = ANY(%s) "
        "AND payment_state IN ('paid', 'in_payment')",
        [moves.ids],
    )
    paid = env.cr.fetchone()[0]
    if not paid == created == per_size:
        raise SystemExit(f"charge loop, pool {size}: {paid} paid, {created} intents of {per_size}")
