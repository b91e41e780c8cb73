# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class SubscriptionSubscription(models.Model):
    """The expiry of the card a subscription is charged on, for the rule
    'Subscription: card expiring' (the provider tells it: Stripe's card
    details, see ``payment.token.subscription_card_expiry``)."""

    _inherit = "subscription.subscription"

    payment_card_expiry = fields.Date(
        string="Card Expires",
        related="payment_token_id.subscription_card_expiry",
        store=True,
        index="btree_not_null",
    )

    def _card_update_url(self):
        """Absolute link to the portal page that replaces the card (login first)."""
        self.ensure_one()
        return f"{self.get_base_url()}/my/subscriptions/{self.id}/payment_method/update"
