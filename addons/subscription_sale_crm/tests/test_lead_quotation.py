# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged

from odoo.addons.subscription_core.tests.common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestLeadQuotation(SubscriptionCommon):
    """Opportunities of subscriptions produce the quotations that change them."""

    def test_expansion_quotation_upgrades_on_confirmation(self):
        with freeze_time("2026-01-01"):
            sub = self._new_subscription(date_start=date(2026, 1, 1))
            sub.action_start()
            lead = sub._crm_create_opportunities("expansion")
        self.assertEqual(lead.subscription_opportunity_kind, "expansion")
        with freeze_time("2026-01-10"):
            action = lead.action_subscription_quotation()
            order = self.env["sale.order"].browse(action["res_id"])
            self.assertEqual(order.opportunity_id, lead)
            self.assertEqual(order.subscription_id, sub)
            tier_lines = order.order_line.filtered("subscription_tier_id")
            self.assertEqual(tier_lines.subscription_tier_id, self.tier_pro)
            self.assertEqual(lead.quotation_count, 1)
            order.action_confirm()
        self.assertEqual(sub.tier_id, self.tier_pro)

    def test_renewal_quotation_keeps_the_plan(self):
        with freeze_time("2026-01-01"):
            sub = self._new_subscription(date_start=date(2026, 1, 1), cycle=self.yearly, quantity=3)
            sub.action_start()
            lead = sub._crm_create_opportunities("renewal")
        order = self.env["sale.order"].browse(lead.action_subscription_quotation()["res_id"])
        line = order.order_line.filtered("subscription_tier_id")
        self.assertEqual(line.subscription_tier_id, self.tier_basic)
        self.assertEqual(line.subscription_cycle_id, self.yearly)
        self.assertEqual(line.product_uom_qty, 3)
        self.assertEqual(order.state, "draft")

    def test_refusals(self):
        lead = self.env["crm.lead"].create({"name": "No subscription", "type": "opportunity"})
        with self.assertRaises(UserError):
            lead.action_subscription_quotation()
        with freeze_time("2026-01-01"):
            sub = self._new_subscription(tier=self.tier_enterprise, date_start=date(2026, 1, 1))
            sub.action_start()
        top = self.env["crm.lead"].create(
            {
                "name": "Top",
                "type": "opportunity",
                "subscription_id": sub.id,
                "subscription_opportunity_kind": "expansion",
                "partner_id": sub.partner_id.id,
            }
        )
        with self.assertRaises(UserError):
            top.action_subscription_quotation()
        self.assertFalse(self.env["sale.order"].search([("opportunity_id", "=", top.id)]))
