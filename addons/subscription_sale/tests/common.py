# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.tests import freeze_time

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.subscription_billing.tests.common import BillingCommon


class SaleSubscriptionCommon(BillingCommon):
    """The billing fixtures (catalog, 10% tax on the subscription products,
    customers) plus what selling needs: a one-off product, a pricelist in
    the second currency, a salesperson without Subscriptions rights and a
    salesperson who is also a subscription user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref("sales_team.group_sale_manager")
        cls.setup_service = cls.env["product.product"].create(
            {
                "name": "Onboarding workshop",
                "type": "service",
                "list_price": 50.0,
                "invoice_policy": "order",
                "taxes_id": [Command.set(cls.tax_10.ids)],
            }
        )
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Company currency", "currency_id": cls.currency.id}
        )
        cls.pricelist_other = cls.env["product.pricelist"].create(
            {"name": "Other currency", "currency_id": cls.other_currency.id}
        )
        cls.salesman = mail_new_test_user(
            cls.env,
            login="salesman",
            name="Salesman Only",
            groups="base.group_user,sales_team.group_sale_salesman",
            company_id=cls.company.id,
        )
        cls.sales_sub_user = mail_new_test_user(
            cls.env,
            login="sales_sub_user",
            name="Salesman With Subscriptions",
            groups="base.group_user,sales_team.group_sale_salesman_all_leads,"
            "subscription_core.group_subscription_user",
            company_id=cls.company.id,
        )
        (cls.salesman | cls.sales_sub_user).company_ids = cls.company

    def _quotation(self, lines, partner=None, pricelist=None, user=None, **vals):
        """A quotation of ``lines``: (product or tier or add-on, quantity[,
        cycle]) tuples; a tier or an add-on is sold through its product."""
        order_lines = []
        for item, qty, *rest in lines:
            product = item if item._name == "product.product" else item.product_id
            line = {"product_id": product.id, "product_uom_qty": qty}
            if rest:
                line["subscription_cycle_id"] = rest[0].id
            order_lines.append(Command.create(line))
        Order = self.env["sale.order"]
        if user:
            Order = Order.with_user(user)
        return Order.create(
            {
                "partner_id": (partner or self.customer).id,
                "pricelist_id": (pricelist or self.pricelist).id,
                "order_line": order_lines,
                **vals,
            }
        )

    def _confirm(self, order, on="2026-04-01"):
        with freeze_time(on):
            order.action_confirm()
        return order

    def _sub_lines(self, order):
        return order.order_line.filtered("is_subscription_line")
