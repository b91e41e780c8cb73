# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, tagged
from odoo.tests.common import new_test_user

from ..tools import health
from .common import AS_OF, ReportsHistoryCommon


@tagged("post_install", "-at_install")
@freeze_time(AS_OF)
class TestHealthHistory(ReportsHistoryCommon):
    """The health history kept by the daily job (daily rows for 90 days,
    then the last run of each month), its graph actions, rights, and the
    administrators' backtest."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reader = new_test_user(
            cls.env,
            login="health_history_reader",
            groups="base.group_user,subscription_reports.group_subscription_reports_reader",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.History = cls.env["subscription.metric.health.history"]
        cls.Health = cls.env["subscription.metric.health"]

    def _days(self):
        self.env.cr.execute(
            "SELECT DISTINCT date FROM subscription_metric_health_history ORDER BY date"
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def test_the_daily_job_records_the_day(self):
        latest = self.Health.search([])
        rows = self.History.search([("date", "=", AS_OF)])
        self.assertEqual(len(rows), len(latest))
        by_sub = {row.subscription_id: row for row in rows}
        for row in latest:
            kept = by_sub[row.subscription_id]
            self.assertEqual(
                (kept.score, kept.band, kept.partner_id), (row.score, row.band, row.partner_id)
            )
            self.assertAlmostEqual(kept.mrr, row.mrr, 2)
        # Re-running the day replaces its rows.
        self.Health._build(AS_OF)
        self.assertEqual(self.History.search_count([("date", "=", AS_OF)]), len(latest))

    def test_daily_rows_for_90_days_then_month_ends(self):
        day = date(2026, 1, 5)
        while day <= AS_OF:
            self.Health._build(day)
            day += timedelta(days=1)
        self.assertEqual(self._days()[0], AS_OF - timedelta(days=90))  # 15 January
        self.assertEqual(len(self._days()), 91)
        later = date(2026, 5, 20)
        self.Health._build(later)
        cutoff = later - timedelta(days=90)  # 19 February
        expected = [date(2026, 1, 31)]
        expected += [cutoff + timedelta(days=i) for i in range((AS_OF - cutoff).days + 1)]
        self.assertEqual(self._days(), [*expected, later])
        # The scores of a past day are those of the ledger as it was then:
        # F failed a charge on 20 February (then was suspended: not live).
        f_rows = self.History.search([("subscription_id", "=", self.sub_f.id)])
        score = {row.date: row.score for row in f_rows}
        self.assertLess(score[date(2026, 2, 21)], score[date(2026, 2, 19)])
        self.assertNotIn(date(2026, 3, 2), score)
        signals = {
            row[0]: row[4] for row in self.Health._signals(date(2026, 2, 21), [self.company.id])
        }
        self.assertEqual(score[date(2026, 2, 21)], health.score(signals[self.sub_f.id]))

    def test_daily_window_setting(self):
        Param = self.env["ir.config_parameter"].sudo()
        Param.set_param("subscription_reports.health_history_daily_days", "10")
        for offset in range(40, -1, -1):
            self.Health._build(AS_OF - timedelta(days=offset))
        cutoff = AS_OF - timedelta(days=10)
        expected = [date(2026, 3, 31)] + [cutoff + timedelta(days=i) for i in range(11)]
        self.assertEqual(self._days(), expected)
        # A value that is not a number of days falls back to 90.
        Param.set_param("subscription_reports.health_history_daily_days", "many")
        self.assertEqual(self.History._daily_days(), health.HISTORY_DAILY_DAYS)

    def test_graph_of_a_subscription_and_of_a_customer(self):
        self.Health._build(AS_OF - timedelta(days=30))
        row = self.Health.with_user(self.reader).search([("subscription_id", "=", self.sub_g.id)])
        action = row.action_view_history()
        self.assertEqual(action["res_model"], "subscription.metric.health.history")
        self.assertEqual(action["view_mode"].split(",")[0], "graph")
        History = self.History.with_user(self.reader)
        points = History.read_group(action["domain"], ["score:avg"], ["date:day"])
        self.assertEqual(len(points), 2)
        # G's customer also has A (cancelled in March, live 30 days before).
        action = row.action_view_partner_history()
        points = History.read_group(action["domain"], ["score:avg"], ["date:day"], lazy=False)
        self.assertEqual([p["__count"] for p in points], [2, 1])

    def test_rights(self):
        self.assertTrue(self.History.with_user(self.reader).search_count([]))
        other_company = self.env["res.company"].create({"name": "Health history company B"})
        reader_b = new_test_user(
            self.env,
            login="health_history_reader_b",
            groups="base.group_user,subscription_reports.group_subscription_reports_reader",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        self.assertEqual(self.History.with_user(reader_b).search_count([]), 0)
        with self.assertRaises(AccessError):
            self.History.with_user(self.sub_user).search([])
        with self.assertRaises(AccessError):
            self.History.with_user(self.reader).search([], limit=1).write({"score": 100})

    def test_backtest_action(self):
        Backtest = self.env["subscription.metric.health.backtest"].with_user(self.sub_manager)
        wizard = Backtest.create({"date": date(2026, 1, 15), "horizon_days": 90})
        wizard.action_run()
        expected = self.Health._backtest(date(2026, 1, 15), companies=self.company)
        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.subscription_count, expected["subscriptions"])
        self.assertEqual(wizard.churned_count, expected["churned"])
        self.assertTrue(wizard.auc_defined)
        self.assertAlmostEqual(wizard.auc, expected["auc"], 3)
        # The churn after the day must be known.
        recent = Backtest.create({"date": AS_OF - timedelta(days=30), "horizon_days": 90})
        with self.assertRaises(UserError):
            recent.action_run()
        self.assertEqual(recent.state, "draft")
        with self.assertRaises(ValidationError):
            Backtest.create({"date": date(2026, 1, 15), "horizon_days": 0})
        # For administrators only.
        with self.assertRaises(AccessError):
            self.env["subscription.metric.health.backtest"].with_user(self.reader).create(
                {"date": date(2026, 1, 15)}
            )
