# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, timedelta

from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged

from ..tools import metrics
from .common import AS_OF, ReportsHistoryCommon


@tagged("post_install", "-at_install")
@freeze_time(AS_OF)
class TestMetricsHistory(ReportsHistoryCommon):
    """Snapshots, movements and reconciliation on a generated history."""

    def _snapshot(self, day, dimension="total"):
        return self.env["subscription.metric.snapshot"].search(
            [
                ("date", "=", day),
                ("dimension", "=", dimension),
                ("company_id", "=", self.company.id),
            ]
        )

    def _values(self, snapshots):
        return [
            (s.date, s.mrr, s.net_new_mrr, s.customer_count, s.subscription_count)
            for s in snapshots.sorted("date")
        ]

    def _reconcile(self, date_from, date_to):
        wizard = self.env["subscription.metric.reconcile"].create(
            {"company_id": self.company.id, "date_from": date_from, "date": date_to}
        )
        wizard.action_reconcile()
        return wizard

    def test_history_has_every_movement(self):
        rows = self._ledger_rows()
        kinds = {m.kind for m in metrics.movements(rows)}
        self.assertEqual(kinds, set(metrics.KINDS))
        self.assertAlmostEqual(
            metrics.mrr_at(rows, AS_OF), sum(self.subs.mapped("mrr_company")), places=2
        )

    def test_movement_report_matches_the_metrics_module(self):
        expected = sorted(
            (m.day, m.customer, m.kind, round(m.amount, 2))
            for m in metrics.movements(self._ledger_rows())
        )
        report = self.env["subscription.mrr.movement.report"].search(
            [("partner_id", "in", self.partners.ids)]
        )
        found = sorted((r.date, r.partner_id.id, r.kind, round(r.amount, 2)) for r in report)
        self.assertEqual(found, expected)
        # The reporting dimensions come with each row.
        churn = report.filtered(lambda r: r.kind == "churn_involuntary" and r.date.month == 3)
        self.assertEqual(churn.subscription_id, self.sub_f)
        # A's customer keeps a second subscription: its cancellation is a
        # contraction, not churn.
        a_cancel = report.filtered(
            lambda r: r.date == date(2026, 3, 20) and r.subscription_id == self.sub_a
        )
        self.assertEqual(a_cancel.kind, "contraction")
        self.assertTrue(all(r.tier_id and r.cycle_id for r in report))

    def test_snapshots_match_the_ledger_every_day(self):
        Snapshot = self.env["subscription.metric.snapshot"]
        Snapshot._build_snapshots(date(2026, 1, 1), AS_OF)
        rows = self._ledger_rows()
        moves = metrics.movements(rows)
        day = date(2026, 1, 1)
        while day <= AS_OF:
            snap = self._snapshot(day)
            self.assertEqual(len(snap), 1, day)
            self.assertAlmostEqual(snap.mrr, metrics.mrr_at(rows, day), places=2, msg=day)
            self.assertAlmostEqual(snap.arr, 12 * snap.mrr, places=2)
            self.assertEqual(snap.customer_count, len(metrics.mrr_by_customer(rows, day)), msg=day)
            summary = metrics.summarize(moves, day, day)
            for kind in metrics.KINDS:
                self.assertAlmostEqual(snap[f"{kind}_mrr"], summary[kind], places=2, msg=day)
            self.assertAlmostEqual(snap.net_new_mrr, summary["net_new"], places=2)
            tiers = self._snapshot(day, "tier_cycle")
            self.assertAlmostEqual(sum(tiers.mapped("mrr")), snap.mrr, places=2, msg=day)
            self.assertEqual(sum(tiers.mapped("subscription_count")), snap.subscription_count)
            day += timedelta(days=1)
        last = self._snapshot(AS_OF)
        self.assertEqual(
            last.subscription_count, len(self.subs.filtered(lambda s: s.mrr_company > 0))
        )
        by_tier = {(r.tier_id, r.cycle_id): r.mrr for r in self._snapshot(AS_OF, "tier_cycle")}
        self.assertAlmostEqual(
            by_tier[(self.tier_basic, self.yearly)],
            sum((self.sub_e | self.sub_h).mapped("mrr_company")),
            places=2,
        )

    def test_cron_backfills_replaces_and_follows_late_events(self):
        Snapshot = self.env["subscription.metric.snapshot"]
        Snapshot._cron_build_snapshots()
        first = min(self.env["subscription.event"].search([]).mapped("effective_date"))
        snapshots = Snapshot.search([("dimension", "=", "total")])
        self.assertEqual(len(snapshots), (AS_OF - first).days + 1)
        before = self._values(snapshots)
        # Re-running changes nothing (same rows, same values).
        Snapshot._cron_build_snapshots()
        again = Snapshot.search([("dimension", "=", "total")])
        self.assertEqual(self._values(again), before)
        # A missing day is back-filled and a re-built range is replaced.
        self._snapshot(date(2026, 2, 10)).sudo().unlink()
        Snapshot._build_snapshots(date(2026, 2, 1), date(2026, 2, 28))
        self.assertEqual(len(self._snapshot(date(2026, 2, 10))), 1)
        self.assertEqual(Snapshot.search_count([("dimension", "=", "total")]), len(before))
        # Two days later, the cron adds the missing days.
        with freeze_time(AS_OF + timedelta(days=2)):
            Snapshot._cron_build_snapshots()
        self.assertEqual(len(self._snapshot(AS_OF + timedelta(days=2))), 1)
        # The whole history can be rebuilt from the ledger.
        Snapshot._rebuild_all()
        rebuilt = Snapshot.search([("dimension", "=", "total"), ("date", "<=", AS_OF)])
        self.assertEqual(self._values(rebuilt), before)
        with self.assertRaises(UserError):
            Snapshot._build_snapshots(date(2026, 2, 1), date(2026, 1, 1))

    def test_reconciliation_agrees_to_the_cent(self):
        self.env["subscription.metric.snapshot"]._cron_build_snapshots()
        for date_from, date_to in (
            (date(2026, 1, 1), AS_OF),
            (date(2026, 2, 1), date(2026, 2, 28)),
            (date(2026, 3, 1), date(2026, 3, 31)),
        ):
            wizard = self._reconcile(date_from, date_to)
            self.assertEqual(wizard.state, "done")
            self.assertFalse(
                wizard.line_ids,
                [(x.check, x.note, x.expected, x.found) for x in wizard.line_ids],
            )
        # Movements over a range sum to the MRR difference.
        snap_end = self._snapshot(date(2026, 3, 31))
        snap_start = self._snapshot(date(2026, 2, 28))
        march = self.env["subscription.metric.snapshot"].search(
            [
                ("dimension", "=", "total"),
                ("date", ">=", "2026-03-01"),
                ("date", "<=", "2026-03-31"),
            ]
        )
        self.assertAlmostEqual(
            sum(march.mapped("net_new_mrr")), snap_end.mrr - snap_start.mrr, places=2
        )

    def test_reconciliation_lists_differences_record_by_record(self):
        Snapshot = self.env["subscription.metric.snapshot"]
        Snapshot._cron_build_snapshots()
        # A subscription whose stored MRR drifted from its ledger, and a
        # snapshot that was tampered with.
        self.env.cr.execute(
            "UPDATE subscription_subscription SET mrr_company = mrr_company + 1 WHERE id = %s",
            [self.sub_b.id],
        )
        self.env.cr.execute(
            "UPDATE subscription_metric_snapshot SET mrr = mrr + 5"
            " WHERE date = %s AND dimension = 'total'",
            [AS_OF],
        )
        self.env.invalidate_all()
        wizard = self._reconcile(date(2026, 4, 1), AS_OF)
        lines = {(x.check, x.subscription_id, round(x.difference, 2)) for x in wizard.line_ids}
        self.assertIn(("subscription", self.sub_b, 1.0), lines)
        self.assertIn(("snapshot", self.env["subscription.subscription"], 5.0), lines)
        self.assertIn(("dimension", self.env["subscription.subscription"], -5.0), lines)
        # A missing snapshot is reported as such.
        self._snapshot(AS_OF).sudo().unlink()
        wizard = self._reconcile(date(2026, 4, 1), AS_OF)
        self.assertIn("No snapshot", " ".join(filter(None, wizard.line_ids.mapped("note"))))
        with self.assertRaises(UserError):
            self._reconcile(AS_OF, date(2026, 4, 1))

    def test_metrics_of_the_history(self):
        rows = self._ledger_rows()
        march = metrics.summarize(metrics.movements(rows), date(2026, 3, 1), date(2026, 3, 31))
        self.assertLess(march["churn_involuntary"], 0)
        self.assertGreater(march["reactivation"], 0)
        self.assertGreater(march["resumed"], 0)
        grr, nrr = metrics.retention_monthly(rows, date(2026, 3, 1))
        self.assertLessEqual(grr, nrr)
        self.assertLess(grr, 1)
        trials = self.env["subscription.event"].search(
            [("event_type", "=", "trial_started"), ("subscription_id", "in", self.subs.ids)]
        )
        self.assertEqual(trials.subscription_id, self.sub_b | self.sub_c)

    def test_cohort_report_matches_the_metrics_module(self):
        expected = metrics.cohorts(self._ledger_rows(), AS_OF)
        Cohort = self.env["subscription.cohort.report"]
        for cohort_date, cohort in expected.items():
            rows = Cohort.search(
                [("cohort_date", "=", cohort_date), ("partner_id", "in", self.partners.ids)]
            )
            self.assertEqual(len(rows.filtered(lambda r: r.age == 0)), cohort["customers"])
            self.assertAlmostEqual(
                sum(rows.filtered(lambda r: r.age == 0).mapped("start_mrr")), cohort["mrr"], 2
            )
            for age, (logos, mrr) in enumerate(
                zip(cohort["logos"], cohort["mrr_retained"], strict=True)
            ):
                cell = rows.filtered(lambda r, age=age: r.age == age)
                self.assertEqual(sum(cell.mapped("retained_count")), logos, (cohort_date, age))
                self.assertAlmostEqual(sum(cell.mapped("mrr")), mrr, 2, (cohort_date, age))
        # The pivot's logo retention is the share of the cohort still active.
        groups = Cohort._read_group(
            [("partner_id", "in", self.partners.ids), ("age", "=", 1)],
            ["cohort_date:month"],
            ["retention_rate:avg", "retained_count:sum", "customer_count:sum"],
        )
        for _month, rate, retained, size in groups:
            self.assertAlmostEqual(rate, 100.0 * retained / size, 2)

    def test_retention_report_matches_the_metrics_module(self):
        rows = self._ledger_rows()
        self.env["ir.config_parameter"].sudo().set_param("subscription_reports.gross_margin", "0.8")
        report = self.env["subscription.retention.report"].search(
            [("company_id", "=", self.company.id), ("month_date", "<=", AS_OF)]
        )
        self.assertEqual(
            report.mapped("month_date"),
            [date(2026, m, 1) for m in (4, 3, 2, 1)],
        )

        def pct(value):
            return None if value is None else 100 * value

        for line in report:
            first, last = metrics.month_range(line.month_date)
            last = min(last, AS_OF)
            grr, nrr = metrics.retention(rows, first, last)
            grr_12, nrr_12 = metrics.retention_trailing_12(rows, last)
            churn = metrics.logo_churn_rate(rows, first, last)
            checks = {
                "logo_churn_rate": pct(churn),
                "revenue_churn_rate": pct(metrics.revenue_churn_rate(rows, first, last)),
                "grr": pct(grr),
                "nrr": pct(nrr),
                "grr_12": pct(grr_12),
                "nrr_12": pct(nrr_12),
                "closing_mrr": metrics.mrr_at(rows, last),
                "arpu": metrics.arpu(rows, last),
                "ltv": metrics.ltv(metrics.arpu(rows, last), 0.8, churn),
            }
            for name, expected in checks.items():
                if expected is None:
                    self.assertFalse(line[name], (line.month_date, name))
                else:
                    self.assertAlmostEqual(line[name], expected, 2, (line.month_date, name))
        # March had churn: the rates are not empty.
        march = report.filtered(lambda r: r.month_date == date(2026, 3, 1))
        self.assertGreater(march.logo_churn_rate, 0)
        self.assertLess(march.grr, 100)

    def test_kpis_of_a_range(self):
        rows = self._ledger_rows()
        self.env["ir.config_parameter"].sudo().set_param("subscription_reports.gross_margin", "0.8")
        kpis = self.env["subscription.metrics"].get_kpis("2026-03-01", "2026-03-31")
        summary = metrics.summarize(metrics.movements(rows), date(2026, 3, 1), date(2026, 3, 31))
        self.assertAlmostEqual(kpis["mrr"], metrics.mrr_at(rows, date(2026, 3, 31)), 2)
        self.assertAlmostEqual(kpis["net_new_mrr"], kpis["mrr"] - kpis["opening_mrr"], 2)
        self.assertAlmostEqual(kpis["net_new_mrr"], summary["net_new"], 2)
        for kind in metrics.KINDS:
            self.assertAlmostEqual(kpis["movements"][kind], summary[kind], 2)
        churn = metrics.logo_churn_rate(rows, date(2026, 3, 1), date(2026, 3, 31))
        self.assertAlmostEqual(kpis["logo_churn_rate"], churn, 6)
        arpu = metrics.arpu(rows, date(2026, 3, 31))
        self.assertAlmostEqual(kpis["ltv"], arpu * 0.8 / churn, 2)
        self.assertAlmostEqual(kpis["quick_ratio"], metrics.quick_ratio(summary), 6)
        # Too few customers for a survival curve's tail: no finite forecast
        # is made up, the keys are there.
        self.assertEqual(set(kpis["ltv_forecast"]), {"lifetime", "ltv", "ltv_low", "ltv_high"})
        # B converted after its 14-day trial, C's trial was cancelled.
        trials = self.env["subscription.metrics"].get_kpis("2026-01-01", "2026-01-31")["trials"]
        self.assertEqual((trials["started"], trials["converted"], trials["lost"]), (2, 1, 1))
        self.assertEqual(trials["rate"], 0.5)
        self.assertEqual(trials["days_to_convert"], 14)
        with self.assertRaises(UserError):
            self.env["subscription.metrics"].get_kpis("2026-03-31", "2026-03-01")
        self.env["ir.config_parameter"].sudo().set_param("subscription_reports.gross_margin", "80")
        with self.assertRaises(UserError):
            self.env["subscription.metrics"].get_kpis("2026-03-01", "2026-03-31")

    def test_segment_filter_on_the_reports(self):
        """The reports' *Segment* search field keeps the customers tagged by a
        segment (a partner tag, see subscription_engagement's segments)."""
        tag = self.env["res.partner.category"].create({"name": "Report segment test"})
        self.partners[0].category_id = tag
        for model in (
            "subscription.mrr.movement.report",
            "subscription.cohort.report",
        ):
            with self.subTest(model=model):
                Report = self.env[model]
                views = Report.get_views([(False, "search")])
                arch = views["views"]["search"]["arch"]
                self.assertIn('string="Segment"', arch)
                domain = [("partner_id.category_id.name", "ilike", "Report segment")]
                rows = Report.search(domain)
                self.assertTrue(rows)
                self.assertEqual(rows.partner_id, self.partners[0])
