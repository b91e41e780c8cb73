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

    subscription_charge_concurrency = fields.Integer(
        string="Parallel Charge Requests",
        default=8,
        help="How many charge requests a batch sends to the provider at once (1 = one after "
        "the other). Only providers whose request needs no database access run in parallel "
        "(the direct Stripe integration); the others are always sequential.",
    )
    subscription_charge_rate_limit = fields.Integer(
        string="Charge Requests per Second",
        default=25,
        help="Most charge requests started per second by one batch (0 = no limit); keep it "
        "under the provider's rate limit (Stripe: 25 per second in test mode, 100 live).",
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

    @api.constrains("subscription_charge_concurrency", "subscription_charge_rate_limit")
    def _check_subscription_charge_pool(self):
        for company in self:
            if not 1 <= company.subscription_charge_concurrency <= 64:
                raise ValidationError(
                    _("Parallel charge requests: between 1 and 64 (8 is a good start).")
                )
            if company.subscription_charge_rate_limit < 0:
                raise ValidationError(_("Charge requests per second: 0 (no limit) or more."))

    def _set_default_subscription_dunning_policy(self):
        """Give the companies without a default dunning policy the standard
        one (install and upgrade from 18.0.1.0.0)."""
        policy = self._default_subscription_dunning_policy()
        if policy:
            self.sudo().filtered(lambda c: not c.subscription_dunning_policy_id).write(
                {"subscription_dunning_policy_id": policy.id}
            )
