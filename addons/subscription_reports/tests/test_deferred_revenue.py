# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged
from odoo.tests.common import new_test_user

from odoo.addons.subscription_billing.tests.common import BillingCommon


@tagged("post_install", "-at_install")
class TestDeferredRevenue(BillingCommon):
    """Deferred revenue (invoiced, not yet recognised) per month end, to the
    cent: a yearly period straddling twelve month ends, a monthly one with
    its credit note (Odoo's reversal), and a credit note of its own period."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reader = new_test_user(
            cls.env,
            login="deferred_reader",
            groups="base.group_user,subscription_reports.group_subscription_reports_reader",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    def _refresh(self):
        """The daily job's update of the revenue per line and month."""
        self.env["subscription.revenue.month"]._update()

    @staticmethod
    def _by_month_end(rows):
        result = {}
        for row in rows:
            result[row.month_date] = round(result.get(row.month_date, 0.0) + row.amount, 2)
        return result

    def test_month_end_balances(self):
        # Yearly Pro, 300.00 for 15 April 2026 to 14 April 2027 (365 days).
        yearly = self._billed_subscription(
            on=date(2026, 4, 15), tier=self.tier_pro, cycle=self.yearly
        )
        invoice = yearly.invoice_ids.filtered(lambda m: m.state == "posted")
        self.assertEqual(invoice.amount_untaxed, 300.0)
        self._refresh()
        Report = self.env["subscription.deferred.revenue.report"].with_user(self.reader)
        balances = self._by_month_end(Report.search([("subscription_id", "=", yearly.id)]))
        self.assertEqual(len(balances), 12)  # April 2026 to March 2027
        self.assertEqual(balances[date(2026, 4, 30)], 286.85)  # 300 - round(300 x 16 / 365)
        self.assertEqual(balances[date(2026, 5, 31)], 261.37)  # 47 days recognised
        self.assertEqual(balances[date(2026, 6, 30)], 236.71)  # 77 days
        self.assertEqual(balances[date(2027, 3, 31)], 11.51)  # 351 days
        self.assertNotIn(date(2027, 4, 30), balances)  # all recognised
        # Invoiced - recognised to date, as the recognised revenue report says.
        recognised = sum(
            self.env["subscription.recognized.revenue.report"]
            .search([("move_id", "=", invoice.id), ("month_date", "<=", date(2026, 6, 30))])
            .mapped("amount")
        )
        self.assertAlmostEqual(300.0 - recognised, 236.71, 2)

        # Monthly Basic, 10.00 for 15 April to 14 May: 4.67 left at 30 April;
        # Odoo's reversal on 20 April takes its period and nets it to zero.
        monthly = self._billed_subscription(on=date(2026, 4, 15))
        month_invoice = monthly.invoice_ids.filtered(lambda m: m.state == "posted")
        self._refresh()
        self.assertEqual(
            self._by_month_end(Report.search([("subscription_id", "=", monthly.id)])),
            {date(2026, 4, 30): 4.67},
        )
        with freeze_time("2026-04-20"):
            refund = month_invoice._reverse_moves([{"date": date(2026, 4, 20)}])
            refund.action_post()
        self._refresh()
        rows = Report.search([("subscription_id", "=", monthly.id)])
        self.assertEqual(set(rows.mapped("move_type")), {"out_invoice", "out_refund"})
        self.assertEqual(self._by_month_end(rows), {date(2026, 4, 30): 0.0})

        # A credit note of 100.00 for 1 June to 30 November (183 days).
        with freeze_time("2026-06-01"):
            line = yearly._prepare_invoice_line_values(
                yearly.tier_id.product_id,
                "Goodwill credit",
                1,
                100.0,
                date(2026, 6, 1),
                date(2026, 12, 1),
            )
            credit = yearly._post_credit_note([line], date(2026, 6, 1), date(2026, 12, 1))
        self.assertEqual(credit.move_type, "out_refund")
        self._refresh()
        credits = self._by_month_end(Report.search([("move_id", "=", credit.id)]))
        self.assertEqual(
            credits,
            {
                date(2026, 6, 30): -83.61,  # -100 + round(100 x 30 / 183)
                date(2026, 7, 31): -66.67,
                date(2026, 8, 31): -49.73,
                date(2026, 9, 30): -33.33,
                date(2026, 10, 31): -16.39,
            },
        )
        # The balance of the company at the end of June: 236.71 - 83.61.
        june = Report.read_group(
            [("month_date", "=", date(2026, 6, 30))], ["amount:sum"], ["company_id"]
        )
        self.assertAlmostEqual(june[0]["amount"], 153.10, 2)

    def test_readers_only(self):
        self._billed_subscription(on=date(2026, 4, 15), cycle=self.yearly)
        self._refresh()
        Report = self.env["subscription.deferred.revenue.report"]
        self.assertTrue(Report.with_user(self.reader).search_count([]))
        other = self.env["res.company"].create({"name": "Deferred revenue company B"})
        reader_b = new_test_user(
            self.env,
            login="deferred_reader_b",
            groups="base.group_user,subscription_reports.group_subscription_reports_reader",
            company_id=other.id,
            company_ids=[other.id],
        )
        self.assertEqual(Report.with_user(reader_b).search_count([]), 0)
        for user in (self.portal_user, self.sub_user):
            with self.assertRaises(AccessError):
                Report.with_user(user).search([])
