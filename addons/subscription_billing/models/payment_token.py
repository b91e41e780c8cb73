# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Saved cards charged through the Stripe API: their Stripe references."""

from datetime import date, timedelta

from odoo import api, fields, models


class PaymentToken(models.Model):
    _inherit = "payment.token"

    subscription_stripe_customer_id = fields.Char(
        string="Stripe Customer ID",
        copy=False,
        help="Stripe customer (cus_...) that owns the payment method.",
    )
    subscription_stripe_payment_method_id = fields.Char(
        string="Stripe Payment Method ID",
        copy=False,
        index="btree_not_null",
        help="Stripe PaymentMethod (pm_...) charged off-session for subscriptions.",
    )

    subscription_card_expiry = fields.Date(
        string="Card Expires",
        copy=False,
        help="Last day the card can be charged (the end of its expiry month), when the "
        "provider tells it (Stripe's card details); subscription_engagement warns the "
        "customer before it.",
    )

    @api.model
    def _subscription_card_expiry(self, month, year):
        """Last day of the card's expiry month, or False when unknown."""
        try:
            month, year = int(month), int(year)
            if not 1 <= month <= 12 or year < 2000:
                return False
        except (TypeError, ValueError):
            return False
        if month == 12:
            return date(year, 12, 31)
        return date(year, month + 1, 1) - timedelta(days=1)

    def _subscription_stripe_references(self):
        """Return ``(customer_id, payment_method_id)`` of the token in Stripe.

        The token's own fields win; a token of Odoo's ``payment_stripe`` module
        (when installed) gives its ``provider_ref`` (the customer) and its
        ``stripe_payment_method``. Missing values are ``None``.
        """
        self.ensure_one()
        customer = self.subscription_stripe_customer_id
        method = self.subscription_stripe_payment_method_id
        if self.provider_code == "stripe" and "stripe_payment_method" in self._fields:
            customer = customer or self.provider_ref
            method = method or self.stripe_payment_method
        return customer or None, method or None

    def _subscription_stripe_is_chargeable(self):
        """Whether the token can be charged off-session through the Stripe API."""
        self.ensure_one()
        return all(self._subscription_stripe_references())

    @api.model
    def _subscription_stripe_search_by_method(self, method_id, company):
        """Return the company's tokens bound to the Stripe PaymentMethod ``method_id``."""
        domain = [("subscription_stripe_payment_method_id", "=", method_id)]
        if "stripe_payment_method" in self._fields:
            domain = ["|", ("stripe_payment_method", "=", method_id), *domain]
        return self.search([("company_id", "=", company.id), *domain])
