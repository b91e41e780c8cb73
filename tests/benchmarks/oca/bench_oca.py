# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Draft invoice generation of one period by an OCA addon (not a test).

Run by ``bench_billing.py`` in a database of its own where ``contract`` or
``subscription_oca`` (18.0, from PyPI, see ``oca_addons.py``) is installed:
it seeds ``--count`` items on the same data as the suite's benchmark (one
customer per 10 items, one service product at 10.00 with the company's
sales tax, monthly, one period due today), then runs the addon's own
scheduled action once, as the cron runner would, and prints
``RESULT oca_<kind>_<name> <value>`` lines.

    python tests/benchmarks/oca/bench_oca.py -c odoo.conf -d DB \
        --addons-path <odoo addons>,<oca addons> --kind contract --count 2000
"""

import argparse
import sys
import time
from datetime import date, timedelta

BATCH = 500


def result(name, value):
    print(f"RESULT {name} {value}", flush=True)


def query_count():
    import odoo.sql_db

    return odoo.sql_db.sql_counter


def ensure_chart(env):
    company = env.company
    if not company.chart_template:
        env["account.chart.template"].try_loading(
            "generic_coa", company=company, install_demo=False
        )
        env.cr.commit()


def seed_common(env, count):
    """Customers (one per 10 items) and the product, like bench_billing.seed."""
    company = env.company
    tax = company.account_sale_tax_id
    product = env["product.product"].create(
        {"name": "Bench tier", "type": "service", "list_price": 10.0, "taxes_id": [(6, 0, tax.ids)]}
    )
    Partner = env["res.partner"].with_context(tracking_disable=True)
    partner_ids = []
    npartners = max(count // 10, 1)
    for offset in range(0, npartners, 2000):
        chunk = range(offset, min(offset + 2000, npartners))
        partner_ids += Partner.create(
            [{"name": f"Bench customer {i}", "is_company": True} for i in chunk]
        ).ids
        env.cr.commit()
        env.invalidate_all()
    return product, partner_ids


def seed_subscription_oca(env, count, product, partner_ids, start):
    template = env["sale.subscription.template"].create(
        {
            "name": "Bench monthly",
            "code": "BENCH",
            "recurring_interval": 1,
            "recurring_rule_type": "months",
            "recurring_rule_boundary": "unlimited",
            "invoicing_mode": "draft",
        }
    )
    pricelist = env["product.pricelist"].search(
        [("currency_id", "=", env.company.currency_id.id)], limit=1
    )
    if not pricelist:
        pricelist = env["product.pricelist"].create({"name": "Bench"})
    in_progress = env.ref("subscription_oca.subscription_stage_in_progress")
    Sub = env["sale.subscription"].with_context(
        tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
    )
    today = date.today()
    for offset in range(0, count, BATCH):
        subs = Sub.create(
            [
                {
                    "template_id": template.id,
                    "partner_id": partner_ids[i % len(partner_ids)],
                    "pricelist_id": pricelist.id,
                    "date_start": start,
                    "recurring_next_date": today,
                    "sale_subscription_line_ids": [
                        (
                            0,
                            0,
                            {"product_id": product.id, "product_uom_qty": 1.0, "price_unit": 10.0},
                        )
                    ],
                }
                for i in range(offset, min(offset + BATCH, count))
            ]
        )
        # Moving to the 'in progress' stage is how the addon starts them
        # (write() sets in_progress and the next invoice date to today).
        subs.write({"stage_id": in_progress.id})
        env.cr.commit()
        env.invalidate_all()
    due = env["sale.subscription"].search_count(
        [("in_progress", "=", True), ("recurring_next_date", "<=", today)]
    )
    if due != count:
        raise SystemExit(f"subscription_oca: {due} of {count} subscriptions due")


def run_subscription_oca(env):
    env["sale.subscription"].cron_subscription_management()


def seed_contract(env, count, product, partner_ids, start):
    Contract = env["contract.contract"].with_context(
        tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
    )
    today = date.today()
    for offset in range(0, count, BATCH):
        contracts = Contract.create(
            [
                {
                    "name": f"Bench contract {i}",
                    "partner_id": partner_ids[i % len(partner_ids)],
                    "contract_type": "sale",
                    "line_recurrence": False,
                    "recurring_rule_type": "monthly",
                    "recurring_interval": 1,
                    "recurring_invoicing_type": "pre-paid",
                    "date_start": start,
                    "contract_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": product.id,
                                "name": "Bench tier",
                                "quantity": 1.0,
                                "uom_id": product.uom_id.id,
                                "automatic_price": False,
                                "price_unit": 10.0,
                            },
                        )
                    ],
                }
                for i in range(offset, min(offset + BATCH, count))
            ]
        )
        # The period before today is invoiced: the next one is due today.
        contracts.contract_line_ids.write({"last_date_invoiced": today - timedelta(days=1)})
        env.cr.commit()
        env.invalidate_all()
    due = env["contract.contract"].search_count([("recurring_next_date", "<=", today)])
    if due != count:
        raise SystemExit(f"contract: {due} of {count} contracts due")


def run_contract(env):
    env["contract.contract"].cron_recurring_create_invoice()


KINDS = {
    "subscription_oca": (seed_subscription_oca, run_subscription_oca),
    "contract": (seed_contract, run_contract),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--kind", choices=sorted(KINDS), required=True)
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()

    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "--addons-path", args.addons_path]
    )
    odoo.tools.config["log_level"] = "warn"
    odoo.netsvc.init_logger()
    registry = odoo.modules.registry.Registry(args.database)
    seed, run = KINDS[args.kind]
    prefix = f"oca_{args.kind}"
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        ensure_chart(env)
        t0 = time.perf_counter()
        product, partner_ids = seed_common(env, args.count)
        start = date.today() - timedelta(days=30)
        seed(env, args.count, product, partner_ids, start)
        seconds = time.perf_counter() - t0
        print(f"{args.kind}: seeded {args.count} in {seconds:.1f}s", file=sys.stderr)
        Move = env["account.move"]
        moves_before = Move.search_count([("move_type", "=", "out_invoice")])
        env.invalidate_all()
        queries_before = query_count()
        started = time.perf_counter()
        run(env)
        cr.commit()  # the cron runner commits after the call
        elapsed = time.perf_counter() - started
        queries = query_count() - queries_before
        created = Move.search_count([("move_type", "=", "out_invoice")]) - moves_before
        drafts = Move.search_count([("move_type", "=", "out_invoice"), ("state", "=", "draft")])
        if created != args.count or drafts < created:
            raise SystemExit(
                f"{args.kind}: {created} draft invoices created for {args.count} items"
            )
        result(f"{prefix}_count", args.count)
        result(f"{prefix}_seconds", round(elapsed, 2))
        result(f"{prefix}_invoices_per_second", round(args.count / elapsed, 1))
        result(f"{prefix}_queries_per_invoice", round(queries / args.count, 1))


if __name__ == "__main__":
    main()
