# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Billing part of the subscription detail page: amount due, invoices, saved
payment method and payment history, and the route to pick another saved
payment method.

Access follows the core controller: the subscription is read through
``_get_subscription_checked`` (record rules or the access token) and only then
its invoices, tokens and attempts are read in sudo mode, filtered on that one
subscription. Raw provider messages and decline codes never reach the page.
"""

from datetime import timedelta

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.subscription_core.controllers.portal import ONGOING_STATES, SubscriptionPortal

# Providers whose tokens can be charged.
CHARGEABLE_PROVIDER_STATES = ("enabled", "test")


class SubscriptionBillingPortal(SubscriptionPortal):
    # Invoices listed on the detail page, newest first.
    _subscription_invoice_limit = 36
    # Payment attempts listed on the detail page, newest first.
    _subscription_attempt_limit = 20

    # ------------------------------------------------------------
    # Detail page
    # ------------------------------------------------------------

    def _prepare_subscription_page_values(
        self, subscription_sudo, access_token, message=None, error=None
    ):
        values = super()._prepare_subscription_page_values(
            subscription_sudo, access_token, message=message, error=error
        )
        values.update(self._prepare_subscription_billing_values(subscription_sudo, values))
        return values

    def _prepare_subscription_billing_values(self, subscription_sudo, values):
        """Billing values of the detail page, all read in sudo mode for this
        subscription only (the caller checked the access)."""
        invoices = self._get_subscription_portal_invoices(subscription_sudo)
        attempts = self._get_subscription_portal_attempts(subscription_sudo)
        can_change = "payment_method" in values.get("actions", ())
        tokens = (
            self._get_subscription_portal_tokens(subscription_sudo)
            if can_change
            else request.env["payment.token"]
        )
        user = request.env.user
        is_contact = (
            not user._is_public()
            and user.partner_id.commercial_partner_id == subscription_sudo.commercial_partner_id
        )
        unpaid = invoices.filtered(lambda inv: inv.payment_state in ("not_paid", "partial"))
        return {
            "billing_invoices": invoices[: self._subscription_invoice_limit],
            "billing_more_invoices": len(invoices) > self._subscription_invoice_limit,
            "billing_invoice_periods": {
                invoice.id: self._get_invoice_period_label(invoice) for invoice in invoices
            },
            "billing_unpaid_invoice": unpaid[-1:],  # the oldest one
            "billing_payment_state_labels": self._get_selection_labels(
                "account.move", "payment_state"
            ),
            "billing_invoice_pdf_urls": {
                invoice.id: invoice.get_portal_url(report_type="pdf", download=True)
                for invoice in invoices[: self._subscription_invoice_limit]
            },
            "billing_attempts": attempts,
            # What was charged, what failed and what happens next, in the
            # customer's words (see models/subscription_payment_history.py).
            "billing_history": subscription_sudo._get_portal_payment_history(attempts),
            "billing_tokens": tokens,
            "billing_can_change_payment_method": can_change,
            # A new payment method is saved on the signed-in user's partner,
            # and the billing address is the customer's: only for a contact
            # of the customer itself (see portal_payment_method.py and
            # portal_billing_address.py).
            "billing_can_add_payment_method": can_change and is_contact,
            "billing_can_edit_address": is_contact,
        }

    def _get_subscription_portal_invoices(self, subscription_sudo):
        """Posted customer invoices of the subscription, newest first (one more
        than the page shows, to know whether there are more)."""
        return (
            request.env["account.move"]
            .sudo()
            .search(
                [
                    ("subscription_id", "=", subscription_sudo.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                ],
                order="invoice_date desc, id desc",
                limit=self._subscription_invoice_limit + 1,
            )
        )

    def _get_subscription_portal_attempts(self, subscription_sudo):
        return (
            request.env["subscription.payment.attempt"]
            .sudo()
            .search(
                [("subscription_id", "=", subscription_sudo.id)],
                order="scheduled_date desc, id desc",
                limit=self._subscription_attempt_limit,
            )
        )

    def _get_subscription_portal_tokens(self, subscription_sudo):
        """Saved payment methods the customer may choose for this subscription:
        active tokens of its commercial entity (any contact) with a provider
        of the subscription's company that can charge them."""
        return (
            request.env["payment.token"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", subscription_sudo.commercial_partner_id.id),
                    ("provider_id.state", "in", CHARGEABLE_PROVIDER_STATES),
                    ("provider_id.allow_tokenization", "=", True),
                    ("company_id", "=", subscription_sudo.company_id.id),
                ]
            )
        )

    @staticmethod
    def _get_invoice_period_label(invoice):
        """(first day, last day) of the invoiced period, or None. The stored
        end is the first day after the period."""
        start, end = invoice.subscription_period_start, invoice.subscription_period_end
        if not start or not end:
            return None
        return (start, max(start, end - timedelta(days=1)))

    def _get_subscription_portal_actions(self, subscription_sudo):
        actions = super()._get_subscription_portal_actions(subscription_sudo)
        if subscription_sudo.state in ONGOING_STATES:
            actions = actions | {"payment_method"}
        return actions

    def _get_subscription_portal_messages(self):
        messages = super()._get_subscription_portal_messages()
        messages["payment_method_updated"] = request.env._(
            "Your payment method has been updated. It will be used for your next payments."
        )
        return messages

    @staticmethod
    def _get_selection_labels(model, field):
        return dict(request.env[model]._fields[field]._description_selection(request.env))

    # ------------------------------------------------------------
    # Choose another saved payment method
    # ------------------------------------------------------------

    @http.route(
        "/my/subscriptions/<int:subscription_id>/payment_method",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_subscription_payment_method(
        self, subscription_id, access_token=None, token_id=None, **_post
    ):
        def set_payment_method(subscription_sudo):
            token_sudo = self._get_subscription_payment_token(
                subscription_sudo, self._parse_portal_id(token_id)
            )
            # The model re-checks the token (owner, provider, currency), lifts
            # a blocked dunning and charges the open invoices again.
            subscription_sudo._use_payment_token(token_sudo)

        return self._do_subscription_portal_action(
            subscription_id,
            access_token,
            "payment_method",
            set_payment_method,
            "payment_method_updated",
        )

    def _get_subscription_payment_token(self, subscription_sudo, token_id):
        """Return the chosen token (sudo) if the customer may use it for this
        subscription.

        :raise UserError: when the token does not exist, is archived, belongs
            to another customer or cannot be charged.
        """
        token_sudo = request.env["payment.token"].sudo().browse(token_id or 0).exists()
        if (
            not token_sudo
            or not token_sudo.active
            or token_sudo.partner_id.commercial_partner_id
            != subscription_sudo.commercial_partner_id
        ):
            raise UserError(request.env._("Please choose one of your saved payment methods."))
        provider = token_sudo.provider_id
        if (
            provider.state not in CHARGEABLE_PROVIDER_STATES
            or not provider.allow_tokenization
            or token_sudo.company_id != subscription_sudo.company_id
        ):
            raise UserError(
                request.env._("This payment method cannot be used for this subscription.")
            )
        return token_sudo
