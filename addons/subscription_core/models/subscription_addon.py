# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class SubscriptionAddon(models.Model):
    _name = "subscription.addon"
    _description = "Subscription Add-on"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    product_id = fields.Many2one(
        "product.product",
        string="Product",
        required=True,
        check_company=True,
        domain=[("type", "=", "service")],
    )
    description = fields.Text(translate=True)
    per_unit = fields.Boolean(
        string="Per Unit",
        help="Sold by the unit (seats, units): the customer chooses a quantity. "
        "Otherwise the add-on is on or off.",
    )
    price_ids = fields.One2many("subscription.price", "addon_id", string="Prices")
    tier_ids = fields.Many2many(
        "subscription.tier",
        "subscription_addon_tier_rel",
        "addon_id",
        "tier_id",
        string="Tiers",
        help="Tiers that may take this add-on.",
    )
