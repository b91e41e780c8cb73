# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
from datetime import date, datetime, time, timedelta

from odoo.tests import HttpCase, freeze_time, tagged

from odoo.addons.subscription_billing.tests.common import BillingCommon

# Waits for the dashboard's spreadsheet model and its data, then compares
# the evaluated KPI cells of the Data sheet (which the scorecards show) and
# the cohort triangles of the Dashboard sheet with what the models compute.
CHECK_DASHBOARD = """
const expected = %(expected)s;
const deadline = Date.now() + 45000;
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
function cellAt(model, sheetId, col, row) {
    return model.getters.getEvaluatedCell({ sheetId, col, row });
}
function differs(shown, wanted) {
    if (typeof wanted === "number") {
        return typeof shown !== "number" || Math.abs(shown - wanted) > 0.005;
    }
    return shown !== wanted;
}
function read(model) {
    const data = model.getters.getSheetIdByName("Data");
    const board = model.getters.getSheetIdByName("Dashboard");
    const shown = { kpis: {}, triangles: {} };
    for (const ref of Object.keys(expected.kpis)) {
        shown.kpis[ref] = cellAt(model, data, 1, parseInt(ref.slice(1)) - 1).value;
    }
    for (const [ref, triangle] of Object.entries(expected.triangles)) {
        const top = parseInt(ref.slice(1)) - 1;
        const ages = triangle.ages.map((age, i) => cellAt(model, board, i + 1, top).value);
        // Two header rows (months since start, then the measure).
        const rows = triangle.rows.map((values, r) =>
            values.map((value, i) => cellAt(model, board, i + 1, top + 2 + r).value)
        );
        const after = cellAt(model, board, 0, top + 2 + triangle.rows.length).value;
        shown.triangles[ref] = { ages, rows, after };
    }
    return shown;
}
function loading(shown) {
    const values = Object.values(shown.kpis);
    for (const triangle of Object.values(shown.triangles)) {
        values.push(...triangle.ages, ...triangle.rows.flat());
    }
    return values.some((value) => value === "Loading...");
}
function mismatches(shown) {
    const wrong = [];
    for (const [ref, value] of Object.entries(expected.kpis)) {
        if (differs(shown.kpis[ref], value)) {
            wrong.push(ref);
        }
    }
    for (const [ref, triangle] of Object.entries(expected.triangles)) {
        const got = shown.triangles[ref];
        triangle.ages.forEach((age, i) => {
            if (differs(got.ages[i], age)) {
                wrong.push(`${ref} age ${i}`);
            }
        });
        triangle.rows.forEach((values, r) => values.forEach((value, i) => {
            if (differs(got.rows[r][i], value)) {
                wrong.push(`${ref} ${r},${i}`);
            }
        }));
        if (got.after !== "" && got.after !== null) {
            wrong.push(`${ref}: more cohorts than expected`);
        }
    }
    return wrong;
}
const timer = setInterval(() => {
    const model = findModel(odoo.__WOWL_DEBUG__.root.__owl__);
    if (model && document.querySelector(".o_renderer .o-spreadsheet .o-figure")) {
        const shown = read(model);
        if (!loading(shown)) {
            const wrong = mismatches(shown);
            if (!wrong.length) {
                clearInterval(timer);
                console.log("test successful");
                return;
            }
            if (Date.now() > deadline) {
                clearInterval(timer);
                console.error("the dashboard differs from the models: "
                    + JSON.stringify({ wrong, shown, expected }));
                return;
            }
        }
    }
    if (Date.now() > deadline) {
        clearInterval(timer);
        console.error("the dashboard did not load its data");
    }
}, 250);
"""


@tagged("post_install", "-at_install")
class TestDashboardKpisTour(BillingCommon, HttpCase):
    """The dashboard, opened in headless Chromium, shows in every KPI cell
    the figure the models compute (``get_kpis``, or the ``read_group`` of the
    report that feeds the cell with the dashboard's default filters: the
    last 365 days), and the cohort report's numbers in its triangles. The
    history is dated relative to today, as the dashboard's period is."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = date.today()
        cls.start = cls.today - timedelta(days=364)  # the period filter's first day

    def setUp(self):
        super().setUp()
        patcher = self._declines_as("insufficient_funds")
        patcher.start()
        self.addCleanup(patcher.stop)

    def _ago(self, days):
        return self.today - timedelta(days=days)

    def _started(self, days_ago, partner):
        return self._started_subscription(on=self._ago(days_ago), partner=partner)

    def _history(self):
        """Every kind of figure the dashboard shows: a failed charge
        recovered on a later attempt, posted invoices, a voluntary churn won
        back, a save, a scheduled cancellation (at risk), NPS answers."""
        Partner = self.env["res.partner"]
        token = self._create_token(self.customer, "error")
        recovered = self._billed_subscription(on=self._ago(30), token=token)
        self._process_attempts(f"{self._ago(30)} 10:00:00")
        for offset in range(29, 21, -1):
            if offset == 25:
                token.sudo().demo_simulated_state = "done"
            self._dunning(self._ago(offset))
            self._process_attempts(f"{self._ago(offset)} 12:00:00")
        self.assertEqual(recovered.state, "active")
        at_risk = self._started(45, self.other_customer)
        saved = self._started(45, Partner.create({"name": "Dashboard saved customer"}))
        won_back = self._started(80, Partner.create({"name": "Dashboard won-back customer"}))
        with freeze_time(self._ago(40)):
            won_back.action_cancel(self.reason.id, at_period_end=False)
        self.env["subscription.engagement.log"].sudo().create(
            {
                "subscription_id": won_back.id,
                "company_id": won_back.company_id.id,
                "occasion": "winback",
                "period_key": str(self._ago(40)),
                "date": datetime.combine(self._ago(35), time(9)),
            }
        )
        with freeze_time(self._ago(30)):
            won_back.action_reactivate()
        offer = (
            self.env["subscription.retention.offer"]
            .sudo()
            .create(
                {
                    "name": "Dashboard test discount",
                    "kind": "discount",
                    "discount_percent": 10,
                    "discount_periods": 1,
                }
            )
        )
        with freeze_time(self._ago(10)):
            saved._apply_retention_offer(offer, reason=self.reason)
        with freeze_time(self._ago(5)):
            at_risk.action_cancel(self.reason.id, at_period_end=True)
        asked = datetime.combine(self._ago(7), time(10))
        for sub, score in ((recovered, 9), (saved, 10), (at_risk, 3), (won_back, None)):
            answer = (
                self.env["survey.user_input"]
                .sudo()
                .create(
                    {
                        "survey_id": self.env.ref("subscription_engagement.survey_nps").id,
                        "partner_id": sub.partner_id.id,
                        "subscription_id": sub.id,
                        "subscription_scored": score is not None,
                        "subscription_score": score or 0,
                    }
                )
            )
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE survey_user_input SET create_date = %s, end_datetime = %s WHERE id = %s",
                [asked, asked if score is not None else None, answer.id],
            )

    def _pivot_value(self, model, measure, date_field=None, domain=()):
        """The grand total of a dashboard pivot: ``read_group`` of the
        report over the period (as the reader sees it)."""
        domain = list(domain)
        if date_field:
            domain += [(date_field, ">=", self.start), (date_field, "<=", self.today)]
        name, aggregator = measure.split(":")
        value = self.env[model].read_group(domain, [measure], [])[0][name]
        self.assertTrue(value, f"{model}.{name} should not be empty in this test")
        return value

    def _expected_kpis(self):
        kpis = self.env["subscription.metrics"].get_kpis(self.start, self.today)
        moves = kpis["movements"]
        retention = "subscription.retention.report"
        expected = {
            "B2": kpis["mrr"],
            "B3": kpis["arr"],
            "B4": kpis["customers"],
            "B5": kpis["arpu"],
            "B6": kpis["net_new_mrr"],
            "B7": moves["churn_voluntary"] + moves["churn_involuntary"],
            "B8": self._pivot_value(retention, "nrr:avg", "month_date"),
            "B9": self._pivot_value(retention, "grr:avg", "month_date"),
            "B10": self._pivot_value(retention, "logo_churn_rate:avg", "month_date"),
            "B11": self._pivot_value(retention, "revenue_churn_rate:avg", "month_date"),
            "B12": self._pivot_value(retention, "ltv:avg", "month_date"),
            "B13": self._pivot_value("subscription.dunning.report", "recovery:avg", "date"),
            "B14": self._pivot_value("subscription.dunning.report", "recovered_mrr:sum", "date"),
            "B15": self._pivot_value("subscription.invoiced.revenue.report", "amount:sum", "date"),
            "B16": self._pivot_value(
                "subscription.metric.health",
                "mrr:sum",
                domain=[("band", "in", ["critical", "at_risk"])],
            ),
            "B17": self._pivot_value("subscription.nps.report", "nps:avg", "answered_on"),
            "B18": self._pivot_value("subscription.save.report", "save_rate:avg", "date"),
            "B19": self._pivot_value("subscription.winback.report", "winback_rate:avg", "date"),
        }
        # The report figures agree with get_kpis where both exist.
        engagement = kpis["engagement"]
        self.assertAlmostEqual(expected["B17"], engagement["nps"])
        self.assertAlmostEqual(expected["B18"], engagement["save_rate"])
        self.assertAlmostEqual(expected["B19"], engagement["winback_rate"])
        self.assertLess(expected["B7"], 0)  # the voluntary churn
        self.assertEqual(expected["B13"], 100.0)  # two failures, then a success
        return expected

    def _expected_triangle(self, measure):
        """Months of life and one row per cohort (oldest first) of the cohort report's
        pivot over the period: ``""`` where a cohort has no row that month."""
        groups = self.env["subscription.cohort.report"].read_group(
            [("cohort_date", ">=", self.start), ("cohort_date", "<=", self.today)],
            [f"{measure}:sum"],
            ["cohort_date:month", "month_number"],
            lazy=False,
        )
        cells = {
            (g["__range"]["cohort_date:month"]["from"], g["month_number"]): g[measure]
            for g in groups
        }
        cohorts = sorted({cohort for cohort, _age in cells})
        ages = sorted({age for _cohort, age in cells})
        rows = [[cells.get((cohort, age), "") for age in ages] for cohort in cohorts]
        return {"ages": ages, "rows": rows}

    def test_dashboard_shows_the_kpis_and_the_cohorts(self):
        self._history()
        with freeze_time(self.today):
            self.env["subscription.metric.snapshot"]._cron_build_snapshots()
            expected = {
                "kpis": self._expected_kpis(),
                "triangles": {
                    "A87": self._expected_triangle("retained_count"),
                    "A127": self._expected_triangle("mrr"),
                },
            }
        customers = expected["triangles"]["A87"]
        self.assertGreaterEqual(len(customers["rows"]), 1)
        self.assertIn(2, customers["ages"])  # at least one cohort a month old
        action = self.env.ref("subscription_reports.subscription_dashboard_action")
        self.browser_js(
            f"/odoo/action-{action.id}",
            CHECK_DASHBOARD % {"expected": json.dumps(expected)},
            ready="odoo.isReady",
            login="accountman",
            timeout=90,
        )
