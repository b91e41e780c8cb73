# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


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
        "subscription.dunning.policy", string="Default Dunning Policy"
    )
