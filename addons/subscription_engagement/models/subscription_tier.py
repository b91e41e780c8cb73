# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class SubscriptionTier(models.Model):
    _inherit = "subscription.tier"

    published = fields.Boolean(
        help="Offered on the public sign-up page /subscribe (with its prices, features "
        "and trial days).",
    )
