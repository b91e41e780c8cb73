# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import json
from datetime import date

from odoo.tests import HttpCase, freeze_time, tagged

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
