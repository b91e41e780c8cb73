# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Server time of the pages staff and customers open (not a test: ``bin/bench``).

On a database with every suite addon installed (without demo data), it seeds
N subscriptions in SQL (``bench_core.seed``) plus 50 for one portal customer
(started through the ORM, with their invoices), then measures the server
time of each page through Odoo's real HTTP stack (werkzeug test client,
logged-in sessions), after one warm-up request (assets and caches built:
"after the first load"):

* portal: ``/my``, ``/my/subscriptions``, a subscription page, its change
  page, ``/my/invoices`` and an invoice with its *Pay Now* form;
* staff (JSON-RPC as the web client calls it): the subscription list
  (``web_search_read`` of 80 rows with the list view's fields), a
  subscription form (``web_read`` with the form's fields), the customer's
  partner form, and the Settings page (``onchange`` of a new
  ``res.config.settings`` with the form's fields).

Each measure is printed as ``RESULT page_<name>_ms <median>``.

    python tests/benchmarks/bench_pages.py -c odoo.conf -d DB --count 100000
"""

import argparse
import json
import sys
import time

from bench_core import http_login, result, seed
from bench_engagement import column_defaults

ROUNDS = 15


def timed(name, call, rounds=ROUNDS):
    call()  # warm-up: the first load builds assets and caches
    timings = []
    for _i in range(rounds):
        t0 = time.perf_counter()
        call()
        timings.append(time.perf_counter() - t0)
    timings.sort()
    result(f"page_{name}_ms", round(timings[len(timings) // 2] * 1000, 1))


def get(client, url):
    def call():
        response = client.get(url, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return response

    return call


def rpc(client, model, method, *args, **kwargs):
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
    }

    def call():
        response = client.post(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(payload),
            content_type="application/json",
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        body = response.get_json()
        if response.status_code != 200 or "error" in body:
            raise SystemExit(f"{model}.{method} failed: {body.get('error')}")
        return body["result"]

    return call


def view_spec(env, model, view_type):
    views = env[model].get_views([(False, view_type)])
    fields = views["models"][model]["fields"]
    spec = {}
    for name, desc in fields.items():
        spec[name] = (
            {"fields": {"display_name": {}}}
            if desc["type"]
            in (
                "many2one",
                "one2many",
                "many2many",
            )
            else {}
        )
    return spec


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--count", type=int, default=10000)
    args, _unknown = parser.parse_known_args()

    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo.tools.config["log_level"] = "warn"
    odoo.netsvc.init_logger()
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        t0 = time.perf_counter()
        column_defaults(env)
        portal_user, portal_partner = seed(env, args.count, portal_subs=50)
        env["res.users"].browse(2).password = "bench_admin_pw"
        sub = portal_partner.subscription_ids[:1]
        list_spec = view_spec(env, "subscription.subscription", "list")
        form_spec = view_spec(env, "subscription.subscription", "form")
        partner_spec = view_spec(env, "res.partner", "form")
        settings_spec = view_spec(env, "res.config.settings", "form")
        cr.commit()
        print(
            f"seeded {args.count} subscriptions in {time.perf_counter() - t0:.1f}s", file=sys.stderr
        )
        result("pages_subscriptions", env["subscription.subscription"].search_count([]))
        invoice = portal_partner.subscription_ids.invoice_ids[:1]
        invoice._portal_ensure_token()
        cr.commit()
        portal_login, sub_id, partner_id = portal_user.login, sub.id, portal_partner.id
        invoice_id = invoice.id

    from werkzeug.test import Client

    import odoo.http

    portal = Client(odoo.http.root)
    http_login(portal, args.database, portal_login, "bench_portal_pw")
    timed("portal_home", get(portal, "/my"))
    timed("portal_subscriptions", get(portal, "/my/subscriptions"))
    timed("portal_subscription", get(portal, f"/my/subscriptions/{sub_id}"))
    timed("portal_change", get(portal, f"/my/subscriptions/{sub_id}/change"))
    timed("portal_invoices", get(portal, "/my/invoices"))
    if invoice_id:  # the invoice page with its Pay Now form
        timed("portal_invoice", get(portal, f"/my/invoices/{invoice_id}"))

    staff = Client(odoo.http.root)
    http_login(staff, args.database, "admin", "bench_admin_pw")
    timed("staff_webclient", get(staff, "/odoo"))
    timed(
        "staff_subscription_list",
        rpc(staff, "subscription.subscription", "web_search_read", [], list_spec, limit=80),
    )
    timed(
        "staff_subscription_form",
        rpc(staff, "subscription.subscription", "web_read", [sub_id], form_spec),
    )
    timed("staff_partner_form", rpc(staff, "res.partner", "web_read", [partner_id], partner_spec))
    timed(
        "staff_settings", rpc(staff, "res.config.settings", "onchange", [], {}, [], settings_spec)
    )


if __name__ == "__main__":
    main()
