# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class SubscriptionEvent(models.Model):
    _inherit = "subscription.event"

    retention_offer_id = fields.Many2one(
        "subscription.retention.offer",
        string="Save Offer",
        readonly=True,
        ondelete="restrict",
        help="The offer a 'Saved by Offer' event records.",
    )
