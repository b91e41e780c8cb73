# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from ..tools import metrics
from .common import AS_OF, ReportsHistoryCommon


@tagged("post_install", "-at_install")
@freeze_time(AS_OF)
class TestQuickRatioTrialReports(ReportsHistoryCommon):
    """The quick ratio and trial conversion reports on the generated history
    agree with ``tools/metrics.py``; readers only, in their companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reader = mail_new_test_user(
            cls.env,
            login="r1_ratio_reader",
            name="Ratio Reader",
            groups="base.group_user,subscription_reports.group_subscription_reports_reader",
        )

    def test_quick_ratio_matches_the_metrics_module(self):
        moves = metrics.movements(self._ledger_rows())
        report = self.env["subscription.quick.ratio.report"].search(
            [("company_id", "=", self.company.id), ("dimension", "=", "total")]
        )
        self.assertEqual(report.mapped("month_date"), [date(2026, m, 1) for m in (4, 3, 2, 1)])
        for line in report:
            first, last = metrics.month_range(line.month_date)
            summary = metrics.summarize(moves, first, min(last, AS_OF))
            gained = sum(summary[k] for k in metrics.GAINS)
            lost = -sum(summary[k] for k in metrics.LOSSES)
            self.assertAlmostEqual(line.gained_mrr, gained, 2, line.month_date)
            self.assertAlmostEqual(line.lost_mrr, lost, 2, line.month_date)
            self.assertAlmostEqual(line.net_new_mrr, summary["net_new"], 2, line.month_date)
            expected = metrics.quick_ratio(summary)
            if expected is None:
                self.assertFalse(line.quick_ratio, line.month_date)
            else:
                self.assertAlmostEqual(line.quick_ratio, expected, 6, line.month_date)
        # January only gained (no loss: the ratio is infinite, left empty);
        # March lost more than it gained.
        by_month = {line.month_date: line for line in report}
        self.assertFalse(by_month[date(2026, 1, 1)].quick_ratio)
        self.assertGreater(by_month[date(2026, 1, 1)].gained_mrr, 0)
        self.assertLess(by_month[date(2026, 3, 1)].quick_ratio, 1)
        # The pivot sums the MRR and averages the monthly ratios.
        groups = self.env["subscription.quick.ratio.report"]._read_group(
            [("company_id", "=", self.company.id), ("dimension", "=", "total")],
            [],
            ["gained_mrr:sum", "lost_mrr:sum", "quick_ratio:avg"],
        )
        gained, lost, ratio = groups[0]
        self.assertAlmostEqual(gained, sum(report.mapped("gained_mrr")), 2)
        self.assertAlmostEqual(lost, sum(report.mapped("lost_mrr")), 2)
        ratios = []
        for line in report:
            first, last = metrics.month_range(line.month_date)
            value = metrics.quick_ratio(metrics.summarize(moves, first, min(last, AS_OF)))
            if value is not None:  # an infinite month is left out of the average
                ratios.append(value)
        self.assertAlmostEqual(ratio, sum(ratios) / len(ratios), 6)

    def test_quick_ratio_per_country_adds_up_to_the_company(self):
        """The country rows (the snapshot's dimension rows) split the
        company's gained and lost MRR; each has its own ratio."""
        self.partners[:4].country_id = self.env.ref("base.be")
        self.env["subscription.metric.snapshot"]._rebuild_all()
        Report = self.env["subscription.quick.ratio.report"]
        action = self.env.ref("subscription_reports.subscription_quick_ratio_report_action")
        self.assertIn("search_default_total", action.context)
        totals = Report.search([("company_id", "=", self.company.id), ("dimension", "=", "total")])
        countries = Report.search(
            [("company_id", "=", self.company.id), ("dimension", "=", "country")]
        )
        self.assertEqual(set(countries.country_id.mapped("code")), {"BE"})
        for total in totals:
            rows = countries.filtered(lambda r, total=total: r.month_date == total.month_date)
            self.assertAlmostEqual(sum(rows.mapped("gained_mrr")), total.gained_mrr, 2)
            self.assertAlmostEqual(sum(rows.mapped("lost_mrr")), total.lost_mrr, 2)
            for row in rows.filtered("quick_ratio"):
                self.assertAlmostEqual(row.quick_ratio, row.gained_mrr / row.lost_mrr, 6)
        belgium = countries.filtered(lambda r: r.country_id.code == "BE")
        self.assertTrue(belgium)
        self.assertLess(sum(belgium.mapped("gained_mrr")), sum(totals.mapped("gained_mrr")))

    def test_trial_conversion_matches_the_metrics_module(self):
        Trial = self.env["subscription.trial.report"]
        trials = Trial.search([("company_id", "=", self.company.id)])
        self.assertEqual(trials.subscription_id, self.sub_b | self.sub_c)
        b = trials.filtered(lambda t: t.subscription_id == self.sub_b)
        c = trials.filtered(lambda t: t.subscription_id == self.sub_c)
        # B converted after its 14-day trial, C's trial was cancelled.
        self.assertEqual(
            (b.state, b.start_date, b.outcome_date, b.days_to_convert),
            ("converted", date(2026, 1, 10), date(2026, 1, 24), 14.0),
        )
        self.assertEqual(
            (c.state, c.start_date, c.outcome_date), ("lost", date(2026, 1, 12), date(2026, 1, 20))
        )
        self.assertEqual(b.partner_id, self.partners[1])
        self.assertEqual(b.tier_id, self.tier_basic)  # its current tier (downgraded)
        # Per start month, the pivot's averages are the rate and the time to
        # convert of metrics.trial_conversion.
        rows = self.env["subscription.metrics"]._get_trials(self.company, date(2026, 1, 1), AS_OF)
        expected = metrics.trial_conversion(rows, date(2026, 1, 1), date(2026, 1, 31))
        groups = Trial._read_group(
            [("company_id", "=", self.company.id)],
            ["start_date:month"],
            [
                "trial_count:sum",
                "converted_count:sum",
                "lost_count:sum",
                "running_count:sum",
                "conversion_rate:avg",
                "days_to_convert:avg",
            ],
        )
        self.assertEqual(len(groups), 1)
        _month, started, converted, lost, running, rate, days = groups[0]
        self.assertEqual(
            (started, converted, lost, running),
            (expected["started"], expected["converted"], expected["lost"], expected["pending"]),
        )
        self.assertEqual((started, converted, lost, running), (2, 1, 1, 0))
        self.assertAlmostEqual(rate, 100 * expected["rate"], 6)
        self.assertEqual(rate, 50.0)
        self.assertEqual(days, expected["days_to_convert"])

    def test_a_running_trial_is_left_out_of_the_rate(self):
        sub = self._start(date(2026, 4, 10), self.partners[7], self.tier_enterprise)
        trial = self.env["subscription.trial.report"].search([("subscription_id", "=", sub.id)])
        self.assertEqual((trial.state, trial.outcome_date), ("running", False))
        groups = self.env["subscription.trial.report"]._read_group(
            [("company_id", "=", self.company.id), ("start_date", ">=", "2026-04-01")],
            [],
            ["trial_count:sum", "conversion_rate:avg", "days_to_convert:avg"],
        )
        self.assertEqual(groups[0][0], 1)
        self.assertFalse(groups[0][1])
        self.assertFalse(groups[0][2])

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_readers_only_in_their_companies(self):
        company_b = self.env["res.company"].create({"name": "Ratio Company B"})
        other = mail_new_test_user(
            self.env,
            login="r1_ratio_other",
            name="Other Company Reader",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
            groups="base.group_user,subscription_reports.group_subscription_reports_reader",
        )
        for model in ("subscription.quick.ratio.report", "subscription.trial.report"):
            with self.subTest(model=model):
                self.assertTrue(self.env[model].with_user(self.reader).search_count([]))
                self.assertFalse(self.env[model].with_user(other).search_count([]))
                for user in (self.internal_user, self.portal_user):
                    with self.assertRaises(AccessError):
                        self.env[model].with_user(user).search([])
