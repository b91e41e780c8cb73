# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models


class ResPartner(models.Model):
    """Feedback in the customer's unified view (the whole commercial entity)."""

    _inherit = "res.partner"

    subscription_feedback_ids = fields.One2many(
        "subscription.feedback",
        "commercial_partner_id",
        string="Customer Feedback",
        groups="subscription_core.group_subscription_user",
    )
    # Stored (on the commercial partner, updated when feedback is written) so
    # that the partner form reads it with the partner: no query of its own.
    subscription_feedback_count = fields.Integer(
        string="Feedback Count",
        compute="_compute_subscription_feedback_count",
        store=True,
        groups="subscription_core.group_subscription_user",
    )

    @api.depends("subscription_feedback_ids")
    def _compute_subscription_feedback_count(self):
        counts = dict(
            self.env["subscription.feedback"]
            .sudo()
            ._read_group(
                [("commercial_partner_id", "in", self.ids)],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.subscription_feedback_count = counts.get(partner, 0)

    def action_log_subscription_feedback(self):
        """Staff: record what the customer said in a call, chat or email."""
        self.ensure_one()
        return self.env["subscription.feedback"]._action_log_feedback(partner=self)

    def action_view_subscription_feedback(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "subscription_engagement.subscription_feedback_action"
        )
        action["domain"] = [("commercial_partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.id}
        action["name"] = _("Feedback: %(name)s", name=self.display_name)
        return action
