# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Charging payment attempts through the official ``stripe`` SDK.

Odoo's ``payment_stripe`` is not needed: a saved card is a ``payment.token``
that carries a Stripe customer id and a Stripe PaymentMethod id (see
``payment_token.py``). When the company enables Stripe, payment attempts on
such tokens are charged with an off-session PaymentIntent whose idempotency
key is the attempt's key, so a retried or replayed request can never charge
twice. Asynchronous outcomes arrive on the webhook (``controllers/stripe.py``,
``subscription_stripe_event.py``).
"""

import logging

import stripe

from odoo import api, fields, models

from odoo.addons.payment import utils as payment_utils

from ..const import STRIPE_IDEMPOTENCY_WINDOW, STRIPE_PENDING_STATUSES

_logger = logging.getLogger(__name__)


class SubscriptionPaymentAttempt(models.Model):
    _inherit = "subscription.payment.attempt"

    stripe_payment_intent_id = fields.Char(
        string="Stripe PaymentIntent",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Id (pi_...) of the PaymentIntent that charged this attempt in Stripe.",
    )

    # === BUSINESS METHODS - CHANNEL ===#

    def _get_channel(self):
        """Charge through Stripe when the company enabled it and the token is a Stripe card."""
        self.ensure_one()
        company = self.company_id.sudo()
        if (
            company.subscription_stripe_enabled
            and company.subscription_stripe_secret_key
            and self.token_id
            and self.token_id.sudo()._subscription_stripe_is_chargeable()
        ):
            return "stripe"
        return super()._get_channel()

    # === BUSINESS METHODS - STRIPE CHARGE ===#

    def _prepare_stripe_payment_intent_values(self):
        """Return the parameters of the off-session PaymentIntent of the attempt.

        Request options (API key, idempotency key) are not part of it. Override
        to add parameters (e.g. ``statement_descriptor_suffix``).
        """
        self.ensure_one()
        customer, method = self.token_id.sudo()._subscription_stripe_references()
        subscription, invoice = self.subscription_id, self.invoice_id
        return {
            "amount": payment_utils.to_minor_currency_units(self.amount, self.currency_id),
            "currency": self.currency_id.name.lower(),
            "customer": customer,
            "payment_method": method,
            "off_session": True,
            "confirm": True,
            # Saved methods only: never a redirect, which an off-session payment cannot follow.
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
            "description": " ".join(filter(None, (subscription.name, invoice.name))),
            "metadata": {
                "odoo_attempt_id": str(self.id),
                "odoo_idempotency_key": self.idempotency_key,
                "subscription": subscription.name or "",
                "invoice": invoice.name or "",
            },
        }

    def _charge_via_stripe(self):
        """Charge the attempt with an off-session PaymentIntent; see ``_send_charge``.

        The attempt's idempotency key is sent as Stripe's ``Idempotency-Key``
        and stored in the intent's metadata. An attempt already *processing*
        is resolved, never charged under a new key: its PaymentIntent is read
        when its id is known (``_stripe_find_intent``); otherwise the same
        request is sent again with the same key, which Stripe answers with the
        first result. A network error or a Stripe server error leaves the
        outcome unknown: the attempt stays *processing*.

        :return: dict ``{'state', 'decline_code', 'error_message'}``
        """
        self.ensure_one()
        api_key = self.company_id.sudo().subscription_stripe_secret_key
        try:
            intent = self._stripe_find_intent(api_key)
            if not intent:
                intent = stripe.PaymentIntent.create(
                    **self._prepare_stripe_payment_intent_values(),
                    idempotency_key=self.idempotency_key,
                    api_key=api_key,
                )
        except stripe.CardError as error:
            details = (error.json_body or {}).get("error") or {}
            if (details.get("payment_intent") or {}).get("id"):
                self.stripe_payment_intent_id = details["payment_intent"]["id"]
            return {
                "state": "failed",
                "decline_code": details.get("decline_code") or error.code or "card_declined",
                "error_message": error.user_message or str(error),
            }
        except (stripe.APIConnectionError, stripe.APIError, stripe.IdempotencyError) as error:
            # The request may have been executed by Stripe (no answer, or a
            # server error): ask again later, with the same key.
            _logger.warning(
                "Stripe request of payment attempt %s: outcome unknown: %s", self.id, error
            )
            return {
                "state": "processing",
                "error_message": self.env._(
                    "Outcome unknown, to be confirmed with Stripe: %(error)s",
                    error=error.user_message or str(error),
                ),
            }
        except stripe.StripeError as error:
            if (
                isinstance(error, stripe.InvalidRequestError)
                and error.code == "resource_missing"
                and error.param in ("customer", "payment_method")
            ):
                # The card or the customer was deleted in Stripe: the customer
                # must give a new payment method (a hard decline).
                return {
                    "state": "failed",
                    "decline_code": "payment_method_missing",
                    "error_message": error.user_message or str(error),
                }
            # Authentication, permission, rate limit or invalid request: Stripe
            # refused the request without charging, a soft decline that
            # dunning retries (with a new attempt and key).
            _logger.warning("Stripe refused the request of payment attempt %s: %s", self.id, error)
            return {
                "state": "failed",
                "decline_code": "processing_error",
                "error_message": error.user_message or str(error),
            }
        self.stripe_payment_intent_id = intent.id
        return self._stripe_result_from_intent(intent.to_dict())

    def _stripe_find_intent(self, api_key):
        """Return the PaymentIntent this attempt already created, or None.

        - its id is known: it is retrieved;
        - the attempt is new, or was sent less than ``STRIPE_IDEMPOTENCY_WINDOW``
          ago: None, the create request is (re-)sent with the same key, which
          Stripe deduplicates;
        - it was sent longer ago (Stripe has forgotten the key): the intent is
          searched by the key in its metadata; None when no intent carries it,
          i.e. the first request never created one.
        """
        self.ensure_one()
        if self.stripe_payment_intent_id:
            return stripe.PaymentIntent.retrieve(self.stripe_payment_intent_id, api_key=api_key)
        if (
            self.state != "processing"
            or not self.executed_at
            or fields.Datetime.now() - self.executed_at < STRIPE_IDEMPOTENCY_WINDOW
        ):
            return None
        found = stripe.PaymentIntent.search(
            query=f"metadata['odoo_idempotency_key']:'{self.idempotency_key}'",
            api_key=api_key,
        )
        return found.data[0] if found.data else None

    @api.model
    def _stripe_result_from_intent(self, intent):
        """Translate a PaymentIntent (plain dict) into a ``_record_result`` dict."""
        status = intent.get("status")
        if status == "succeeded":
            return {"state": "succeeded", "decline_code": None, "error_message": None}
        if status in STRIPE_PENDING_STATUSES:
            return {"state": "processing", "decline_code": None, "error_message": None}
        error = intent.get("last_payment_error") or {}
        return {
            "state": "failed",
            "decline_code": error.get("decline_code") or error.get("code") or "card_declined",
            "error_message": error.get("message")
            or self.env._(
                "Stripe payment %(intent)s ended with status %(status)s.",
                intent=intent.get("id"),
                status=status,
            ),
        }

    def _record_result(self, result):
        """Pay the invoice of a Stripe charge before the generic bookkeeping.

        A transaction-channel attempt gets its invoice paid by the payment
        transaction; the Stripe channel records the ``account.payment`` itself.
        """
        if result.get("state") == "succeeded":
            for attempt in self.filtered(lambda a: a.channel == "stripe"):
                attempt._stripe_register_payment()
        return super()._record_result(result)

    def _stripe_register_payment(self):
        """Register the payment collected by Stripe on the attempt's invoice.

        Idempotent: nothing is done when the invoice is not open anymore or when
        a payment with the PaymentIntent id as memo already exists.

        :return: the ``account.payment`` created or found (possibly empty)
        """
        self.ensure_one()
        Payment = self.env["account.payment"].sudo()
        invoice = self.invoice_id.sudo()
        memo = self.stripe_payment_intent_id or self.idempotency_key
        if not invoice or invoice.state != "posted":
            return Payment
        existing = Payment.search(
            [("memo", "=", memo), ("company_id", "=", invoice.company_id.id)], limit=1
        )
        if existing:
            return existing
        if invoice.payment_state in ("paid", "in_payment", "reversed"):
            # Paid by other means meanwhile: the customer paid twice.
            self.subscription_id.sudo().message_post(
                body=self.env._(
                    "Stripe collected payment %(intent)s for %(invoice)s, which was already paid "
                    "or reversed: refund it in Stripe or record it as a customer credit.",
                    intent=memo,
                    invoice=invoice.name,
                ),
            )
            return existing
        journal = invoice.company_id._subscription_stripe_get_journal()
        if not journal:
            _logger.warning("No bank journal to record Stripe payment %s of %s", memo, invoice.name)
            self.subscription_id.sudo().message_post(
                body=self.env._(
                    "Stripe collected payment %(intent)s for %(invoice)s, but no bank journal "
                    "exists to record it: register the payment by hand.",
                    intent=memo,
                    invoice=invoice.name,
                ),
            )
            return Payment
        wizard = (
            self.env["account.payment.register"]
            .sudo()
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "journal_id": journal.id,
                    "payment_date": fields.Date.context_today(self),
                    "amount": self.amount,
                    "currency_id": self.currency_id.id,
                    "communication": memo,
                    "payment_difference_handling": "open",
                }
            )
        )
        return wizard._create_payments()
