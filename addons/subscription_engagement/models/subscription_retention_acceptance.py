# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from .subscription_retention_offer import OFFER_KINDS


class SubscriptionRetentionAcceptance(models.Model):
    """A save offer a customer took: what was applied, when, and for the
    discount how many period invoices it has reduced so far. Written by the
    system only (``subscription.subscription._apply_retention_offer``)."""

    _name = "subscription.retention.acceptance"
    _description = "Save Offer Taken"
    _order = "date desc, id desc"
    _rec_name = "offer_id"

    subscription_id = fields.Many2one(
        "subscription.subscription", required=True, index=True, ondelete="cascade", readonly=True
    )
    partner_id = fields.Many2one(related="subscription_id.partner_id")
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    offer_id = fields.Many2one(
        "subscription.retention.offer", required=True, ondelete="restrict", readonly=True
    )
    kind = fields.Selection(OFFER_KINDS, required=True, readonly=True)
    source = fields.Selection(
        [("cancellation", "Cancellation"), ("winback", "Win-back")],
        required=True,
        default="cancellation",
        readonly=True,
    )
    reason_id = fields.Many2one("subscription.cancel.reason", readonly=True)
    date = fields.Date(required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="By", readonly=True)
    event_id = fields.Many2one("subscription.event", readonly=True, ondelete="set null")
    discount_percent = fields.Float(string="Discount (%)", digits=(5, 2), readonly=True)
    discount_periods = fields.Integer(string="Discounted Periods", readonly=True)
    discount_periods_used = fields.Integer(
        string="Periods Discounted",
        readonly=True,
        help="Period invoices discounted so far (the discount stops at the number of periods).",
    )
