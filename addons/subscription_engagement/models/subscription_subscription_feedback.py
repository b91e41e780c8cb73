# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models


class SubscriptionSubscription(models.Model):
    """Feedback of a subscription's customer, and staff's "Log feedback"."""

    _inherit = "subscription.subscription"

    feedback_ids = fields.One2many(
        "subscription.feedback",
        "subscription_id",
        string="Feedback",
        groups="subscription_core.group_subscription_user",
    )
    feedback_count = fields.Integer(
        compute="_compute_feedback_count", groups="subscription_core.group_subscription_user"
    )

    @api.depends("feedback_ids")
    def _compute_feedback_count(self):
        counts = dict(
            self.env["subscription.feedback"]._read_group(
                [("subscription_id", "in", self.ids)], ["subscription_id"], ["__count"]
            )
        )
        for sub in self:
            sub.feedback_count = counts.get(sub._origin, 0)

    def action_log_feedback(self):
        """Staff: record what the customer said in a call, chat or email."""
        self.ensure_one()
        return self.env["subscription.feedback"]._action_log_feedback(
            partner=self.partner_id, subscription=self
        )

    def action_view_feedback(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "subscription_engagement.subscription_feedback_action"
        )
        action["domain"] = [("subscription_id", "=", self.id)]
        action["context"] = {
            "default_subscription_id": self.id,
            "default_partner_id": self.partner_id.id,
        }
        action["name"] = _("Feedback: %(name)s", name=self.name)
        return action

    def _create_cancellation_feedback(self, reason, feedback):
        """Keep what a customer wrote when cancelling (or being saved) as a
        ``subscription.feedback`` of kind cancellation."""
        feedback = (feedback or "").strip()
        if not feedback:
            return self.env["subscription.feedback"]
        return (
            self.env["subscription.feedback"]
            .sudo()
            .create(
                [
                    {
                        "kind": "cancellation",
                        "text": feedback,
                        "cancel_reason_id": reason.id,
                        "subscription_id": sub.id,
                        "partner_id": sub.partner_id.id,
                        "company_id": sub.company_id.id,
                    }
                    for sub in self
                ]
            )
        )

    def action_cancel(self, reason_id, feedback=None, at_period_end=True):
        """Cancellation feedback also lands in ``subscription.feedback``."""
        res = super().action_cancel(reason_id, feedback=feedback, at_period_end=at_period_end)
        self._create_cancellation_feedback(self._get_cancel_reason(reason_id), feedback)
        return res
