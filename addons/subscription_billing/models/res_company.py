# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    subscription_journal_id = fields.Many2one(
        "account.journal",
        string="Subscription Invoice Journal",
        domain="[('type', '=', 'sale'), ('company_id', '=', id)]",
        help="Sales journal of subscription invoices; the first sales journal when empty.",
    )
    subscription_proration_mode = fields.Selection(
        selection=[
            ("next_invoice", "On the next invoice"),
            ("immediate", "Immediately (invoice or credit note)"),
        ],
        default="immediate",
        required=True,
        help="How mid-period plan changes are billed.",
    )
    subscription_credit_on_cancel = fields.Boolean(
        string="Credit Note on Immediate Cancellation",
        help="Refund the unused part of the period when a subscription is cancelled now.",
    )
    subscription_pause_policy = fields.Selection(
        selection=[
            ("credit", "Credit the unused days"),
            ("extend", "Extend the paid period"),
        ],
        default="credit",
        required=True,
        help="Credit: a pause credits the unused days of the paid period with a credit "
        "note applied to the next invoices, and the resume starts a new period. "
        "Extend: nothing is credited; the resume continues the paid period, whose "
        "remaining days are served before the next invoice.",
    )
    subscription_send_receipts = fields.Boolean(
        string="Email Receipts for Charged Invoices",
        help="Also email the invoice to customers who pay automatically.",
    )
    subscription_dunning_policy_id = fields.Many2one(
        "subscription.dunning.policy",
        string="Default Dunning Policy",
        default=lambda self: self._default_subscription_dunning_policy(),
        ondelete="restrict",
        help="Applies to every subscription of the company without a policy of its own.",
    )

    @api.model
    def _default_subscription_dunning_policy(self):
        return self.env.ref("subscription_billing.dunning_policy_default", raise_if_not_found=False)

    @api.constrains("subscription_dunning_policy_id")
    def _check_subscription_dunning_policy(self):
        for company in self:
            if not company.subscription_dunning_policy_id:
                raise ValidationError(
                    _(
                        "%(company)s needs a default dunning policy: a subscription "
                        "without its own policy follows it when a payment fails.",
                        company=company.name,
                    )
                )

    def _set_default_subscription_dunning_policy(self):
        """Give the companies without a default dunning policy the standard
        one (install and upgrade from 18.0.1.0.0)."""
        policy = self._default_subscription_dunning_policy()
        if policy:
            self.sudo().filtered(lambda c: not c.subscription_dunning_policy_id).write(
                {"subscription_dunning_policy_id": policy.id}
            )
