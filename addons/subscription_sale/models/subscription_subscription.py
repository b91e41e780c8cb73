# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SubscriptionSubscription(models.Model):
    _inherit = "subscription.subscription"

    # === FIELDS ===#

    source = fields.Selection(
        selection_add=[("sale", "Sales Order")], ondelete={"sale": "set default"}
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Sales Order",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The confirmed quotation that created this subscription.",
    )
    sale_order_ids = fields.One2many(
        "sale.order", "subscription_id", string="Change Quotations", readonly=True
    )
    sale_order_count = fields.Integer(compute="_compute_sale_order_count")

    # === COMPUTE ===#

    def _compute_sale_order_count(self):
        for sub in self:
            # Counted as the system: subscription users may not read orders.
            sub.sale_order_count = len(sub.sudo()._linked_sale_orders())

    def _linked_sale_orders(self):
        self.ensure_one()
        return self.sale_order_id | self.sale_order_ids

    # === ACTIONS ===#

    def action_view_sale_orders(self):
        self.ensure_one()
        orders = self._linked_sale_orders()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        if len(orders) == 1:
            action.update(views=[(False, "form")], view_mode="form", res_id=orders.id)
        else:
            action["domain"] = [("id", "in", orders.ids)]
        action["context"] = {"create": False}
        return action

    def action_new_quotation(self):
        """Open a new quotation for a change of this subscription, its lines
        filled with the current plan (edit them to say what it will have)."""
        self.ensure_one()
        order = self._create_change_quotation()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": order.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # === BUSINESS METHODS ===#

    def _create_change_quotation(
        self, tier=None, cycle=None, quantity=None, addons=None, effective=None, order_values=None
    ):
        """Create and return a draft quotation that changes this subscription
        once confirmed: the hook for renewal and expansion opportunities
        (e.g. from a ``crm.lead``: pass ``order_values={'opportunity_id':
        lead.id}`` where ``sale_crm`` is installed).

        :param tier: new ``subscription.tier`` (None keeps the current one)
        :param cycle: new ``subscription.cycle`` (None keeps it)
        :param quantity: new number of seats (None keeps it)
        :param addons: ``{subscription.addon: quantity}`` of add-ons to set
            (0 removes one; add-ons not named keep their quantity)
        :param effective: ``'now'``, ``'period_end'`` or None for the
            default (upgrades now, downgrades at period end)
        :param order_values: more ``sale.order`` values
        """
        self.ensure_one()
        self.check_access("write")
        if self.state not in ("draft", "trial", "active", "past_due"):
            raise UserError(
                _("%(name)s is no longer running: it cannot be changed.", name=self.name)
            )
        tier = tier or self.tier_id
        cycle = cycle or self.cycle_id
        wanted = {line.addon_id: line.quantity for line in self.addon_line_ids}
        wanted.update(addons or {})
        line_commands = [
            fields.Command.create(
                {
                    "product_id": tier.product_id.id,
                    "subscription_tier_id": tier.id,
                    "subscription_cycle_id": cycle.id,
                    "product_uom_qty": self.quantity if quantity is None else quantity,
                }
            )
        ]
        line_commands += [
            fields.Command.create(
                {
                    "product_id": addon.product_id.id,
                    "subscription_addon_id": addon.id,
                    "subscription_cycle_id": cycle.id,
                    "product_uom_qty": qty,
                }
            )
            for addon, qty in wanted.items()
        ]
        values = {
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "user_id": self.user_id.id,
            "subscription_id": self.id,
            "subscription_effective": effective or "default",
            "origin": self.name,
            "order_line": line_commands,
            **(order_values or {}),
        }
        pricelist = self._get_sale_pricelist()
        if pricelist:
            values["pricelist_id"] = pricelist.id
        return self.env["sale.order"].with_company(self.company_id).create(values)

    def _get_sale_pricelist(self):
        """A pricelist in the subscription's currency for its quotations: the
        customer's when it matches, else the first one of the company."""
        self.ensure_one()
        pricelist = self.partner_id.with_company(self.company_id).property_product_pricelist
        if pricelist.currency_id == self.currency_id:
            return pricelist
        return self.env["product.pricelist"].search(
            [
                ("currency_id", "=", self.currency_id.id),
                ("company_id", "in", (False, self.company_id.id)),
            ],
            limit=1,
        )

    @api.model
    def _get_protected_fields(self):
        """The order that created a subscription is set once, by the sale."""
        return {
            **super()._get_protected_fields(),
            "sale_order_id": _("it is set when a quotation creates the subscription"),
        }

    def _prepare_invoice_values(self, kind, start, end, lines, move_type="out_invoice"):
        """Period invoices name the sales order that created the subscription
        in their source document."""
        values = super()._prepare_invoice_values(kind, start, end, lines, move_type=move_type)
        if self.sale_order_id:
            values["invoice_origin"] = f"{values['invoice_origin']}, {self.sale_order_id.name}"
        return values
