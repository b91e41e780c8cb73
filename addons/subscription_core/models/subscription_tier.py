# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class SubscriptionTier(models.Model):
    _name = "subscription.tier"
    _description = "Subscription Tier"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Stable identifier used by integrations.")
    sequence = fields.Integer(
        default=10, help="Rank of the tier: a tier further down is an upgrade."
    )
    active = fields.Boolean(default=True)
    color = fields.Integer()
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    product_id = fields.Many2one(
        "product.product",
        string="Product",
        required=True,
        check_company=True,
        domain=[("type", "=", "service")],
        help="Service product invoiced for this tier.",
    )
    description = fields.Html(translate=True, help="Features shown to customers in the portal.")
    trial_days = fields.Integer(help="Days of free trial before billing starts.")
    price_ids = fields.One2many("subscription.price", "tier_id", string="Prices")
    addon_ids = fields.Many2many(
        "subscription.addon",
        "subscription_addon_tier_rel",
        "tier_id",
        "addon_id",
        string="Allowed Add-ons",
    )
    subscription_count = fields.Integer(compute="_compute_subscription_count")

    _sql_constraints = [
        (
            "code_company_uniq",
            "UNIQUE(code, company_id)",
            "The tier code must be unique per company.",
        ),
        ("trial_days_positive", "CHECK(trial_days >= 0)", "Trial days cannot be negative."),
    ]

    def _compute_subscription_count(self):
        counts = dict(
            self.env["subscription.subscription"]._read_group(
                [("tier_id", "in", self.ids)], ["tier_id"], ["__count"]
            )
        )
        for tier in self:
            tier.subscription_count = counts.get(tier, 0)

    @api.depends("code")
    def _compute_display_name(self):
        for tier in self:
            tier.display_name = tier.name or ""
