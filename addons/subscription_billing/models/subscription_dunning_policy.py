# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class SubscriptionDunningPolicy(models.Model):
    _name = "subscription.dunning.policy"
    _description = "Dunning Policy"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True)
    step_ids = fields.One2many("subscription.dunning.step", "policy_id", string="Steps", copy=True)

    def _ordered_steps(self):
        self.ensure_one()
        return self.step_ids.sorted(lambda s: (s.day_offset, s.sequence, s.id))


class SubscriptionDunningStep(models.Model):
    _name = "subscription.dunning.step"
    _description = "Dunning Step"
    _order = "policy_id, day_offset, sequence, id"

    policy_id = fields.Many2one(
        "subscription.dunning.policy", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    day_offset = fields.Integer(
        string="Day", required=True, help="Days after the first failed payment."
    )
    retry = fields.Boolean(
        string="Retry the Charge",
        default=True,
        help="Charge the saved payment method again (never after a hard decline, "
        "until the customer changes the payment method).",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email",
        domain=[("model", "=", "subscription.subscription")],
    )
    send_sms = fields.Boolean(
        string="Send SMS", help="Also text the email's summary, when the SMS app is installed."
    )
    create_activity = fields.Boolean(string="Activity for the Billing Team")
    activity_user_id = fields.Many2one("res.users", string="Assigned To")
    final_action = fields.Selection(
        selection=[
            ("none", "Leave past due"),
            ("suspend", "Suspend"),
            ("cancel", "Cancel"),
        ],
        default="none",
        required=True,
    )

    @api.constrains("day_offset")
    def _check_day_offset(self):
        for step in self:
            if step.day_offset < 0:
                raise ValidationError(_("A dunning step cannot run before the first failure."))
