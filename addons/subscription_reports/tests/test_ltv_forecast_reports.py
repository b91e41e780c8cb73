# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, freeze_time, tagged
from odoo.tests.common import JsonRpcException, new_test_user
from odoo.tools import SQL, mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from ..tools import aggregates, metrics
from .common import AS_OF, ReportsHistoryCommon

READER_GROUPS = "base.group_user,subscription_reports.group_subscription_reports_reader"
# A known history (see tests/unit/test_ltv_forecast_counts.py): 40 customers
# started on 1 January 2025 at 10 a month; 10 churned on 20 January, 30 are
# active on 15 January 2026 (12 whole months): the expected lifetime is 37
# months, a customer 12 months old still pays 36 more.
DAY = date(2026, 1, 15)
START = date(2025, 1, 1)


def _seed_known_history(env, company, partners):
    """Customer months of the known history for ``partners`` (40) in
    ``company``, and its forecasts as of DAY."""
    env.cr.execute(
        SQL(
            """
            INSERT INTO subscription_metric_customer_month (
                company_id, partner_id, month_date, cohort_date, start_date, start_mrr,
                churn_date, mrr_end, mrr_start, mrr_start_12)
            SELECT %(company)s, p.id, %(month)s, %(start)s, %(start)s, 10,
                   CASE WHEN p.n <= 10 THEN %(churn)s::date END,
                   CASE WHEN p.n <= 10 THEN 0 ELSE 10 END, 0, 0
              FROM UNNEST(%(ids)s::int[]) WITH ORDINALITY AS p(id, n)
            """,
            company=company.id,
            month=DAY.replace(day=1),
            start=START,
            churn=date(2025, 1, 20),
            ids=partners.ids,
        )
    )
    env["subscription.ltv.forecast.report"]._build(company.id, DAY)


@tagged("post_install", "-at_install")
@freeze_time(AS_OF)
class TestLtvForecastHistory(ReportsHistoryCommon):
    """The forecasts on the generated history agree with tools/metrics.py
    and tools/aggregates.py."""

    def test_cohort_forecast_matches_the_metrics_module(self):
        rows = self._ledger_rows()
        expected = metrics.cohorts(rows, AS_OF)
        lifetimes = defaultdict(lambda: ({}, {}))
        starts = {m.customer: m.day for m in metrics.movements(rows) if m.kind == "new"}
        by_customer = dict(zip(starts, metrics.lifetimes(rows, AS_OF), strict=True))
        for customer, (months, churned) in by_customer.items():
            deaths, censored = lifetimes[starts[customer].replace(day=1)]
            cell, t = (deaths, int(months) + 1) if churned else (censored, int(months))
            cell[t] = cell.get(t, 0) + 1
        report = self.env["subscription.ltv.forecast.report"].search(
            [("company_id", "=", self.company.id)]
        )
        self.assertEqual(report.mapped("cohort_date"), sorted(expected, reverse=True))
        self.assertEqual(set(report.mapped("date")), {AS_OF})
        for line in report:
            cohort = expected[line.cohort_date]
            deaths, censored = lifetimes[line.cohort_date]
            forecast = aggregates.ltv_forecast_counts(
                deaths, censored, cohort["mrr"] / cohort["customers"], 1.0
            )
            self.assertEqual(line.customer_count, cohort["customers"])
            self.assertEqual(line.active_count, cohort["logos"][-1])
            self.assertEqual(line.churned_count, sum(deaths.values()))
            self.assertAlmostEqual(line.mrr, cohort["mrr_retained"][-1], 2)
            self.assertAlmostEqual(line.arpu, cohort["mrr"] / cohort["customers"], 2)
            self.assertEqual(line.gross_margin, 1.0)
            # Fewer than 30 customers and a single churn: no finite
            # forecast is made up.
            self.assertIsNone(forecast["ltv"])
            self.assertFalse(line.lifetime or line.ltv or line.ltv_low or line.ltv_high)
        # January's cohort: A, B (after its trial), D and E; E churned.
        january = report.filtered(lambda r: r.cohort_date == date(2026, 1, 1))
        self.assertEqual((january.customer_count, january.churned_count), (4, 1))

    def test_customer_ltv_to_date_is_the_invoiced_revenue(self):
        rows = self._ledger_rows()
        mrr = metrics.mrr_by_customer(rows, AS_OF)
        revenue = dict(
            self.env["subscription.invoiced.revenue.report"]._read_group(
                [("company_id", "=", self.company.id), ("date", "<=", AS_OF)],
                ["partner_id"],
                ["amount:sum"],
            )
        )
        report = self.env["subscription.ltv.customer.report"].search(
            [("company_id", "=", self.company.id)]
        )
        starts = {m.customer for m in metrics.movements(rows) if m.kind == "new"}
        self.assertEqual(set(report.partner_id.ids), starts)
        self.assertTrue(any(revenue.values()))
        for line in report:
            self.assertAlmostEqual(line.mrr, mrr.get(line.partner_id.id, 0.0), 2)
            self.assertAlmostEqual(line.revenue, revenue.get(line.partner_id, 0.0), 2)
            if line.mrr > 0:  # no churn model yet: unbounded, left empty
                self.assertFalse(line.ltv)
            else:  # gone: its value is what it paid (gross margin 1)
                self.assertAlmostEqual(line.ltv, line.revenue, 2)
                self.assertAlmostEqual(line.ltv_low, line.revenue, 2)

    def test_customer_forecast_counts_what_is_invoiced_ahead(self):
        """With a survival model (40 more customers as in the known history
        below), a paying customer's forecast adds only the months not yet
        invoiced: E's yearly renewal on 2 April is invoiced to April 2027."""
        partners = self.env["res.partner"].create(
            [{"name": f"Cohort 2025 customer {i}"} for i in range(40)]
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO subscription_metric_customer_month (
                    company_id, partner_id, month_date, cohort_date, start_date, start_mrr,
                    churn_date, mrr_end, mrr_start, mrr_start_12)
                SELECT %(company)s, p.id, %(month)s, %(start)s, %(start)s, 10,
                       CASE WHEN p.n <= 10 THEN %(churn)s::date END,
                       CASE WHEN p.n <= 10 THEN 0 ELSE 10 END, 0, 0
                  FROM UNNEST(%(ids)s::int[]) WITH ORDINALITY AS p(id, n)
                """,
                company=self.company.id,
                month=AS_OF.replace(day=1),
                # 11 whole months at AS_OF: the tail's window holds the churns
                start=date(2025, 5, 1),
                churn=date(2025, 5, 20),
                ids=partners.ids,
            )
        )
        self.env["subscription.ltv.forecast.report"]._build(self.company.id, AS_OF)
        deaths, censored = self.env["subscription.metric.customer.month"]._survival_counts(
            self.company.id, AS_OF
        )
        max_age = max(list(deaths) + list(censored))
        further = aggregates.further_months_counts(deaths, censored, max_age)
        revenue = dict(
            self.env["subscription.invoiced.revenue.report"]._read_group(
                [("company_id", "=", self.company.id), ("date", "<=", AS_OF)],
                ["partner_id"],
                ["amount:sum"],
            )
        )
        report = self.env["subscription.ltv.customer.report"].search(
            [("company_id", "=", self.company.id), ("partner_id", "in", self.partners.ids)]
        )
        paying = report.filtered(lambda r: r.mrr > 0)
        self.assertTrue(paying)
        for row in paying:
            subs = self.subs.filtered(
                lambda s, row=row: s.commercial_partner_id == row.partner_id and s.mrr_company > 0
            )
            ahead = sum(
                s.mrr_company * max(0, (s.current_period_end - AS_OF).days) for s in subs
            ) / (metrics.MONTH_DAYS * sum(subs.mapped("mrr_company")))
            self.assertAlmostEqual(row.prepaid_months, ahead, 4, row.partner_id.name)
            self.assertAlmostEqual(row.further_months, further[min(row.age, max_age)], 4)
            expected = aggregates.customer_ltv_forecast(
                revenue.get(row.partner_id, 0.0), row.mrr, row.further_months, ahead, 1.0
            )
            self.assertAlmostEqual(row.ltv, expected, 2, row.partner_id.name)
            self.assertLessEqual(row.ltv_low, row.ltv)
            self.assertGreaterEqual(row.ltv_high, row.ltv)
        e_row = paying.filtered(lambda r: r.partner_id == self.partners[4])
        self.assertGreater(e_row.prepaid_months, 11)
        self.assertLess(
            e_row.ltv, revenue[self.partners[4]] + e_row.mrr * (e_row.further_months + 1)
        )


@tagged("post_install", "-at_install")
class TestLtvForecastKnownHistory(TransactionCase):
    """Exact forecasts of a known survival history, per cohort, per customer
    and on the partner form; who reads them; the read's query budget."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Forecast Company"})
        cls.company_b = cls.env["res.company"].create({"name": "Forecast Company B"})
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"Forecast customer {i}", "is_company": True} for i in range(40)]
        )
        cls.env["ir.config_parameter"].sudo().set_param("subscription_reports.gross_margin", "0.8")
        _seed_known_history(cls.env, cls.company, cls.partners)
        user = {"company_id": cls.company.id, "company_ids": [(6, 0, cls.company.ids)]}
        cls.reader = mail_new_test_user(
            cls.env, login="r1_ltv_reader", name="LTV Reader", groups=READER_GROUPS, **user
        )
        cls.employee = mail_new_test_user(
            cls.env, login="r1_ltv_employee", name="LTV Employee", groups="base.group_user", **user
        )
        cls.other_reader = mail_new_test_user(
            cls.env,
            login="r1_ltv_other",
            name="LTV Other Company Reader",
            groups=READER_GROUPS,
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.portal = mail_new_test_user(
            cls.env, login="r1_ltv_portal", name="LTV Portal", groups="base.group_portal"
        )

    def test_cohort_forecast_of_a_known_history(self):
        line = self.env["subscription.ltv.forecast.report"].search(
            [("company_id", "=", self.company.id)]
        )
        self.assertEqual(len(line), 1)
        self.assertEqual(
            (line.date, line.cohort_date, line.customer_count, line.churned_count),
            (DAY, START, 40, 10),
        )
        self.assertEqual((line.active_count, line.mrr, line.arpu), (30, 300.0, 10.0))
        self.assertEqual(line.currency_id, self.company.currency_id)
        self.assertAlmostEqual(line.lifetime, 37.0, 6)
        self.assertAlmostEqual(line.ltv, 10 * 0.8 * 37, 2)
        expected = aggregates.ltv_forecast_counts({1: 10}, {12: 30}, 10.0, 0.8)
        self.assertAlmostEqual(line.ltv_low, expected["ltv_low"], 2)
        self.assertAlmostEqual(line.ltv_high, expected["ltv_high"], 2)
        self.assertLess(line.ltv_low, line.ltv)
        self.assertGreater(line.ltv_high, line.ltv)

    def test_a_new_gross_margin_rebuilds_the_forecasts(self):
        """The forecasts store the gross margin: saving another one in the
        settings re-builds them (as of each company's last built day)."""
        self.env["subscription.metric.snapshot"].sudo().create(
            {"company_id": self.company.id, "date": DAY, "dimension": "total"}
        )
        self.env["res.config.settings"].create({"subscription_gross_margin": 0.5}).execute()
        line = self.env["subscription.ltv.forecast.report"].search(
            [("company_id", "=", self.company.id)]
        )
        self.assertEqual((line.gross_margin, line.date), (0.5, DAY))
        self.assertAlmostEqual(line.ltv, 10 * 0.5 * 37, 2)
        customer = self.env["subscription.ltv.customer.report"].search(
            [("company_id", "=", self.company.id), ("partner_id", "=", self.partners[-1].id)]
        )
        self.assertAlmostEqual(customer.ltv, 0.5 * 10 * 37, 2)

    def test_customer_forecast_of_a_known_history(self):
        Report = self.env["subscription.ltv.customer.report"]
        rows = Report.search([("company_id", "=", self.company.id)])
        self.assertEqual(len(rows), 40)
        paying = rows.filtered(lambda r: r.mrr > 0)
        gone = rows - paying
        self.assertEqual((len(paying), len(gone)), (30, 10))
        further, low, high = aggregates.further_months_band_counts({1: 10}, {12: 30}, 12)[12]
        self.assertAlmostEqual(further, 36.0, 6)
        for row in paying:
            self.assertEqual((row.age, row.cohort_date, row.revenue), (12, START, 0.0))
            self.assertAlmostEqual(row.further_months, 36.0, 6)
            # Nothing invoiced ahead (no subscription): this month and the
            # 36 after it are still to be paid.
            self.assertEqual(row.prepaid_months, 0.0)
            self.assertAlmostEqual(row.ltv, 0.8 * 10 * 37, 2)
            self.assertAlmostEqual(
                row.ltv, aggregates.customer_ltv_forecast(0.0, 10.0, further, 0.0, 0.8), 2
            )
            self.assertAlmostEqual(row.ltv_low, 0.8 * 10 * (low + 1), 2)
            self.assertAlmostEqual(row.ltv_high, 0.8 * 10 * (high + 1), 2)
        # Gone customers are worth what they paid (nothing here).
        self.assertEqual(set(gone.mapped("ltv")), {0.0})
        self.assertFalse(any(gone.mapped("further_months")))
        # Rebuilding replaces the rows.
        self.env["subscription.ltv.forecast.report"]._build(self.company.id, DAY)
        self.assertEqual(Report.search_count([("company_id", "=", self.company.id)]), 40)

    def test_partner_form_metrics_per_role(self):
        partner = self.partners[-1]
        fields_ = [
            "subscription_mrr",
            "subscription_ltv_to_date",
            "subscription_ltv_forecast",
            "subscription_ltv_forecast_low",
            "subscription_ltv_forecast_high",
        ]
        values = partner.with_user(self.reader).read(fields_)[0]
        self.assertEqual(values["subscription_mrr"], 10.0)
        self.assertEqual(values["subscription_ltv_to_date"], 0.0)
        self.assertAlmostEqual(values["subscription_ltv_forecast"], 296.0, 2)
        self.assertLess(values["subscription_ltv_forecast_low"], 296.0)
        self.assertGreater(values["subscription_ltv_forecast_high"], 296.0)
        # A reader of another company sees nothing of this company's.
        other = partner.with_user(self.other_reader).with_company(self.company_b)
        self.assertEqual(other.subscription_mrr, 0.0)
        self.assertFalse(other.subscription_ltv_forecast)
        # Employees without the group and portal users cannot read them.
        for user in (self.employee, self.portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                partner.with_user(user).read(["subscription_ltv_forecast"])
        # The form shows them to readers only.
        Partner = self.env["res.partner"]
        arch = Partner.with_user(self.reader).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="subscription_ltv_forecast"', arch)
        arch = Partner.with_user(self.employee).get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertNotIn("subscription_ltv_forecast", arch)
        action = partner.with_user(self.reader).action_view_subscription_ltv()
        self.assertEqual(action["domain"], [("partner_id", "=", partner.id)])
        with self.assertRaises(AccessError):
            partner.with_user(self.employee).action_view_subscription_ltv()

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_reports_per_role(self):
        for model in ("subscription.ltv.forecast.report", "subscription.ltv.customer.report"):
            with self.subTest(model=model):
                Report = self.env[model]
                self.assertTrue(Report.with_user(self.reader).search_count([]))
                self.assertFalse(Report.with_user(self.other_reader).search_count([]))
                for user in (self.employee, self.portal):
                    with self.assertRaises(AccessError):
                        Report.with_user(user).search([])

    def test_forecast_read_query_budget(self):
        """The pivot and list of the forecast as a reader: a fixed number of
        queries, whatever the number of cohorts or customers."""
        for model, fields_, budget in (
            ("subscription.ltv.forecast.report", ("cohort_date", "customer_count", "ltv"), 5),
            # and one for the customers' names
            ("subscription.ltv.customer.report", ("partner_id", "revenue", "ltv"), 6),
        ):
            Report = self.env[model].with_user(self.reader)

            def read(Report=Report, fields_=fields_):
                self.env.invalidate_all()
                before = self.cr.sql_log_count
                Report.read_group(
                    [],
                    ["ltv:avg", "ltv_low:avg", "ltv_high:avg"],
                    ["cohort_date:month"],
                    lazy=False,
                )
                Report.search_read([], list(fields_), limit=80)
                return self.cr.sql_log_count - before

            read()  # warm the access caches
            count = read()
            self.assertLessEqual(count, budget, model)


@tagged("post_install", "-at_install")
class TestLtvForecastJsonRpc(HttpCase):
    """Over JSON-RPC: readers get the customer's metrics and the forecasts;
    employees without the group and portal users an AccessError."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"RPC forecast customer {i}", "is_company": True} for i in range(40)]
        )
        _seed_known_history(cls.env, cls.env.company, cls.partners)
        for login, groups in (
            ("r1_rpc_reader", READER_GROUPS),
            ("r1_rpc_employee", "base.group_user"),
            ("r1_rpc_portal", "base.group_portal"),
        ):
            new_test_user(cls.env, login=login, password=f"{login}_pw", groups=groups)

    def _call(self, model, method, *args):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": {}},
        )

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_model")
    def test_roles_over_json_rpc(self):
        partner = self.partners[-1]
        calls = (
            ("res.partner", "read", ([partner.id], ["subscription_ltv_forecast"])),
            ("subscription.ltv.forecast.report", "search_read", ([], ["ltv"])),
            ("subscription.ltv.customer.report", "search_read", ([], ["ltv"])),
        )
        self.authenticate("r1_rpc_reader", "r1_rpc_reader_pw")
        values = self._call(*calls[0][:2], *calls[0][2])
        self.assertAlmostEqual(values[0]["subscription_ltv_forecast"], 370.0, 2)
        self.assertEqual(len(self._call(*calls[1][:2], *calls[1][2])), 1)
        self.assertEqual(len(self._call(*calls[2][:2], *calls[2][2])), 40)
        for login in ("r1_rpc_employee", "r1_rpc_portal"):
            self.authenticate(login, f"{login}_pw")
            for model, method, args in calls:
                with (
                    self.subTest(login=login, model=model),
                    self.assertRaises(JsonRpcException) as error,
                ):
                    self._call(model, method, *args)
                self.assertEqual(str(error.exception), "odoo.exceptions.AccessError")
