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
    retention_offer_shown_ids = fields.Many2many(
        "subscription.retention.offer",
        "subscription_event_retention_offer_shown_rel",
        "event_id",
        "offer_id",
        string="Save Offers Shown",
        readonly=True,
        help="The save offers the cancellation flow showed before this decision: on the "
        "'Saved by Offer' event (one of them taken) and on the cancellation that followed "
        "them (all declined).",
    )
