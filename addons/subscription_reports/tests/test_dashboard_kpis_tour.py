# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
from datetime import date, timedelta

from odoo.tests import HttpCase, freeze_time, tagged

from odoo.addons.subscription_core.tests.common import SubscriptionCommon

# Waits for the dashboard's spreadsheet model, then compares the evaluated
# KPI cells of the Data sheet (which the scorecards show) with EXPECTED;
# the other KPI cells (rows 13-19: dunning, revenue, health, NPS, save
# rate, win-back rate) must evaluate without an error.
CHECK_KPIS = """
const expected = %(expected)s;
const deadline = Date.now() + 30000;
function findModel(node) {
    const dashboard = node.component && node.component.state
        && node.component.state.activeDashboard;
    if (dashboard && dashboard.model) {
        return dashboard.model;
    }
    for (const child of Object.values(node.children || {})) {
        const model = findModel(child);
        if (model) {
            return model;
        }
    }
    return null;
}
const timer = setInterval(() => {
    const model = findModel(odoo.__WOWL_DEBUG__.root.__owl__);
    if (model && document.querySelector(".o_renderer .o-spreadsheet .o-figure")) {
        const sheetId = model.getters.getSheetIdByName("Data");
        const shown = {};
        for (const [ref, value] of Object.entries(expected)) {
            const row = parseInt(ref.slice(1)) - 1;
            shown[ref] = model.getters.getEvaluatedCell({ sheetId, col: 1, row }).value;
        }
        const others = [13, 14, 15, 16, 17, 18, 19].map(
            (row) => model.getters.getEvaluatedCell({ sheetId, col: 1, row: row - 1 })
        );
        const loaded = others.every((cell) => cell.value !== "Loading...");
        if (loaded && Object.values(shown).every((value) => typeof value === "number")) {
            clearInterval(timer);
            const broken = others.filter((cell) => cell.type === "error");
            if (broken.length) {
                console.error("dashboard KPI errors: " + JSON.stringify(broken));
                return;
            }
            const wrong = Object.keys(expected).filter(
                (ref) => Math.abs(shown[ref] - expected[ref]) > 0.005
            );
            if (wrong.length) {
                console.error("dashboard KPIs differ: " + JSON.stringify({ shown, expected }));
            } else {
                console.log("test successful");
            }
            return;
        }
    }
    if (Date.now() > deadline) {
        clearInterval(timer);
        console.error("the dashboard KPIs did not load");
    }
}, 200);
"""


@tagged("post_install", "-at_install")
class TestDashboardKpisTour(SubscriptionCommon, HttpCase):
    """The dashboard, opened in headless Chromium, shows the figures that
    ``get_kpis`` (checked by the reconciliation tests) returns."""

    def test_dashboard_shows_the_kpis(self):
        today = date.today()
        Sub = self.env["subscription.subscription"]
        for partner, mrr in ((self.customer, 10.0), (self.other_customer, 25.5)):
            sub = Sub.create(
                {
                    "partner_id": partner.id,
                    "tier_id": self.tier_basic.id,
                    "cycle_id": self.monthly.id,
                }
            )
            self.env["subscription.event"].sudo().create(
                {
                    "subscription_id": sub.id,
                    "event_type": "activated",
                    "effective_date": today - timedelta(days=3),
                    "mrr_before": 0.0,
                    "mrr_after": mrr,
                }
            )
        with freeze_time(today):
            self.env["subscription.metric.snapshot"]._cron_build_snapshots()
            kpis = self.env["subscription.metrics"].get_kpis(today - timedelta(days=364), today)
        self.assertEqual(kpis["mrr"], 35.5)
        expected = {
            "B2": kpis["mrr"],
            "B3": kpis["arr"],
            "B4": kpis["customers"],
            "B6": kpis["net_new_mrr"],
        }
        action = self.env.ref("subscription_reports.subscription_dashboard_action")
        self.browser_js(
            f"/odoo/action-{action.id}",
            CHECK_KPIS % {"expected": json.dumps(expected)},
            ready="odoo.isReady",
            login="admin",
            timeout=60,
        )
