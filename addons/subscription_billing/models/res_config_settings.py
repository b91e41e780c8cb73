# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    subscription_journal_id = fields.Many2one(
        related="company_id.subscription_journal_id", readonly=False
    )
    subscription_proration_mode = fields.Selection(
        related="company_id.subscription_proration_mode", readonly=False
    )
    subscription_credit_on_cancel = fields.Boolean(
        related="company_id.subscription_credit_on_cancel", readonly=False
    )
    subscription_pause_policy = fields.Selection(
        related="company_id.subscription_pause_policy", readonly=False
    )
    subscription_send_receipts = fields.Boolean(
        related="company_id.subscription_send_receipts", readonly=False
    )
    subscription_dunning_policy_id = fields.Many2one(
        related="company_id.subscription_dunning_policy_id", readonly=False
    )
    subscription_charge_concurrency = fields.Integer(
        related="company_id.subscription_charge_concurrency", readonly=False
    )
    subscription_charge_rate_limit = fields.Integer(
        related="company_id.subscription_charge_rate_limit", readonly=False
    )
