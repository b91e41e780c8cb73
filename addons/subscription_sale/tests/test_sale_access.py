# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import SaleSubscriptionCommon


@tagged("post_install", "-at_install")
class TestSaleAccess(SaleSubscriptionCommon):
    """A salesperson without Subscriptions rights sells new subscriptions
    (the confirmation creates them as the system) but cannot see them nor
    change an existing one; a salesperson who is a subscription user can."""

    def test_salesman_sells_a_new_subscription(self):
        order = self._quotation(
            [(self.tier_basic, 2, self.monthly), (self.addon_support, 1)], user=self.salesman
        )
        self.assertEqual(order.order_line.mapped("price_unit"), [10.0, 20.0])
        self._confirm(order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.subscription_count, 1)
        sub = order.sudo().created_subscription_ids
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.user_id, self.salesman)
        self.assertEqual(self._events(sub)[0].user_id, self.salesman)
        # The subscription itself stays out of the salesperson's reach.
        with self.assertRaises(AccessError):
            sub.with_user(self.salesman).read(["name"])
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).read(["subscription_id"])

    def test_salesman_cannot_change_a_subscription(self):
        sub = self._billed_subscription(on=date(2026, 4, 1))
        order = self._quotation(
            [(self.tier_pro, 1)], subscription_id=sub.id, user_id=self.salesman.id
        ).with_user(self.salesman)
        with self.assertRaisesRegex(AccessError, r"Subscriptions / User"):
            self._confirm(order, on="2026-04-10")
        self.assertEqual(order.sudo().state, "draft")
        self.assertEqual(sub.tier_id, self.tier_basic)

    def test_subscription_user_changes_a_subscription(self):
        sub = self._billed_subscription(on=date(2026, 4, 1))
        order = self._quotation(
            [(self.tier_pro, 1)], subscription_id=sub.id, user=self.sales_sub_user
        )
        self._confirm(order, on="2026-04-10")
        self.assertEqual(sub.tier_id, self.tier_pro)
        self.assertEqual(self._events(sub)[-1].user_id, self.sales_sub_user)
