# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.tests import freeze_time, tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestLineDescriptions(BillingCommon):
    """Invoice lines name what they bill and the period, last day included,
    in the customer's language and date format; the invoice header and the
    subscription's invoice list show the same last day."""

    def _invoice(self, sub, kind="period"):
        return sub.invoice_ids.filtered(lambda m: m.subscription_invoice_kind == kind)

    def test_period_lines_and_header(self):
        sub = self._billed_subscription(
            on=date(2026, 12, 2), tier=self.tier_pro, addons={self.addon_storage: 2}
        )
        invoice = self._invoice(sub)
        self.assertEqual(
            invoice.invoice_line_ids.sorted("id").mapped("name"),
            [
                "Pro (Test Monthly) – 12/02/2026 to 01/01/2027",
                "Extra storage – 12/02/2026 to 01/01/2027",
            ],
        )
        self.assertEqual(invoice.subscription_period_end, date(2027, 1, 2), "stored half-open")
        self.assertEqual(invoice.subscription_period_last_day, date(2027, 1, 1))
        form = self.env["account.move"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="subscription_period_last_day"', form, "the header shows the last day")
        self.assertNotIn('name="subscription_period_end"', form)
        period = sub.billing_period_ids
        self.assertEqual(
            (period.date_start, period.date_last), (date(2026, 12, 2), date(2027, 1, 1))
        )

    def test_partner_language_and_date_format(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer.lang = "fr_FR"
        sub = self._billed_subscription(on=date(2026, 1, 31))
        self.assertEqual(
            self._invoice(sub).invoice_line_ids.name,
            "Basic (Test Monthly) – 31/01/2026 to 27/02/2026",
        )

    def test_proration_lines(self):
        sub = self._billed_subscription(on=date(2026, 1, 31))
        with freeze_time("2026-02-14"):
            sub.change_plan(tier_id=self.tier_pro.id, effective="now")
        lines = self._invoice(sub, "proration").invoice_line_ids
        self.assertEqual(
            sorted(lines.mapped("name")),
            [
                "Pro (Test Monthly) – 02/14/2026 to 02/27/2026 (prorated)",
                "Unused time on Basic – 02/14/2026 to 02/27/2026",
            ],
        )

    def test_credit_lines_of_a_pause_and_a_cancellation(self):
        self.company.subscription_credit_on_cancel = True
        paused = self._billed_subscription(on=date(2026, 1, 31))
        cancelled = self._billed_subscription(on=date(2026, 1, 31), tier=self.tier_pro)
        with freeze_time("2026-02-14"):
            paused.action_pause()
            cancelled.action_cancel(self.reason.id, at_period_end=False)
        self.assertEqual(
            self._invoice(paused, "credit").invoice_line_ids.name,
            "Unused time on Basic (Test Monthly) – 02/14/2026 to 02/27/2026 (paused)",
        )
        self.assertEqual(
            self._invoice(cancelled, "credit").invoice_line_ids.name,
            "Unused time on Pro (Test Monthly) – 02/14/2026 to 02/27/2026 (cancelled)",
        )

    def test_subscription_invoice_list_shows_periods(self):
        sub = self._billed_subscription(on=date(2026, 1, 31))
        action = sub.action_view_invoices()
        view_id = action["views"][0][0]
        self.assertEqual(
            view_id, self.env.ref("subscription_billing.account_move_view_list_subscription").id
        )
        arch = self.env["account.move"].get_views([(view_id, "list")])["views"]["list"]["arch"]
        self.assertRegex(arch, r'name="subscription_period_start"[^>]*optional="show"')
        self.assertRegex(arch, r'name="subscription_period_last_day"[^>]*optional="show"')
        self.assertEqual(self.env["account.move"].search(action["domain"]), sub.invoice_ids)
