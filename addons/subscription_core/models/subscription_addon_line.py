# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class SubscriptionAddonLine(models.Model):
    _name = "subscription.addon.line"
    _description = "Subscription Add-on Line"
    _order = "subscription_id, id"

    subscription_id = fields.Many2one(
        "subscription.subscription", required=True, ondelete="cascade", index=True
    )
    addon_id = fields.Many2one("subscription.addon", required=True, ondelete="restrict")
    quantity = fields.Integer(required=True, default=1)
    currency_id = fields.Many2one(related="subscription_id.currency_id")
    company_id = fields.Many2one(related="subscription_id.company_id", store=True, index=True)
    price_unit = fields.Monetary(
        compute="_compute_price_unit",
        store=True,
        readonly=False,
        precompute=True,
        help="Taken from the catalog when the add-on is added, then kept.",
    )
    price_subtotal = fields.Monetary(compute="_compute_price_subtotal", store=True)

    _sql_constraints = [
        ("quantity_positive", "CHECK(quantity >= 1)", "An add-on quantity is at least 1."),
        (
            "addon_uniq",
            "UNIQUE(subscription_id, addon_id)",
            "An add-on appears once per subscription; change its quantity instead.",
        ),
    ]

    @api.depends("addon_id")
    def _compute_price_unit(self):
        for line in self:
            if line.price_unit and line._origin.addon_id == line.addon_id:
                continue
            price = (
                line.subscription_id._find_price(line.addon_id) if line.subscription_id else False
            )
            line.price_unit = price.amount if price else 0.0

    @api.depends("price_unit", "quantity", "currency_id")
    def _compute_price_subtotal(self):
        for line in self:
            subtotal = line.price_unit * line.quantity
            line.price_subtotal = line.currency_id.round(subtotal) if line.currency_id else subtotal

    @api.constrains("quantity", "addon_id")
    def _check_quantity(self):
        for line in self:
            if line.quantity < 1:
                raise ValidationError(
                    _("The quantity of %(addon)s must be at least 1.", addon=line.addon_id.name)
                )
            if line.quantity > 1 and not line.addon_id.per_unit:
                raise ValidationError(
                    _(
                        "%(addon)s is not sold by the unit: its quantity is 1.",
                        addon=line.addon_id.name,
                    )
                )
