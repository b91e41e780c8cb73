# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Update the card of a subscription from the portal, with Odoo's own payment
form (``payment.form``) in validation mode.

The customer either picks one of their saved payment methods (the form's
*assign token* call) or saves a new one: a validation transaction tokenizes it
with the provider (``/my/payment_method``'s machinery, tied to this
subscription), and its post-processing makes the subscription use the new
token (``payment.transaction._post_process``). Either way the open invoices
of the subscription are charged again through the payment-attempt engine
(``subscription.subscription._use_payment_token``), never by a raw charge.

Only a signed-in contact of the customer may do this (the token is saved on
their partner); the page, the JSON routes and the landing each check the
subscription first (Odoo's 403/404 pages otherwise).
"""

import werkzeug.exceptions

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment.controllers.portal import PaymentPortal

from .portal import SubscriptionBillingPortal


class SubscriptionPaymentMethodPortal(SubscriptionBillingPortal, PaymentPortal):
    # ------------------------------------------------------------
    # Page
    # ------------------------------------------------------------

    @http.route(
        "/my/subscriptions/<int:subscription_id>/payment_method/update",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def portal_subscription_payment_method_update(self, subscription_id, tx_id=None, **_kwargs):
        subscription_sudo = self._get_subscription_for_contact(subscription_id)
        if "payment_method" not in self._get_subscription_portal_actions(subscription_sudo):
            return self._render_subscription_page(
                subscription_sudo, None, error=self._action_unavailable_message()
            )
        error = None
        tx_sudo = self._get_card_update_transaction(subscription_sudo, tx_id)
        if tx_sudo:
            # Back from the provider (the landing route of the transaction).
            if tx_sudo.state == "done" and subscription_sudo.payment_token_id == tx_sudo.token_id:
                return request.redirect(
                    self._get_subscription_portal_url(
                        subscription_sudo, message="payment_method_updated"
                    )
                )
            if tx_sudo.state in ("cancel", "error"):
                error = request.env._(
                    "Your payment method could not be saved. Please try again or use another one."
                )
            elif tx_sudo.state != "done":
                error = request.env._(
                    "Your payment method is being confirmed by the provider; "
                    "the subscription will use it as soon as it is."
                )
        values = self._prepare_card_update_values(subscription_sudo)
        values["error"] = error
        return request.render("subscription_billing.subscription_portal_payment_method", values)

    def _prepare_card_update_values(self, subscription_sudo):
        """Rendering values of the page: the subscription and the payment
        form's context (validation mode, this subscription's company and
        currency, the customer's usable saved methods)."""
        partner_sudo = request.env.user.partner_id
        company = subscription_sudo.company_id
        currency = subscription_sudo.currency_id
        availability_report = {}
        providers_sudo = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id,
                partner_sudo.id,
                0.0,
                currency_id=currency.id,
                force_tokenization=True,
                is_validation=True,
                report=availability_report,
            )
        )
        payment_methods_sudo = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers_sudo.ids,
                partner_sudo.id,
                currency_id=currency.id,
                force_tokenization=True,
                report=availability_report,
            )
        )
        url = f"/my/subscriptions/{subscription_sudo.id}/payment_method"
        values = self._prepare_subscription_common_values(subscription_sudo, None)
        values.update(
            {
                "subscription_step": request.env._("Payment method"),
                # payment.form, in validation mode.
                "mode": "validation",
                "allow_token_selection": True,
                "allow_token_deletion": False,
                "default_token_id": subscription_sudo.payment_token_id.id,
                "submit_button_label": request.env._("Use this payment method"),
                "partner_id": partner_sudo.id,
                "providers_sudo": providers_sudo,
                "payment_methods_sudo": payment_methods_sudo,
                "tokens_sudo": self._get_subscription_portal_tokens(subscription_sudo),
                "availability_report": availability_report,
                "transaction_route": f"{url}/transaction",
                "assign_token_route": f"{url}/assign",
                # Where the form goes after a saved method is chosen; a new
                # card's transaction gets its own landing (see below).
                "landing_route": self._get_subscription_portal_url(
                    subscription_sudo, message="payment_method_updated"
                ),
                "access_token": self._get_card_update_access_token(subscription_sudo),
            }
        )
        return values

    # ------------------------------------------------------------
    # JSON routes of the payment form
    # ------------------------------------------------------------

    @http.route(
        "/my/subscriptions/<int:subscription_id>/payment_method/transaction",
        type="json",
        auth="user",
    )
    def portal_subscription_payment_method_transaction(
        self, subscription_id, access_token=None, **kwargs
    ):
        """Create the validation transaction that saves a new payment method
        for this subscription; return its processing values."""
        subscription_sudo = self._get_subscription_for_card_form(subscription_id, access_token)
        self._validate_transaction_kwargs(kwargs)
        if kwargs.get("flow") not in ("direct", "redirect"):
            raise ValidationError(request.env._("Please enter the new payment method's details."))
        kwargs.update(
            {
                "amount": None,
                "currency_id": None,
                "partner_id": request.env.user.partner_id.id,
                "tokenization_requested": True,
                "is_validation": True,
                "reference_prefix": payment_utils.singularize_reference_prefix(
                    prefix=f"{subscription_sudo.name}-V"
                ),
                "landing_route": "",  # set below, with the transaction's id
                "custom_create_values": {"subscription_token_update_id": subscription_sudo.id},
            }
        )
        kwargs.pop("csrf_token", None)
        tx_sudo = self._create_transaction(**kwargs)
        tx_sudo.landing_route = (
            f"/my/subscriptions/{subscription_sudo.id}/payment_method/update?tx_id={tx_sudo.id}"
        )
        return tx_sudo._get_processing_values()

    @http.route(
        "/my/subscriptions/<int:subscription_id>/payment_method/assign",
        type="json",
        auth="user",
    )
    def portal_subscription_payment_method_assign(
        self, subscription_id, token_id=None, access_token=None, **_kwargs
    ):
        """Use one of the customer's saved payment methods (the form's
        *assign token* call); a refusal is shown by the form."""
        subscription_sudo = self._get_subscription_for_card_form(subscription_id, access_token)
        token_sudo = self._get_subscription_payment_token(
            subscription_sudo, self._parse_portal_id(token_id)
        )
        with request.env.cr.savepoint():
            subscription_sudo._use_payment_token(token_sudo)
        return True

    # ------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------

    def _get_subscription_for_contact(self, subscription_id):
        """The subscription (sudo) if the signed-in user is a contact of its
        customer, who may change its card and billing address (a new payment
        method is saved on the user's partner). Odoo's 403 page otherwise.
        """
        # Odoo's 404 or 403 page when the user may not read it at all.
        subscription_sudo = self._get_subscription_or_refuse(subscription_id, None)
        user = request.env.user
        if user.partner_id.commercial_partner_id != subscription_sudo.commercial_partner_id:
            raise werkzeug.exceptions.Forbidden()
        return subscription_sudo

    def _get_subscription_for_card_form(self, subscription_id, access_token):
        """As ``_get_subscription_for_contact``, for the payment form's
        JSON calls: the form's signature must match and the change must
        still be offered.

        :raise ValidationError: when the signature does not match.
        :raise UserError: when the payment method cannot be changed.
        """
        subscription_sudo = self._get_subscription_for_contact(subscription_id)
        if not payment_utils.check_access_token(
            access_token, request.env.user.partner_id.id, subscription_sudo.id
        ):
            raise ValidationError(request.env._("The access token is invalid."))
        if "payment_method" not in self._get_subscription_portal_actions(subscription_sudo):
            raise UserError(self._action_unavailable_message())
        return subscription_sudo

    @staticmethod
    def _get_card_update_access_token(subscription_sudo):
        return payment_utils.generate_access_token(
            request.env.user.partner_id.id, subscription_sudo.id
        )

    @staticmethod
    def _get_card_update_transaction(subscription_sudo, tx_id):
        """The card-update transaction ``tx_id`` of this subscription made by
        the current user's partner, or an empty recordset."""
        try:
            tx_id = int(tx_id or 0)
        except ValueError:
            tx_id = 0
        tx_sudo = request.env["payment.transaction"].sudo().browse(tx_id).exists()
        if (
            tx_sudo.subscription_token_update_id != subscription_sudo
            or tx_sudo.partner_id != request.env.user.partner_id
        ):
            return request.env["payment.transaction"]
        return tx_sudo
