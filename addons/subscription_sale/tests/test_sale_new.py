# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged

from .common import SaleSubscriptionCommon


@tagged("post_install", "-at_install")
class TestSaleNewSubscription(SaleSubscriptionCommon):
    def _subs_of(self, partner):
        return self.env["subscription.subscription"].search([("partner_id", "=", partner.id)])

    def test_quotation_prices_from_catalog(self):
        order = self._quotation(
            [(self.tier_pro, 3, self.quarterly), (self.addon_storage, 2, self.quarterly)]
        )
        tier_line, addon_line = order.order_line.sorted("id")
        self.assertEqual(tier_line.subscription_tier_id, self.tier_pro)
        self.assertEqual(addon_line.subscription_addon_id, self.addon_storage)
        self.assertTrue(tier_line.is_subscription_line)
        self.assertEqual(tier_line.price_unit, 90.0, "quarterly catalog price of Pro")
        self.assertEqual(addon_line.price_unit, 15.0)
        self.assertEqual(addon_line.name, "Extra storage\nBilling cycle: Test Quarterly")
        self.assertEqual(order.amount_untaxed, 3 * 90.0 + 2 * 15.0)
        # Another cycle: the catalog price of that cycle.
        tier_line.subscription_cycle_id = self.yearly
        self.assertEqual(tier_line.price_unit, 300.0)
        self.assertEqual(tier_line.name, "Pro\nBilling cycle: Test Yearly")
        # New lines of a subscription take the cycle of the tier line.
        order.write({"order_line": [(0, 0, {"product_id": self.addon_support.product_id.id})]})
        support_line = order.order_line.sorted("id")[-1]
        self.assertEqual(support_line.subscription_cycle_id, self.yearly)
        self.assertEqual(support_line.price_unit, 200.0)

    def test_confirmation_creates_and_starts_the_subscription(self):
        order = self._quotation(
            [
                (self.tier_basic, 3, self.monthly),
                (self.addon_storage, 2, self.monthly),
                (self.addon_support, 1, self.monthly),
            ]
        )
        self.assertFalse(self._subs_of(self.customer), "a quotation creates nothing")
        self._confirm(order)
        sub = self._subs_of(self.customer)
        self.assertEqual(len(sub), 1)
        self.assertEqual(order.subscription_operation, "new")
        self.assertEqual(sub.sale_order_id, order)
        self.assertEqual(sub.source, "sale")
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.date_start, date(2026, 4, 1))
        self.assertEqual(
            (sub.tier_id, sub.cycle_id, sub.quantity), (self.tier_basic, self.monthly, 3)
        )
        self.assertEqual(
            {line.addon_id: line.quantity for line in sub.addon_line_ids},
            {self.addon_storage: 2, self.addon_support: 1},
        )
        self.assertEqual(sub.recurring_amount, 60.0)
        self.assertEqual(sub.user_id, order.user_id)
        # The first period is invoiced by the subscription's rules, once.
        invoice = sub.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.subscription_period_start, date(2026, 4, 1))
        self.assertEqual(invoice.amount_untaxed, 60.0)
        self.assertIn(order.name, invoice.invoice_origin)
        self.assertEqual(invoice.subscription_sale_order_id, order)
        # Links both ways.
        self.assertEqual(order.subscription_count, 1)
        self.assertEqual(order.action_view_subscriptions()["res_id"], sub.id)
        self.assertEqual(sub.sale_order_count, 1)
        self.assertEqual(sub.action_view_sale_orders()["res_id"], order.id)
        self.assertEqual(invoice.action_view_subscription_sale_order()["res_id"], order.id)
        self.assertEqual(self._events(sub).mapped("event_type"), ["created", "activated"])

    def test_trial_tier_starts_a_trial_without_invoice(self):
        order = self._confirm(self._quotation([(self.tier_enterprise, 1, self.monthly)]))
        sub = order.created_subscription_ids
        self.assertEqual(sub.state, "trial")
        self.assertEqual(sub.trial_end_date, date(2026, 4, 15))
        self.assertFalse(sub.invoice_ids)
        self.assertEqual(order.invoice_status, "invoiced", "nothing for the order to invoice")

    def test_other_currency(self):
        order = self._quotation(
            [(self.tier_pro, 2, self.monthly), (self.addon_support, 1)],
            pricelist=self.pricelist_other,
        )
        self.assertEqual(order.currency_id, self.other_currency)
        self.assertEqual(
            order.order_line.sorted("id").mapped("price_unit"),
            [60.0, 40.0],
            "the catalog prices in the order's currency",
        )
        self._confirm(order)
        sub = order.created_subscription_ids
        self.assertEqual(sub.currency_id, self.other_currency)
        self.assertEqual(sub.recurring_amount, 160.0)
        self.assertEqual(sub.invoice_ids.currency_id, self.other_currency)
        self.assertEqual(sub.invoice_ids.amount_untaxed, 160.0)

    def _assert_refused(self, order, message):
        with self.assertRaisesRegex(UserError, message):
            self._confirm(order)
        self.assertEqual(order.state, "draft")
        self.assertFalse(self._subs_of(order.partner_id))

    def test_no_price_for_currency_or_cycle(self):
        order = self._quotation([(self.tier_pro, 1, self.yearly)], pricelist=self.pricelist_other)
        self.assertEqual(order.order_line.price_unit, 0.0, "no catalog price: shown as 0")
        self._assert_refused(order, r"Pro has no price for the Test Yearly cycle in")
        order = self._quotation([(self.tier_no_price, 1, self.monthly)])
        self._assert_refused(order, r"Unpriced has no price for the Test Monthly cycle")

    def test_bad_quotations_are_refused_whole(self):
        self._assert_refused(
            self._quotation([(self.tier_basic, 1, self.monthly), (self.tier_pro, 1, self.monthly)]),
            r"one tier line",
        )
        self._assert_refused(
            self._quotation([(self.addon_support, 1, self.monthly)]), r"add-ons without a tier"
        )
        self._assert_refused(
            self._quotation([(self.tier_basic, 1.5, self.monthly)]), r"whole number"
        )
        self._assert_refused(
            self._quotation([(self.tier_basic, 1, self.monthly), (self.addon_support, 2)]),
            r"not sold by the unit",
        )
        self._assert_refused(
            self._quotation(
                [(self.tier_basic, 1, self.monthly), (self.addon_storage, 1, self.yearly)]
            ),
            r"mixes billing cycles",
        )
        order = self._quotation([(self.tier_basic, 1, self.monthly)])
        order.order_line.price_unit = 1.0
        self._assert_refused(order, r"differs from the catalog price")
        order = self._quotation([(self.tier_basic, 1, self.monthly)])
        order.order_line.discount = 10.0
        self._assert_refused(order, r"without a discount")

    def test_cancel_quotation_creates_nothing(self):
        order = self._quotation([(self.tier_basic, 2, self.monthly)])
        order.action_cancel()
        self.assertEqual(order.state, "cancel")
        self.assertFalse(self._subs_of(self.customer))
        self.assertFalse(order.subscription_operation)

    def test_cancel_confirmed_order_cancels_its_subscription(self):
        order = self._confirm(self._quotation([(self.tier_basic, 2, self.monthly)]))
        sub = order.created_subscription_ids
        with freeze_time("2026-04-05"):
            order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(sub.state, "cancelled")
        self.assertEqual(
            sub.cancel_reason_id, self.env.ref("subscription_sale.cancel_reason_order_cancelled")
        )
        self.assertEqual(sub.cancel_date, date(2026, 4, 5))
        # Back to quotation and confirmed again: a new subscription.
        order.action_draft()
        self._confirm(order, on="2026-04-06")
        self.assertEqual(len(order.created_subscription_ids), 2)
        self.assertEqual(order.subscription_count, 2)

    def test_cancel_confirmed_order_credits_when_the_company_does(self):
        self.company.subscription_credit_on_cancel = True
        order = self._confirm(self._quotation([(self.tier_basic, 3, self.monthly)]))
        sub = order.created_subscription_ids
        self.assertEqual(sub.invoice_ids.amount_untaxed, 30.0)
        with freeze_time("2026-04-16"):
            order.with_context(disable_cancel_warning=True).action_cancel()
        refund = sub.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(refund.amount_untaxed, 15.0, "15 of the 30 days unused")
        self.assertFalse(order.invoice_ids, "the order itself never invoiced it")

    def test_cancel_refused_once_the_subscription_renewed(self):
        order = self._confirm(self._quotation([(self.tier_basic, 1, self.monthly)]))
        sub = order.created_subscription_ids
        self._renew("2026-05-01")
        self.assertIn("renewed", sub.event_ids.mapped("event_type"))
        with self.assertRaisesRegex(UserError, r"has renewed since"):
            order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual(order.state, "sale")
        self.assertEqual(sub.state, "active")
