# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..const import STRIPE_WEBHOOK_ROUTE


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    subscription_stripe_enabled = fields.Boolean(
        related="company_id.subscription_stripe_enabled", readonly=False
    )
    subscription_stripe_secret_key = fields.Char(
        related="company_id.subscription_stripe_secret_key",
        readonly=False,
        groups="base.group_system",
    )
    subscription_stripe_webhook_secret = fields.Char(
        related="company_id.subscription_stripe_webhook_secret",
        readonly=False,
        groups="base.group_system",
    )
    subscription_stripe_journal_id = fields.Many2one(
        related="company_id.subscription_stripe_journal_id", readonly=False
    )
    subscription_stripe_webhook_url = fields.Char(
        string="Stripe Webhook URL", compute="_compute_subscription_stripe_webhook_url"
    )

    @api.depends("company_id")
    def _compute_subscription_stripe_webhook_url(self):
        for settings in self:
            base_url = settings.company_id.get_base_url()
            settings.subscription_stripe_webhook_url = base_url + STRIPE_WEBHOOK_ROUTE
