# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class SubscriptionBillingAdjustment(models.Model):
    """A proration amount waiting for the next period invoice (when the
    company bills plan changes on the next invoice)."""

    _name = "subscription.billing.adjustment"
    _description = "Subscription Billing Adjustment"
    _order = "id"

    subscription_id = fields.Many2one(
        "subscription.subscription", required=True, ondelete="cascade", index=True
    )
    event_id = fields.Many2one("subscription.event", ondelete="set null")
    name = fields.Char(required=True)
    product_id = fields.Many2one("product.product", required=True)
    amount = fields.Monetary(required=True, help="Positive: charge; negative: credit.")
    currency_id = fields.Many2one(related="subscription_id.currency_id")
    company_id = fields.Many2one(related="subscription_id.company_id", store=True, index=True)
    date_from = fields.Date()
    date_to = fields.Date()
    invoice_id = fields.Many2one("account.move", copy=False, index="btree_not_null")
