# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo import Command
from odoo.tests import freeze_time, tagged
from odoo.tools import SQL

from odoo.addons.subscription_billing.tests.common import BillingCommon
from odoo.addons.subscription_reports.report.subscription_revenue_report import REVENUE_LINES

# The recognised and deferred revenue as the views computed them before the
# stored table (each posted line spread over its months on every read): the
# reference the table must agree with to the cent.
REFERENCE_RECOGNIZED = f"""
    WITH lines AS (
        SELECT x.*, GREATEST(x.period_end - x.period_start, 1) AS total_days
          FROM ({REVENUE_LINES}) x
    ), parts AS (
        SELECT lines.*, g.month::date AS month_date,
               LEAST(lines.period_start + lines.total_days,
                     (g.month + INTERVAL '1 month')::date)
                   - GREATEST(lines.period_start, g.month::date) AS days,
               LEAST(lines.period_start + lines.total_days,
                     (g.month + INTERVAL '1 month')::date)
                   - lines.period_start AS days_through
          FROM lines
         CROSS JOIN LATERAL generate_series(
             DATE_TRUNC('month', lines.period_start),
             DATE_TRUNC('month', lines.period_start + lines.total_days - 1),
             INTERVAL '1 month') g(month)
    )
    SELECT p.company_id, p.move_id, p.month_date, COUNT(*), SUM(p.days),
           SUM(ROUND(p.amount * p.days_through / p.total_days, cur.decimal_places)
               - ROUND(p.amount * (p.days_through - p.days) / p.total_days,
                       cur.decimal_places))
      FROM parts p
      JOIN res_company c ON c.id = p.company_id
      JOIN res_currency cur ON cur.id = c.currency_id
     GROUP BY 1, 2, 3
"""
REFERENCE_DEFERRED = f"""
    WITH lines AS (
        SELECT x.*, GREATEST(x.period_end - x.period_start, 1) AS total_days
          FROM ({REVENUE_LINES}) x
    ), ends AS (
        SELECT lines.*, (g.month + INTERVAL '1 month - 1 day')::date AS month_date,
               LEAST(GREATEST((g.month + INTERVAL '1 month')::date
                              - lines.period_start, 0),
                     lines.total_days) AS days_through
          FROM lines
         CROSS JOIN LATERAL generate_series(
             DATE_TRUNC('month', lines.date),
             DATE_TRUNC('month', lines.period_start + lines.total_days - 1),
             INTERVAL '1 month') g(month)
    ), balances AS (
        SELECT e.*, ROUND(e.amount * e.days_through / e.total_days,
                          cur.decimal_places) AS recognized
          FROM ends e
          JOIN res_company c ON c.id = e.company_id
          JOIN res_currency cur ON cur.id = c.currency_id
    )
    SELECT company_id, move_id, month_date, COUNT(*), SUM(recognized),
           SUM(amount - recognized)
      FROM balances
     WHERE amount <> recognized
     GROUP BY 1, 2, 3
"""
RECOGNIZED = """
    SELECT company_id, move_id, month_date, COUNT(*), SUM(days), SUM(amount)
      FROM subscription_recognized_revenue_report GROUP BY 1, 2, 3
"""
DEFERRED = """
    SELECT company_id, move_id, month_date, COUNT(*), SUM(recognized), SUM(amount)
      FROM subscription_deferred_revenue_report GROUP BY 1, 2, 3
"""


@tagged("post_install", "-at_install")
class TestRevenueMonth(BillingCommon):
    """The stored revenue per line and month gives the recognised and
    deferred revenue the spreading views gave, to the cent, on a history
    with straddling periods, invoices dated before and after their period,
    credit notes (a reversal and one of its own period), a cancelled
    invoice, a reset to draft, another currency and another company; the
    daily job's update re-reads only the moves written since its last run
    and gives the same rows as a rebuild."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A second company, whose currency is the other one.
        cls.company_b = cls.setup_other_company(
            name="Revenue month company B", currency_id=cls.other_currency.id
        )["company"]
        cls.env.user.company_ids |= cls.company_b
        cls.tier_b = cls._create_tier("Basic B", "basic_b", 70, 40.0)
        cls.tier_b.company_id = cls.company_b

    def _invoice(self, sub, start, end, amount, on, move_type="out_invoice"):
        with freeze_time(on):
            line = sub._prepare_invoice_line_values(
                sub.tier_id.product_id, "Revenue test", 1, amount, start, end
            )
            line["tax_ids"] = [Command.clear()]
            values = sub._prepare_invoice_values(
                "proration", start, end, [line], move_type=move_type
            )
            move = self.env["account.move"].with_company(sub.company_id).create(values)
            move.action_post()
        return move

    def _rows(self, query):
        self.env.flush_all()
        self.env.cr.execute(SQL(query))
        return sorted(self.env.cr.fetchall())

    def assertSameAsViews(self):
        recognized = self._rows(RECOGNIZED)
        self.assertTrue(recognized)
        self.assertEqual(recognized, self._rows(REFERENCE_RECOGNIZED))
        self.assertEqual(self._rows(DEFERRED), self._rows(REFERENCE_DEFERRED))

    def _table(self):
        return self._rows(
            "SELECT line_id, month_date, move_id, company_id, currency_id, subscription_id,"
            " move_type, date, period_start, period_end, month_end, line_amount, days, amount,"
            " recognized, deferred, is_deferred FROM subscription_revenue_month"
        )

    def test_same_totals_as_the_views(self):
        Month = self.env["subscription.revenue.month"]
        yearly = self._billed_subscription(
            on=date(2026, 3, 15), tier=self.tier_pro, cycle=self.yearly
        )
        monthly = self._billed_subscription(on=date(2026, 1, 31))
        foreign = self._billed_subscription(
            on=date(2026, 2, 10), currency_id=self.other_currency.id
        )
        with freeze_time("2026-02-01"):
            other = (
                self.env["subscription.subscription"]
                .with_company(self.company_b)
                .create(
                    {
                        "partner_id": self.other_customer.id,
                        "tier_id": self.tier_b.id,
                        "cycle_id": self.monthly.id,
                        "company_id": self.company_b.id,
                        "currency_id": self.other_currency.id,
                        "date_start": date(2026, 2, 1),
                    }
                )
            )
            other.action_start()
        self.assertEqual(other.invoice_ids.company_id, self.company_b)
        # Odd amounts over odd periods: each month's part is rounded.
        odd = self._invoice(foreign, date(2026, 2, 10), date(2026, 5, 17), 33.33, "2026-02-10")
        early = self._invoice(monthly, date(2026, 3, 1), date(2026, 4, 1), 17.77, "2026-02-20")
        late = self._invoice(monthly, date(2026, 3, 1), date(2026, 4, 1), 9.99, "2026-05-10")
        to_cancel = self._invoice(yearly, date(2026, 4, 1), date(2026, 7, 1), 45.01, "2026-04-01")
        to_draft = self._invoice(other, date(2026, 3, 1), date(2026, 6, 1), 61.0, "2026-03-01")
        self.assertNotEqual(odd.currency_id, odd.company_currency_id)
        self.assertEqual(Month._update(), None)  # the first update builds it all
        self.assertSameAsViews()
        # Invoiced after its period: recognised in March, never deferred.
        late_rows = Month.search([("move_id", "=", late.id)])
        self.assertEqual(late_rows.filtered("days").mapped("month_date"), [date(2026, 3, 1)])
        self.assertFalse(late_rows.filtered("is_deferred"))
        self.assertEqual(
            Month.search([]).move_id,
            yearly.invoice_ids | monthly.invoice_ids | foreign.invoice_ids | other.invoice_ids,
        )
        # Every line is recognised in full over its months.
        self.assertEqual(
            self._rows(
                "SELECT line_id, SUM(amount) FROM subscription_revenue_month"
                " WHERE days > 0 GROUP BY line_id"
            ),
            self._rows(
                "SELECT id, -balance FROM account_move_line WHERE display_type = 'product'"
                " AND parent_state = 'posted' AND move_id IN"
                " (SELECT move_id FROM subscription_revenue_month)"
            ),
        )

        # What happens to invoices after they are posted, then the update.
        with freeze_time("2026-04-20"):
            refund = early._reverse_moves([{"date": date(2026, 4, 20)}])
            refund.action_post()
            line = yearly._prepare_invoice_line_values(
                yearly.tier_id.product_id, "Goodwill", 1, 100.0, date(2026, 6, 1), date(2026, 12, 1)
            )
            credit = yearly._post_credit_note([line], date(2026, 6, 1), date(2026, 12, 1))
            to_cancel.button_draft()
            to_cancel.button_cancel()
            to_draft.button_draft()
        late_refund = self._invoice(
            monthly, date(2026, 3, 1), date(2026, 4, 1), 9.99, "2026-05-11", "out_refund"
        )
        Month._update()
        self.assertSameAsViews()
        moves = set(Month.search([]).mapped("move_id").ids)
        self.assertTrue({refund.id, credit.id, late_refund.id} <= moves)
        self.assertFalse({to_cancel.id, to_draft.id} & moves)
        # Idempotent: again, and a full rebuild, give the same rows.
        rows = self._table()
        Month._update()
        self.assertEqual(self._table(), rows)
        Month._rebuild()
        self.assertEqual(self._table(), rows)

        # Only the moves written since the last update are read again (and
        # the credit notes that reverse them).
        self.env.cr.execute(
            SQL("UPDATE account_move SET write_date = write_date - INTERVAL '1 day'")
        )
        self.env["ir.config_parameter"].set_param(
            "subscription_reports.revenue_month_since", "2000-01-01 00:00:00"
        )
        self.assertGreater(Month._update(), 10)
        self.assertEqual(Month._update(), 0)
        early.invalidate_recordset()
        early.write({"ref": "touched"})
        self.assertEqual(Month._update(), 2)  # the invoice and its reversal
        # The reset invoice posted again with another amount, by the daily job.
        with freeze_time("2026-03-01"):
            to_draft.invoice_line_ids.price_unit = 72.5
            to_draft.action_post()
        self.env["subscription.metric.snapshot"]._cron_build_snapshots()
        self.assertSameAsViews()
        self.assertAlmostEqual(
            sum(Month.search([("move_id", "=", to_draft.id), ("days", ">", 0)]).mapped("amount")),
            -to_draft.line_ids.filtered(lambda x: x.display_type == "product").balance,
            2,
        )
        rows = self._table()
        Month._rebuild()
        self.assertEqual(self._table(), rows)
        # The reconciliation agrees for each company.
        for company in (self.company, self.company_b):
            wizard = self.env["subscription.metric.reconcile"].create(
                {"company_id": company.id, "date_from": "2026-01-01", "date": "2026-12-31"}
            )
            with freeze_time("2026-12-31"):
                wizard.action_reconcile()
            self.assertFalse(wizard.line_ids.filtered(lambda x: x.check == "revenue"))

    def test_deleted_move_leaves_no_row(self):
        sub = self._billed_subscription(on=date(2026, 4, 15))
        invoice = sub.invoice_ids
        Month = self.env["subscription.revenue.month"]
        Month._update()
        self.assertTrue(Month.search_count([("move_id", "=", invoice.id)]))
        invoice.button_draft()
        invoice.with_context(force_delete=True).unlink()
        self.assertFalse(Month.search_count([("move_id", "=", invoice.id)]))
