# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import json
from datetime import date

from odoo.tests import HttpCase, freeze_time, tagged
from odoo.tests.common import JsonRpcException, new_test_user
from odoo.tools import mute_logger

from odoo.addons.subscription_core.tests.common import SubscriptionCommon

# Waits for the dashboard's spreadsheet, fails on a loading error.
WAIT_FOR_DASHBOARD = """
const deadline = Date.now() + 30000;
const timer = setInterval(() => {
    if (document.querySelector(".dashboard-loading-status.error")) {
        clearInterval(timer);
        console.error("the subscription dashboard failed to load");
    } else if (document.querySelector(".o_renderer .o-spreadsheet .o-figure")) {
        clearInterval(timer);
        console.log("test successful");
    } else if (Date.now() > deadline) {
        clearInterval(timer);
        console.error("the subscription dashboard did not show up");
    }
}, 200);
"""


@tagged("post_install", "-at_install")
class TestDashboard(SubscriptionCommon, HttpCase):
    """The spreadsheet dashboard shipped as data."""

    def _dashboard(self):
        return self.env.ref("subscription_reports.spreadsheet_dashboard_subscriptions")

    def test_dashboard_data_names_existing_fields(self):
        dashboard = self._dashboard()
        self.assertEqual(dashboard.dashboard_group_id.name, "Subscriptions")
        data = json.loads(base64.b64decode(dashboard.spreadsheet_binary_data))
        sources = list(data["pivots"].values()) + list(data["lists"].values())
        for figure in data["sheets"][0]["figures"]:
            if figure["data"]["type"].startswith("odoo_"):
                meta = figure["data"]["metaData"]
                sources.append(
                    {
                        "model": meta["resModel"],
                        "measures": [{"fieldName": meta["measure"]}],
                        "rows": [{"fieldName": g.split(":")[0]} for g in meta["groupBy"]],
                        "fieldMatching": figure["data"]["fieldMatching"],
                    }
                )
        filters = {f["id"] for f in data["globalFilters"]}
        for source in sources:
            fields = self.env[source["model"]]._fields
            if "orderBy" in source:  # a list: its columns are field names
                names = list(source["columns"])
            else:
                groups = source.get("rows", []) + source.get("columns", [])
                names = [m["fieldName"] for m in source["measures"] + groups]
            names += [m["chain"] for m in source["fieldMatching"].values()]
            for name in names:
                self.assertIn(name, fields, f"{source['model']}.{name}")
            self.assertLessEqual(set(source["fieldMatching"]), filters)

    def _call(self, model, method, *args):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": {}},
        )

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_model")
    def test_reports_over_json_rpc(self):
        sub = self.env["subscription.subscription"].create(
            {
                "partner_id": self.customer.id,
                "tier_id": self.tier_basic.id,
                "cycle_id": self.monthly.id,
            }
        )
        self.env["subscription.event"].sudo().create(
            {
                "subscription_id": sub.id,
                "event_type": "activated",
                "effective_date": "2026-02-01",
                "mrr_before": 0.0,
                "mrr_after": 25.0,
            }
        )
        new_test_user(
            self.env,
            login="rpc_reader",
            password="rpc_reader_password",
            groups="base.group_user,subscription_reports.group_subscription_reports_reader",
        )
        self.authenticate("rpc_reader", "rpc_reader_password")
        kpis = self._call("subscription.metrics", "get_kpis", "2026-02-01", "2026-02-28")
        self.assertEqual(kpis["mrr"], 25.0)
        self.assertEqual(kpis["movements"]["new"], 25.0)
        moves = self._call(
            "subscription.mrr.movement.report", "search_read", [], ["kind", "amount"]
        )
        self.assertIn({"id": moves[0]["id"], "kind": "new", "amount": 25.0}, moves)
        # A customer's portal user gets nothing, not even its own movements.
        self.authenticate("portal_a", "portal_a_password")
        for model, method, args in (
            ("subscription.metrics", "get_kpis", ("2026-02-01", "2026-02-28")),
            ("subscription.mrr.movement.report", "search_read", ([], ["kind"])),
            ("subscription.metric.snapshot", "search_read", ([], ["mrr"])),
        ):
            with self.assertRaises(JsonRpcException, msg=f"{model}.{method}") as error:
                self._call(model, method, *args)
            self.assertEqual(str(error.exception), "odoo.exceptions.AccessError")

    def test_dashboard_loads_in_the_browser(self):
        Sub = self.env["subscription.subscription"]
        sub = Sub.create(
            {
                "partner_id": self.customer.id,
                "tier_id": self.tier_basic.id,
                "cycle_id": self.monthly.id,
            }
        )
        self.env["subscription.event"].sudo().create(
            {
                "subscription_id": sub.id,
                "event_type": "activated",
                "effective_date": date.today(),
                "mrr_before": 0.0,
                "mrr_after": 10.0,
            }
        )
        with freeze_time(date.today()):
            self.env["subscription.metric.snapshot"]._cron_build_snapshots()
        action = self.env.ref("subscription_reports.subscription_dashboard_action")
        self.browser_js(
            f"/odoo/action-{action.id}",
            WAIT_FOR_DASHBOARD,
            ready="odoo.isReady",
            login="admin",
            timeout=60,
        )

    def test_sample_dashboard_until_there_is_data(self):
        """A database without movements shows the sample dashboard (static
        figures, as Odoo's own dashboards do), in the browser too; the real
        one as soon as there is a movement."""
        dashboard = self._dashboard()
        self.assertFalse(self.env["subscription.mrr.movement.report"].search_count([]))
        shown = dashboard.get_readonly_dashboard()
        self.assertTrue(shown["is_sample"])
        sample = shown["snapshot"]
        self.assertFalse(sample["pivots"] or sample["lists"] or sample["globalFilters"])
        real = json.loads(base64.b64decode(dashboard.spreadsheet_binary_data))
        self.assertEqual([s["name"] for s in sample["sheets"]], [s["name"] for s in real["sheets"]])
        self.assertEqual(len(sample["sheets"][0]["figures"]), len(real["sheets"][0]["figures"]))
        action = self.env.ref("subscription_reports.subscription_dashboard_action")
        self.browser_js(
            f"/odoo/action-{action.id}",
            WAIT_FOR_DASHBOARD,
            ready="odoo.isReady",
            login="admin",
            timeout=60,
        )
        sub = self.env["subscription.subscription"].create(
            {
                "partner_id": self.customer.id,
                "tier_id": self.tier_basic.id,
                "cycle_id": self.monthly.id,
            }
        )
        self.env["subscription.event"].sudo().create(
            {
                "subscription_id": sub.id,
                "event_type": "activated",
                "effective_date": "2026-02-01",
                "mrr_before": 0.0,
                "mrr_after": 25.0,
            }
        )
        with freeze_time("2026-02-02"):
            self.env["subscription.metric.snapshot"]._cron_build_snapshots()
        self.assertNotIn("is_sample", dashboard.get_readonly_dashboard())
