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

from odoo import api, fields, models

from odoo.addons.payment import utils as payment_utils

from ..const import STRIPE_IDEMPOTENCY_WINDOW, STRIPE_PENDING_STATUSES
from ..tools import stripe_requests

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
        when its id is known; otherwise the same request is sent again with
        the same key, which Stripe answers with the first result, or, once
        Stripe has forgotten the key, the intent is searched by the key in its
        metadata (``_stripe_prepare_request``). A network error or a Stripe
        server error leaves the outcome unknown: the attempt stays
        *processing*.

        The request itself (``tools/stripe_requests.py``) touches no
        database: a batch sends many of them in parallel (see
        ``subscription_payment_attempt_batch.py``).

        :return: dict ``{'state', 'decline_code', 'error_message'}``
        """
        self.ensure_one()
        response = stripe_requests.create_or_find_intent(**self._stripe_prepare_request())
        return self._stripe_apply_response(response)

    def _stripe_prepare_request(self):
        """Plain arguments of ``stripe_requests.create_or_find_intent`` for this attempt.

        - its intent id is known: the intent is retrieved;
        - the attempt is new, or was sent less than ``STRIPE_IDEMPOTENCY_WINDOW``
          ago: the create request is (re-)sent with the same key, which Stripe
          deduplicates;
        - it was sent longer ago (Stripe has forgotten the key): the intent is
          searched by the key in its metadata, and created only when no intent
          carries it, i.e. the first request never created one.
        """
        self.ensure_one()
        company = self.company_id.sudo()
        search = (
            not self.stripe_payment_intent_id
            and self.state == "processing"
            and self.executed_at
            and fields.Datetime.now() - self.executed_at >= STRIPE_IDEMPOTENCY_WINDOW
        )
        return {
            "params": self._prepare_stripe_payment_intent_values(),
            "api_key": company.subscription_stripe_secret_key,
            "idempotency_key": self.idempotency_key,
            "intent_id": self.stripe_payment_intent_id or None,
            "search_key": self.idempotency_key if search else None,
            "api_base": self.env["ir.config_parameter"]
            .sudo()
            .get_param("subscription_billing.stripe_api_base")
            or None,
        }

    def _stripe_apply_response(self, response):
        """Translate the answer of ``create_or_find_intent`` into a
        ``_record_result`` dict, keeping the PaymentIntent id."""
        self.ensure_one()
        error = response.get("error")
        if not error:
            intent = response["intent"]
            self.stripe_payment_intent_id = intent.get("id")
            return self._stripe_result_from_intent(intent)
        if error.get("intent_id"):
            self.stripe_payment_intent_id = error["intent_id"]
        if error["kind"] == "unknown" or error.get("code") == "rate_limit":
            # The request may have been executed by Stripe (no answer, or a
            # server error), or Stripe asked to slow down (429, nothing
            # charged, not the customer's fault): ask again later, with the
            # same key.
            _logger.warning(
                "Stripe request of payment attempt %s: outcome unknown: %s",
                self.id,
                error["message"],
            )
            return {
                "state": "processing",
                "error_message": self.env._(
                    "Outcome unknown, to be confirmed with Stripe: %(error)s",
                    error=error["message"],
                ),
            }
        if error["kind"] == "refused":
            # Authentication, permission, rate limit or invalid request: Stripe
            # refused the request without charging, a soft decline that
            # dunning retries (with a new attempt and key).
            _logger.warning(
                "Stripe refused the request of payment attempt %s: %s", self.id, error["message"]
            )
        # "card" (a decline), "missing_method" (the card or the customer was
        # deleted in Stripe: a hard decline) or "refused".
        return {
            "state": "failed",
            "decline_code": error["decline_code"],
            "error_message": error["message"],
        }

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
            self.filtered(lambda a: a.channel == "stripe")._stripe_register_payments()
        return super()._record_result(result)

    def _stripe_register_payments(self):
        """Register the payments collected by Stripe on the attempts'
        invoices, all at once (``account.payment._subscription_settle``): the
        charging job settles a whole chunk in one call, a webhook one attempt.

        Idempotent: nothing is done for an invoice that is not open anymore
        or when a payment with the PaymentIntent id as memo already exists.

        :return: the ``account.payment`` records created or found
        """
        Payment = self.env["account.payment"].sudo()
        attempts = self.sudo().filtered(lambda a: a.invoice_id.state == "posted")
        if not attempts:
            return Payment
        memos = {
            attempt: attempt.stripe_payment_intent_id or attempt.idempotency_key
            for attempt in attempts
        }
        existing = Payment.search(
            [
                ("memo", "in", list(set(memos.values()))),
                ("company_id", "in", attempts.invoice_id.company_id.ids),
            ]
        )
        known = {(payment.memo, payment.company_id) for payment in existing}
        vals_list, invoices_list = [], []
        for attempt in attempts:
            memo, invoice = memos[attempt], attempt.invoice_id
            if (memo, invoice.company_id) in known:
                continue
            vals = attempt._stripe_payment_values(memo)
            if vals:
                vals_list.append(vals)
                invoices_list.append(invoice)
                known.add((memo, invoice.company_id))
        return existing | Payment._subscription_settle(vals_list, invoices_list)

    def _stripe_payment_values(self, memo):
        """Values of the payment of this Stripe charge, as the payment
        register wizard makes them (payment difference left open), or None
        when it cannot be recorded (told in the subscription's chatter)."""
        self.ensure_one()
        invoice = self.invoice_id
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
            return None
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
            return None
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable" and not line.reconciled
        )[:1]
        return {
            "date": fields.Date.context_today(self),
            "amount": self.amount,
            "payment_type": "inbound",
            "partner_type": "customer",
            "memo": memo,
            "journal_id": journal.id,
            "company_id": invoice.company_id.id,
            "currency_id": self.currency_id.id,
            "partner_id": invoice.commercial_partner_id.id,
            "partner_bank_id": False,
            "payment_method_line_id": journal._get_available_payment_method_lines("inbound")[:1].id,
            "destination_account_id": receivable.account_id.id
            or invoice.commercial_partner_id.property_account_receivable_id.id,
            "invoice_ids": [fields.Command.set(invoice.ids)],
        }
