# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    subscription_sale_order_id = fields.Many2one(
        related="subscription_id.sale_order_id",
        string="Subscription Sales Order",
        groups="sales_team.group_sale_salesman",
        help="The sales order that created the subscription this invoice bills.",
    )

    def action_view_subscription_sale_order(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        action.update(
            views=[(False, "form")],
            view_mode="form",
            res_id=self.subscription_sale_order_id.id,
            context={"create": False},
        )
        return action
