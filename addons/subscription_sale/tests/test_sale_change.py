# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged
from odoo.tools import format_amount

from .common import SaleSubscriptionCommon


@tagged("post_install", "-at_install")
class TestSaleChangeSubscription(SaleSubscriptionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-04-01"):
            cls.sub = cls.env["subscription.subscription"].create(
                {
                    "partner_id": cls.customer.id,
                    "tier_id": cls.tier_basic.id,
                    "cycle_id": cls.monthly.id,
                    "quantity": 2,
                    "date_start": "2026-04-01",
                    "addon_line_ids": [(0, 0, {"addon_id": cls.addon_support.id, "quantity": 1})],
                }
            )
            cls.sub.action_start()

    def _change_order(self, lines, **vals):
        return self._quotation(lines, subscription_id=self.sub.id, **vals)

    def test_line_cycle_follows_the_subscription(self):
        order = self._change_order([(self.tier_pro, 2)])
        self.assertEqual(order.order_line.subscription_cycle_id, self.monthly)
        self.assertEqual(order.order_line.price_unit, 30.0)

    def test_change_preview_on_the_quotation(self):
        def money(amount):
            return format_amount(self.env, amount, self.currency)

        with freeze_time("2026-04-16"):
            order = self._change_order([(self.tier_pro, 2)])
            summary = order.subscription_change_summary
        self.assertIn("Takes effect now", summary)
        # 40.00 a month -> 80.00, 15 of the 30 days left.
        for amount in (20.0, 40.0, 80.0):
            self.assertIn(money(amount), summary)
        self.assertIn(money(22.0), summary, "the net with the 10% tax")
        with freeze_time("2026-04-16"):
            order = self._change_order([(self.tier_basic, 1)])
            self.assertIn("Takes effect on", order.subscription_change_summary)
            order = self._change_order([(self.tier_basic, 2)])
            self.assertIn("already has this plan", order.subscription_change_summary)
        self.assertFalse(self.sub.has_pending_change, "a preview writes nothing")

    def test_upgrade_now(self):
        order = self._change_order([(self.tier_pro, 2)])
        self._confirm(order, on="2026-04-16")
        self.assertEqual(order.subscription_operation, "change")
        self.assertEqual(order.subscription_change_date, date(2026, 4, 16))
        self.assertEqual(self.sub.tier_id, self.tier_pro)
        self.assertEqual(self.sub.quantity, 2)
        self.assertEqual(self.sub.addon_line_ids.addon_id, self.addon_support, "add-ons kept")
        self.assertEqual(self._events(self.sub)[-1].event_type, "upgraded")
        proration = self.sub.invoice_ids.filtered(
            lambda m: m.subscription_invoice_kind == "proration"
        )
        self.assertEqual(len(proration), 1, "the subscription bills the proration, once")
        self.assertFalse(order.invoice_ids, "the order invoices nothing")
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertEqual(self.sub.sale_order_count, 1)
        self.assertEqual(order.subscription_count, 1)

    def test_downgrade_at_period_end(self):
        self._confirm(self._change_order([(self.tier_pro, 2)]), on="2026-04-10")
        order = self._change_order([(self.tier_basic, 1)])
        self._confirm(order, on="2026-04-16")
        self.assertEqual(self.sub.tier_id, self.tier_pro, "not before the period ends")
        self.assertEqual(self.sub.pending_tier_id, self.tier_basic)
        self.assertEqual(self.sub.pending_quantity, 1)
        self.assertEqual(order.subscription_change_date, date(2026, 5, 1))
        self._renew("2026-05-01")
        self.assertEqual((self.sub.tier_id, self.sub.quantity), (self.tier_basic, 1))

    def test_downgrade_now_when_asked(self):
        order = self._change_order([(self.tier_basic, 1)], subscription_effective="now")
        self._confirm(order, on="2026-04-16")
        self.assertEqual((self.sub.tier_id, self.sub.quantity), (self.tier_basic, 1))
        self.assertFalse(self.sub.has_pending_change)

    def test_addon_lines_set_their_quantity_only(self):
        order = self._change_order([(self.addon_storage, 3)])
        self._confirm(order, on="2026-04-16")
        self.assertEqual(
            {line.addon_id: line.quantity for line in self.sub.addon_line_ids},
            {self.addon_support: 1, self.addon_storage: 3},
        )
        order = self._change_order([(self.addon_support, 0)])
        self._confirm(order, on="2026-04-20")
        # Removing an add-on is a downgrade: at the end of the period.
        self.assertEqual(self.sub.pending_addons, {"addons": {str(self.addon_storage.id): 3}})

    def test_refused_changes(self):
        with self.assertRaises(ValidationError):
            self._quotation(
                [(self.tier_pro, 2)], partner=self.other_customer, subscription_id=self.sub.id
            )
        order = self._change_order([(self.tier_basic, 2)])
        with self.assertRaisesRegex(UserError, r"already has this plan"):
            self._confirm(order, on="2026-04-16")
        self.assertEqual(order.state, "draft")
        order = self._change_order([(self.tier_pro, 2)], pricelist=self.pricelist_other)
        with self.assertRaisesRegex(UserError, r"same currency"):
            self._confirm(order, on="2026-04-16")
        self.assertEqual(self.sub.tier_id, self.tier_basic)
        self.assertEqual(len(self._events(self.sub)), 2, "nothing happened to it")

    def test_cancel_change_orders(self):
        upgrade = self._confirm(self._change_order([(self.tier_pro, 2)]), on="2026-04-10")
        downgrade = self._confirm(self._change_order([(self.tier_pro, 1)]), on="2026-04-16")
        self.assertEqual(self.sub.pending_quantity, 1)
        with freeze_time("2026-04-20"):
            downgrade.with_context(disable_cancel_warning=True).action_cancel()
        self.assertFalse(self.sub.has_pending_change, "the scheduled change is dropped")
        with freeze_time("2026-04-20"):
            upgrade.with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual(self.sub.tier_id, self.tier_pro, "an applied change stays")
        self.assertIn("the plan change it made stays", self.sub.message_ids[0].body)

    def test_change_quotation_hook(self):
        with freeze_time("2026-04-16"):
            order = self.sub._create_change_quotation(
                tier=self.tier_pro, addons={self.addon_storage: 2}
            )
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.subscription_id, self.sub)
        self.assertEqual(order.partner_id, self.customer)
        self.assertEqual(
            sorted(
                (line.product_id.name, line.product_uom_qty, line.price_unit)
                for line in order.order_line
            ),
            [("Extra storage", 2.0, 5.0), ("Priority support", 1.0, 20.0), ("Pro", 2.0, 30.0)],
        )
        self._confirm(order, on="2026-04-16")
        self.assertEqual(self.sub.tier_id, self.tier_pro)
        self.assertEqual(len(self.sub.addon_line_ids), 2)
        action = self.sub.action_new_quotation()
        self.assertEqual(action["res_model"], "sale.order")
