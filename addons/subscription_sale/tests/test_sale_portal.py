# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import SaleSubscriptionCommon

# A 1x1 transparent GIF: the signature drawn on the portal.
SIGNATURE = "R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="


@tagged("post_install", "-at_install")
class TestSalePortal(SaleSubscriptionCommon, HttpCase):
    """A customer who signs a quotation on the portal confirms it as
    Odoo's portal flow does: the subscription is changed (or created)."""

    def _sign(self, order):
        order._portal_ensure_token()
        self.authenticate("portal_a", "portal_a_password")
        return self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {"access_token": order.access_token, "name": "Alice A", "signature": SIGNATURE},
        )

    def test_customer_signs_an_upgrade(self):
        sub = self._billed_subscription(on=fields.Date.today())
        order = self._quotation(
            [(self.tier_pro, 1)],
            subscription_id=sub.id,
            require_signature=True,
            require_payment=False,
        )
        result = self._sign(order)
        self.assertNotIn("error", result)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.subscription_operation, "change")
        self.assertEqual(sub.tier_id, self.tier_pro)

    def test_customer_signs_a_new_subscription(self):
        order = self._quotation(
            [(self.tier_basic, 2, self.monthly), (self.setup_service, 1)],
            require_signature=True,
            require_payment=False,
        )
        result = self._sign(order)
        self.assertNotIn("error", result)
        sub = order.created_subscription_ids
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.partner_id, self.customer)
        self.assertEqual(order.invoice_status, "to invoice", "the one-off is the order's")
