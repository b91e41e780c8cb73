# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    subscription_retention_window_days = fields.Integer(
        string="Save Offer Window (days)",
        default=365,
        help="A subscription takes at most one save offer in this many days (0: no limit).",
    )
    subscription_winback_link_days = fields.Integer(
        string="Win-back Link Validity (days)",
        default=30,
        help="Days the one-click reactivation link of a win-back message stays valid.",
    )

    _sql_constraints = [
        (
            "subscription_retention_window_days_positive",
            "CHECK(subscription_retention_window_days >= 0)",
            "The save offer window cannot be negative.",
        ),
        (
            "subscription_winback_link_days_positive",
            "CHECK(subscription_winback_link_days > 0)",
            "A win-back link must stay valid at least one day.",
        ),
    ]


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    subscription_retention_window_days = fields.Integer(
        related="company_id.subscription_retention_window_days", readonly=False
    )
    subscription_winback_link_days = fields.Integer(
        related="company_id.subscription_winback_link_days", readonly=False
    )
