# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stripe account settings of a company (direct Stripe integration)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    subscription_stripe_enabled = fields.Boolean(
        string="Charge Subscriptions with Stripe",
        help="Charge the saved Stripe cards of auto-charged subscriptions directly through the "
        "Stripe API (off-session PaymentIntents), and process Stripe's webhook events.",
    )
    subscription_stripe_secret_key = fields.Char(
        string="Stripe Secret Key",
        groups="base.group_system",
        copy=False,
        help="Secret (sk_...) or restricted (rk_...) API key of the Stripe account.",
    )
    subscription_stripe_webhook_secret = fields.Char(
        string="Stripe Webhook Signing Secret",
        groups="base.group_system",
        copy=False,
        help="Signing secret (whsec_...) of the webhook endpoint declared in Stripe.",
    )
    subscription_stripe_journal_id = fields.Many2one(
        "account.journal",
        string="Stripe Payment Journal",
        domain="[('type', '=', 'bank'), ('company_id', 'in', [id, False])]",
        help="Bank journal in which payments collected by Stripe are recorded. "
        "Empty: the first bank journal of the company.",
    )

    # === CONSTRAINT METHODS ===#

    @api.constrains("subscription_stripe_enabled", "subscription_stripe_secret_key")
    def _check_subscription_stripe_secret_key(self):
        for company in self.sudo():
            key = company.subscription_stripe_secret_key
            if company.subscription_stripe_enabled and not key:
                raise ValidationError(
                    self.env._(
                        "Enter the Stripe secret key of %(company)s before enabling Stripe.",
                        company=company.name,
                    )
                )
            if key and key.startswith("pk_"):
                raise ValidationError(
                    self.env._(
                        "The Stripe key of %(company)s is a publishable key (pk_...): "
                        "enter the secret key (sk_... or rk_...).",
                        company=company.name,
                    )
                )

    # === BUSINESS METHODS ===#

    def _subscription_stripe_get_journal(self):
        """Return the bank journal that receives the company's Stripe payments."""
        self.ensure_one()
        return self.subscription_stripe_journal_id or self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.id)], limit=1
        )
