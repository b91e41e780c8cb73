# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class SubscriptionCancel(models.TransientModel):
    _name = "subscription.cancel"
    _description = "Cancel a Subscription"

    subscription_id = fields.Many2one(
        "subscription.subscription", required=True, ondelete="cascade", readonly=True
    )
    state = fields.Selection(related="subscription_id.state")
    current_period_end = fields.Date(related="subscription_id.current_period_end")
    reason_id = fields.Many2one("subscription.cancel.reason", required=True)
    feedback = fields.Text(help="What the customer said, in their own words.")
    at_period_end = fields.Boolean(
        default=True,
        help="Keep the service until the end of the current period, then cancel. "
        "Untick to cancel immediately.",
    )

    def action_confirm(self):
        self.ensure_one()
        self.subscription_id.action_cancel(
            self.reason_id.id,
            feedback=self.feedback or None,
            at_period_end=self.at_period_end,
        )
        return {"type": "ir.actions.act_window_close"}
