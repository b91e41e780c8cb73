# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, timedelta

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged
from odoo.tests.common import new_test_user
from odoo.tools import mute_logger

from odoo.addons.subscription_billing.tests.common import BillingCommon


@tagged("post_install", "-at_install")
class TestDunningAndRevenue(BillingCommon):
    """The dunning report on real payment attempts (one case recovered on
    the fourth attempt, one suspended after seven failures), and invoiced
    and recognised revenue net of credit notes, reconciled."""

    def setUp(self):
        super().setUp()
        patcher = self._declines_as("insufficient_funds")
        patcher.start()
        self.addCleanup(patcher.stop)

    def _day(self, offset):
        day = date(2026, 4, 1) + timedelta(days=offset)
        self._dunning(day)
        self._process_attempts(f"{day} 12:00:00")

    def _dunning_history(self):
        token_r = self._create_token(self.customer, "error")
        token_c = self._create_token(self.other_customer, "error")
        recovered = self._billed_subscription(token=token_r)
        churned = self._billed_subscription(token=token_c, partner=self.other_customer)
        self._process_attempts("2026-04-01 10:00:00")
        for offset in range(1, 5):
            self._day(offset)
        token_r.sudo().demo_simulated_state = "done"
        for offset in range(5, 15):
            self._day(offset)
        self.assertEqual(recovered.state, "active")
        self.assertEqual(churned.state, "suspended")
        return recovered, churned

    def test_dunning_report(self):
        recovered, churned = self._dunning_history()
        Report = self.env["subscription.dunning.report"]
        rows_r = Report.search([("subscription_id", "=", recovered.id)])
        rows_c = Report.search([("subscription_id", "=", churned.id)])
        self.assertEqual(sorted(rows_r.mapped("attempt_number")), [1, 2, 3])
        self.assertEqual(sorted(rows_c.mapped("attempt_number")), [1, 2, 3, 4, 5, 6, 7])
        self.assertEqual(set(rows_r.mapped("outcome")), {"recovered"})
        self.assertEqual(set(rows_c.mapped("outcome")), {"churned"})
        self.assertEqual(set((rows_r | rows_c).mapped("decline_type")), {"soft"})
        # Filterable by tier, billing cycle, country and salesperson.
        self.assertEqual(rows_r.cycle_id, recovered.cycle_id)
        self.assertEqual(rows_r.tier_id, recovered.tier_id)
        self.assertEqual(rows_r.user_id, recovered.user_id)
        self.assertEqual(rows_r.country_id, self.customer.commercial_partner_id.country_id)
        mrr = recovered.mrr_company
        self.assertTrue(mrr)
        # Case measures once per case, on its first failure.
        self.assertEqual(sum(rows_r.mapped("case_count")), 1)
        self.assertEqual(sum(rows_r.mapped("recovered_count")), 1)
        self.assertAlmostEqual(sum(rows_r.mapped("recovered_mrr")), mrr, 2)
        self.assertAlmostEqual(sum(rows_r.mapped("mrr_at_risk")), mrr, 2)
        self.assertEqual(sum(rows_c.mapped("churned_count")), 1)
        self.assertAlmostEqual(sum(rows_c.mapped("churned_mrr")), mrr, 2)
        self.assertFalse(sum(rows_c.mapped("recovered_mrr")))
        first = rows_r.filtered(lambda r: r.attempt_number == 1)
        self.assertEqual(first.days_to_recover, 5)  # failed on 1 April, paid on the 6th
        # By attempt number: the recovery rate is the share of the failures
        # of that attempt whose invoice was collected.
        by_attempt = {
            number: (failed, rate, cases)
            for number, failed, rate, cases in Report._read_group(
                [("subscription_id", "in", (recovered | churned).ids)],
                ["attempt_number"],
                ["failed_count:sum", "recovery:avg", "case_count:sum"],
            )
        }
        self.assertEqual(by_attempt[1], (2, 50.0, 2))
        self.assertEqual(by_attempt[4], (1, 0.0, 0))
        # Involuntary churn from payment failure is in the movements too.
        self.env["subscription.metric.snapshot"]._build_snapshots(
            date(2026, 4, 1), date(2026, 4, 15)
        )
        churn = self.env["subscription.mrr.movement.report"].search(
            [("partner_id", "=", self.other_customer.id), ("kind", "=", "churn_involuntary")]
        )
        self.assertAlmostEqual(-sum(churn.mapped("amount")), mrr, 2)

    def test_invoiced_and_recognised_revenue(self):
        # A monthly period from 15 April: 16 days in April, 14 in May.
        sub = self._billed_subscription(on=date(2026, 4, 15))
        invoice = sub.invoice_ids.filtered(lambda m: m.state == "posted")
        self.assertEqual(len(invoice), 1)
        Invoiced = self.env["subscription.invoiced.revenue.report"]
        Recognized = self.env["subscription.recognized.revenue.report"]
        total = invoice.amount_untaxed_signed
        self.assertTrue(total)
        rows = Invoiced.search([("subscription_id", "=", sub.id)])
        self.assertAlmostEqual(sum(rows.mapped("amount")), total, 2)
        self.assertEqual(rows.cycle_id, sub.cycle_id)
        self.assertEqual(rows.user_id, sub.user_id)
        self.env["subscription.revenue.month"]._update()  # the daily job's
        parts = {r.month_date: r.amount for r in Recognized.search([("move_id", "=", invoice.id)])}
        self.assertEqual(set(parts), {date(2026, 4, 1), date(2026, 5, 1)})
        april = invoice.currency_id.round(total * 16 / 30)
        self.assertAlmostEqual(parts[date(2026, 4, 1)], april, 2)
        self.assertAlmostEqual(parts[date(2026, 5, 1)], total - april, 2)
        # A credit note (Odoo's reversal, no subscription on it) nets it off.
        with freeze_time("2026-04-20"):
            refund = invoice._reverse_moves([{"date": date(2026, 4, 20)}])
            refund.action_post()
        rows = Invoiced.search([("subscription_id", "=", sub.id)])
        self.assertEqual(set(rows.mapped("move_type")), {"out_invoice", "out_refund"})
        self.assertAlmostEqual(sum(rows.mapped("amount")), 0.0, 2)
        self.env["subscription.revenue.month"]._update()
        recognized = Recognized.search([("subscription_id", "=", sub.id)])
        self.assertAlmostEqual(sum(recognized.mapped("amount")), 0.0, 2)
        # The reconciliation agrees: invoiced = posted lines, and each invoice
        # is recognised in full.
        wizard = self.env["subscription.metric.reconcile"].create(
            {"company_id": self.company.id, "date_from": "2026-04-01", "date": "2026-04-30"}
        )
        with freeze_time("2026-04-30"):
            wizard.action_reconcile()
        self.assertFalse(wizard.line_ids.filtered(lambda x: x.check == "revenue"))

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_readers_only(self):
        reader = new_test_user(
            self.env,
            login="revenue_reader",
            groups="base.group_user,subscription_reports.group_subscription_reports_reader",
        )
        for model in (
            "subscription.dunning.report",
            "subscription.invoiced.revenue.report",
            "subscription.recognized.revenue.report",
        ):
            self.env[model].with_user(reader).search([])
            for user in (self.portal_user, self.sub_user):
                with self.assertRaises(AccessError, msg=f"{user.login} {model}"):
                    self.env[model].with_user(user).search([])
