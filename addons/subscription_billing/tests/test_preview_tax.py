# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo import http
from odoo.tests import Form, HttpCase, freeze_time, tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestPreviewTax(BillingCommon):
    """What a plan change preview shows is what the invoice or credit note
    that follows charges, to the cent, taxes included."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax_incl = cls.env["account.tax"].create(
            {
                "name": "Sales 15% included",
                "amount": 15.0,
                "price_include_override": "tax_included",
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )

    def _proration_move(self, sub):
        return sub.invoice_ids.filtered(
            lambda m: m.subscription_invoice_kind == "proration"
        ).sorted("id")[-1:]

    def _assert_preview_matches(self, sub, when, **change):
        with freeze_time(when):
            preview = sub.preview_change(**change)
            sub.change_plan(**change)
        move = self._proration_move(sub)
        sign = -1 if move.move_type == "out_refund" else 1
        self.assertEqual(
            (preview["amount_untaxed"], preview["amount_tax"], preview["amount_total"]),
            (
                sign * move.amount_untaxed,
                sign * move.amount_tax,
                sign * move.amount_total,
            ),
        )
        self.assertEqual(preview["amount_untaxed"] + preview["amount_tax"], preview["amount_total"])
        return preview, move

    def test_tax_excluded_upgrade(self):
        sub = self._billed_subscription(on=date(2026, 4, 1), quantity=3)
        preview, move = self._assert_preview_matches(
            sub, "2026-04-20", tier_id=self.tier_pro.id
        )  # 90 x 11/30 - 30 x 11/30 = 33.00 - 11.00
        self.assertEqual(preview["amount_untaxed"], 22.0)
        self.assertEqual(preview["amount_tax"], 2.2)
        self.assertEqual(move.amount_total, 24.2)

    def test_tax_included_upgrade(self):
        (self.tier_basic | self.tier_pro).product_id.taxes_id = self.tax_incl
        sub = self._billed_subscription(on=date(2026, 4, 1), quantity=7)
        preview, move = self._assert_preview_matches(
            sub, "2026-04-18", tier_id=self.tier_pro.id
        )  # 210 x 13/30 - 70 x 13/30 = 91.00 - 30.33
        self.assertEqual(preview["amount_total"], 60.67, "prices include the tax")
        self.assertEqual(preview["amount_tax"], move.amount_tax)
        self.assertNotEqual(preview["amount_untaxed"], preview["net"])

    def test_tax_included_downgrade_credit_note(self):
        (self.tier_basic | self.tier_pro).product_id.taxes_id = self.tax_incl
        sub = self._billed_subscription(on=date(2026, 1, 31), tier=self.tier_pro, quantity=2)
        preview, move = self._assert_preview_matches(
            sub, "2026-02-11", tier_id=self.tier_basic.id, effective="now"
        )
        self.assertEqual(move.move_type, "out_refund")
        self.assertLess(preview["amount_total"], 0.0)

    def test_credit_line_uses_the_product_it_credits(self):
        """Different taxes on the old and new tier: the credit line carries
        the old tier's product and tax."""
        self.tier_pro.product_id.taxes_id = self.tax_incl
        sub = self._billed_subscription(on=date(2026, 4, 1), quantity=5)
        preview, move = self._assert_preview_matches(
            sub, "2026-04-09", tier_id=self.tier_pro.id, quantity=2
        )
        credit_line = move.invoice_line_ids.filtered(lambda line: line.price_unit < 0)
        self.assertEqual(credit_line.product_id, self.tier_basic.product_id)
        self.assertEqual(credit_line.tax_ids, self.tax_10)
        charge_line = move.invoice_line_ids - credit_line
        self.assertEqual(charge_line.product_id, self.tier_pro.product_id)
        self.assertEqual(charge_line.tax_ids, self.tax_incl)

    def test_scheduled_change_previews_nothing_now(self):
        sub = self._billed_subscription(on=date(2026, 4, 1), tier=self.tier_pro)
        with freeze_time("2026-04-09"):
            preview = sub.preview_change(tier_id=self.tier_basic.id)
        self.assertEqual(preview["effective"], "period_end")
        self.assertEqual(
            (preview["amount_untaxed"], preview["amount_tax"], preview["amount_total"]),
            (0.0, 0.0, 0.0),
        )

    def test_wizard_shows_taxes(self):
        sub = self._billed_subscription(on=date(2026, 4, 1), quantity=3)
        with freeze_time("2026-04-20"):
            wizard = Form(
                self.env["subscription.change.plan"].with_context(default_subscription_id=sub.id)
            )
            wizard.tier_id = self.tier_pro
            self.assertEqual(wizard.preview_amount_untaxed, 22.0)
            self.assertEqual(wizard.preview_amount_tax, 2.2)
            self.assertEqual(wizard.preview_amount_total, 24.2)
            wizard.save().action_confirm()
        self.assertEqual(self._proration_move(sub).amount_total, 24.2)


@tagged("post_install", "-at_install")
class TestPreviewTaxPortal(BillingCommon, HttpCase):
    def test_portal_preview_shows_taxes_and_total(self):
        today = date.today()
        sub = self._billed_subscription(on=today, partner=self.customer, quantity=3)
        self.authenticate("portal_a", "portal_a_password")
        preview = sub.preview_change(tier_id=self.tier_pro.id)
        response = self.url_open(
            f"/my/subscriptions/{sub.id}/change/preview",
            data={
                "csrf_token": http.Request.csrf_token(self),
                "tier_id": self.tier_pro.id,
                "cycle_id": sub.cycle_id.id,
                "quantity": 3,
            },
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(preview["amount_total"], 66.0, "60.00 + 10% tax, first day")
        self.assertIn("o_subscription_tax", response.text)
        self.assertIn("6.00", response.text)
        self.assertIn("o_subscription_total", response.text)
        self.assertIn("66.00", response.text)
