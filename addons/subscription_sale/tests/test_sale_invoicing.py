# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from .common import SaleSubscriptionCommon


@tagged("post_install", "-at_install")
class TestSaleInvoicing(SaleSubscriptionCommon):
    def test_mixed_order_no_double_invoice(self):
        order = self._quotation(
            [
                (self.tier_basic, 3, self.monthly),
                (self.addon_storage, 2, self.monthly),
                (self.setup_service, 1),
            ]
        )
        self.assertEqual(order.amount_untaxed, 30.0 + 10.0 + 50.0, "the quotation shows it all")
        self._confirm(order)
        sub = order.created_subscription_ids
        sub_lines = self._sub_lines(order)
        one_off = order.order_line - sub_lines
        self.assertEqual(sub_lines.mapped("qty_to_invoice"), [0.0, 0.0])
        self.assertEqual(sub_lines.mapped("invoice_status"), ["invoiced", "invoiced"])
        self.assertEqual(sub_lines.mapped("untaxed_amount_to_invoice"), [0.0, 0.0])
        self.assertEqual(one_off.qty_to_invoice, 1.0)
        self.assertEqual(order.invoice_status, "to invoice")
        self.assertEqual(order.amount_to_invoice, 55.0, "the one-off product, taxed")
        # The subscription billed its first period itself.
        self.assertEqual(len(sub.invoice_ids), 1)
        self.assertEqual(sub.invoice_ids.amount_untaxed, 40.0)
        # The order's own invoice bills only the one-off product.
        invoice = order._create_invoices()
        self.assertEqual(invoice.invoice_line_ids.product_id, self.setup_service)
        self.assertEqual(invoice.amount_untaxed, 50.0)
        self.assertFalse(invoice.subscription_id)
        invoice.action_post()
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertEqual(order.invoice_ids, invoice)
        self.assertEqual(sub_lines.mapped("qty_invoiced"), [0.0, 0.0])
        # Nothing is left for the order to invoice.
        self.assertFalse(order._get_invoiceable_lines())

    def test_subscription_only_order_has_nothing_to_invoice(self):
        order = self._confirm(self._quotation([(self.tier_pro, 1, self.monthly)]))
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertEqual(order.amount_to_invoice, 0.0)
        self.assertFalse(order._get_invoiceable_lines())
        self.assertEqual(len(order.created_subscription_ids.invoice_ids), 1)
