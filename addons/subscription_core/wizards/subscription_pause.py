# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class SubscriptionPause(models.TransientModel):
    """Pause from the staff form, optionally until a date: the same
    ``action_pause(until=...)`` as the portal and the API, so the same checks
    (after today, before a fixed term's end) and messages."""

    _name = "subscription.pause"
    _description = "Pause a Subscription"

    subscription_id = fields.Many2one(
        "subscription.subscription", required=True, ondelete="cascade", readonly=True
    )
    date_end = fields.Date(related="subscription_id.date_end")
    until = fields.Date(
        string="Resume On",
        help="Day the subscription resumes by itself (after today). Leave empty to pause "
        "until someone resumes it.",
    )

    def action_confirm(self):
        self.ensure_one()
        self.subscription_id.action_pause(until=self.until or None)
        return {"type": "ir.actions.act_window_close"}
