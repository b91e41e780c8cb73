# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Direct Stripe integration through the official ``stripe`` SDK.

Odoo's ``payment_stripe`` is not needed: a saved card is a ``payment.token``
that carries a Stripe customer id and a Stripe PaymentMethod id (its own
fields below, or those of ``payment_stripe`` when that module is installed).
When the company enables Stripe, payment attempts on such tokens are charged
with an off-session PaymentIntent whose idempotency key is the attempt's key,
so a retried or replayed request can never charge twice. Asynchronous outcomes
arrive on the webhook (``controllers/stripe.py``) and are recorded once per
Stripe event id in ``subscription.stripe.event``.
"""

import json
import logging
from datetime import datetime, timezone

import stripe

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.payment import utils as payment_utils

_logger = logging.getLogger(__name__)

STRIPE_WEBHOOK_ROUTE = "/subscription_billing/stripe/webhook"
# Events the webhook acts on (the ones to subscribe to in the Stripe dashboard),
# each with the method of ``subscription.stripe.event`` that handles it.
STRIPE_EVENT_HANDLERS = {
    "payment_intent.succeeded": "_stripe_handle_payment_intent_succeeded",
    "payment_intent.payment_failed": "_stripe_handle_payment_intent_failed",
    "charge.refunded": "_stripe_handle_charge_refunded",
    "charge.dispute.created": "_stripe_handle_dispute_created",
    "payment_method.automatically_updated": "_stripe_handle_payment_method_updated",
    "payment_method.updated": "_stripe_handle_payment_method_updated",
    "customer.source.updated": "_stripe_handle_payment_method_updated",
}
# PaymentIntent statuses that mean "the money may still come": the webhook
# tells the final outcome.
STRIPE_PENDING_STATUSES = ("processing", "requires_action", "requires_capture")
# Keys of a Stripe object kept in the event log (no card or billing details).
SUMMARY_KEYS = (
    "id",
    "object",
    "status",
    "amount",
    "amount_refunded",
    "currency",
    "customer",
    "payment_intent",
    "charge",
    "reason",
    "metadata",
)


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
                "subscription": subscription.name or "",
                "invoice": invoice.name or "",
            },
        }

    def _charge_via_stripe(self):
        """Charge the attempt with an off-session PaymentIntent; see ``_execute``.

        The attempt's idempotency key is sent as Stripe's ``Idempotency-Key``:
        running the same attempt again (a crash, a network retry by the SDK)
        returns the first PaymentIntent instead of charging twice. An attempt
        that already has a PaymentIntent only reads its current status.

        :return: dict ``{'state', 'decline_code', 'error_message'}``
        """
        self.ensure_one()
        api_key = self.company_id.sudo().subscription_stripe_secret_key
        try:
            if self.stripe_payment_intent_id:
                # Re-run of an attempt whose PaymentIntent exists (still processing):
                # ask for its outcome, never confirm a second one (Stripe forgets
                # idempotency keys after 24 hours).
                intent = stripe.PaymentIntent.retrieve(
                    self.stripe_payment_intent_id, api_key=api_key
                )
            else:
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
            # Network (after the SDK's own retries with the same idempotency key),
            # authentication, rate limit or API error: nothing was decided by the
            # bank, so it is a soft decline that dunning will retry.
            _logger.warning("Stripe request of payment attempt %s failed: %s", self.id, error)
            return {
                "state": "failed",
                "decline_code": "processing_error",
                "error_message": error.user_message or str(error),
            }
        self.stripe_payment_intent_id = intent.id
        return self._stripe_result_from_intent(intent.to_dict())

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


class SubscriptionStripeEvent(models.Model):
    """A Stripe webhook event, recorded once: the same event id is never processed twice."""

    _name = "subscription.stripe.event"
    _description = "Stripe Webhook Event"
    _order = "received_at desc, id desc"
    _rec_name = "stripe_event_id"

    stripe_event_id = fields.Char(string="Stripe Event ID", required=True, readonly=True)
    event_type = fields.Char(required=True, readonly=True)
    received_at = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    livemode = fields.Boolean(readonly=True)
    object_ref = fields.Char(string="Stripe Object", readonly=True)
    attempt_id = fields.Many2one(
        "subscription.payment.attempt",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
    )
    subscription_id = fields.Many2one(
        "subscription.subscription",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
    )
    result = fields.Selection(
        [("processed", "Processed"), ("unmatched", "No Matching Record")],
        default="processed",
        required=True,
        readonly=True,
    )
    payload_summary = fields.Text(readonly=True)

    _sql_constraints = [
        (
            "stripe_event_id_uniq",
            "unique(stripe_event_id)",
            "A Stripe event is recorded only once.",
        ),
    ]

    # === BUSINESS METHODS - ENTRY POINTS ===#

    @api.model
    def _stripe_construct_event(self, payload, signature):
        """Verify a webhook body against the signing secret of each Stripe company.

        :param bytes payload: the raw request body
        :param str signature: the ``Stripe-Signature`` header
        :return: ``(company, event dict)``, or ``(None, None)`` when no company's
            secret verifies it (missing/bad signature, too old, not JSON)
        """
        if not signature:
            return None, None
        companies = (
            self.env["res.company"]
            .sudo()
            .search(
                [
                    ("subscription_stripe_enabled", "=", True),
                    ("subscription_stripe_webhook_secret", "!=", False),
                ]
            )
        )
        for company in companies:
            try:
                stripe.Webhook.construct_event(
                    payload, signature, company.subscription_stripe_webhook_secret
                )
            except (stripe.SignatureVerificationError, ValueError):
                continue
            return company, json.loads(payload)
        return None, None

    @api.model
    def _stripe_process_event(self, event, company):
        """Process a verified Stripe event for ``company``, once.

        :param dict event: the Stripe event (``id``, ``type``, ``data.object``)
        :return: ``'processed'``, ``'duplicate'`` (already processed: nothing
            done) or ``'ignored'`` (a type the suite does not handle)
        """
        handler = STRIPE_EVENT_HANDLERS.get(event.get("type"))
        if not handler:
            return "ignored"
        if self.search_count([("stripe_event_id", "=", event["id"])], limit=1):
            return "duplicate"
        data = (event.get("data") or {}).get("object") or {}
        record = self.create(
            {
                "stripe_event_id": event["id"],
                "event_type": event["type"],
                "company_id": company.id,
                "livemode": bool(event.get("livemode")),
                "object_ref": data.get("id"),
                "payload_summary": json.dumps(
                    {key: data[key] for key in SUMMARY_KEYS if data.get(key) is not None},
                    indent=1,
                    sort_keys=True,
                ),
            }
        )
        getattr(record, handler)(data, (event.get("data") or {}).get("previous_attributes") or {})
        return "processed"

    # === BUSINESS METHODS - HANDLERS ===#

    def _stripe_find_attempt(self, intent_id, metadata=None):
        """Return the payment attempt of the PaymentIntent, in the event's company."""
        self.ensure_one()
        Attempt = self.env["subscription.payment.attempt"]
        company_domain = [("company_id", "=", self.company_id.id)]
        attempt = Attempt
        if intent_id:
            attempt = Attempt.search(
                [("stripe_payment_intent_id", "=", intent_id), *company_domain], limit=1
            )
        attempt_ref = (metadata or {}).get("odoo_attempt_id")
        if not attempt and attempt_ref and str(attempt_ref).isdigit():
            attempt = Attempt.search(
                [
                    ("id", "=", int(attempt_ref)),
                    *company_domain,
                    "|",
                    ("stripe_payment_intent_id", "=", False),
                    ("stripe_payment_intent_id", "=", intent_id),
                ],
                limit=1,
            )
        if attempt:
            self.write({"attempt_id": attempt.id, "subscription_id": attempt.subscription_id.id})
            if intent_id and not attempt.stripe_payment_intent_id:
                attempt.stripe_payment_intent_id = intent_id
        else:
            self.result = "unmatched"
        return attempt

    # Each handler receives the event's ``data.object`` and ``data.previous_attributes``.

    def _stripe_handle_payment_intent_succeeded(self, intent, _previous):
        attempt = self._stripe_find_attempt(intent.get("id"), intent.get("metadata"))
        if not attempt:
            return
        if attempt.state != "succeeded":
            attempt._record_result(
                {"state": "succeeded", "decline_code": None, "error_message": None}
            )
        else:
            # Already recorded synchronously; make sure the invoice is paid anyway.
            attempt._stripe_register_payment()

    def _stripe_handle_payment_intent_failed(self, intent, _previous):
        attempt = self._stripe_find_attempt(intent.get("id"), intent.get("metadata"))
        # A decline answered synchronously was already recorded: only settle
        # attempts still waiting for their outcome.
        if attempt and attempt.state in ("scheduled", "processing"):
            result = attempt._stripe_result_from_intent(dict(intent, status="failed"))
            attempt._record_result(result)

    def _stripe_handle_charge_refunded(self, charge, _previous):
        attempt = self._stripe_find_attempt(charge.get("payment_intent"), charge.get("metadata"))
        if not attempt:
            return
        amount = self._stripe_format_amount(charge.get("amount_refunded"), charge.get("currency"))
        if charge.get("refunded"):
            body = self.env._(
                "Stripe refunded payment %(intent)s in full (%(amount)s). Issue a credit note "
                "if the invoice is not due anymore.",
                intent=charge.get("payment_intent"),
                amount=amount,
            )
        else:
            body = self.env._(
                "Stripe refunded %(amount)s of payment %(intent)s. Issue a credit note for the "
                "refunded part if it is not due anymore.",
                amount=amount,
                intent=charge.get("payment_intent"),
            )
        self._stripe_post_note(attempt, body)

    def _stripe_handle_dispute_created(self, dispute, _previous):
        attempt = self._stripe_find_attempt(dispute.get("payment_intent"))
        if not attempt:
            return
        amount = self._stripe_format_amount(dispute.get("amount"), dispute.get("currency"))
        reason = dispute.get("reason") or "general"
        body = self.env._(
            "The customer disputed Stripe payment %(intent)s (%(amount)s, reason: %(reason)s). "
            "Answer the dispute in the Stripe dashboard before its deadline.",
            intent=dispute.get("payment_intent"),
            amount=amount,
            reason=reason,
        )
        self._stripe_post_note(attempt, body)
        due_by = (dispute.get("evidence_details") or {}).get("due_by")
        deadline = datetime.fromtimestamp(due_by, tz=timezone.utc).date() if due_by else None
        subscription = attempt.subscription_id
        subscription.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=deadline,
            summary=self.env._("Stripe dispute: %(reason)s", reason=reason),
            note=body,
            user_id=self._stripe_get_billing_user(subscription).id,
        )

    def _stripe_handle_payment_method_updated(self, method, previous):
        """The card network (or the customer) replaced the card details: refresh
        the token and lift the hard-decline block of the subscriptions charging
        it. A mere billing-details update changes nothing."""
        is_source = method.get("object") == "card"
        card = method if is_source else (method.get("card") or {})
        card_changed = self.event_type == "payment_method.automatically_updated" or (
            any(key in previous for key in ("last4", "exp_month", "exp_year", "number"))
            if is_source
            else "card" in previous
        )
        tokens = self.env["payment.token"]._subscription_stripe_search_by_method(
            method.get("id"), self.company_id
        )
        if not tokens:
            self.result = "unmatched"
            return
        last4 = card.get("last4")
        if last4:
            tokens.filtered(lambda t: t.payment_details != last4).payment_details = last4
        subscriptions = self.env["subscription.subscription"].search(
            [("payment_token_id", "in", tokens.ids)]
        )
        if subscriptions:
            self.subscription_id = subscriptions[0]
        if not card_changed:
            return
        body = self.env._(
            "Stripe updated the saved card %(brand)s ending in %(last4)s (expires "
            "%(month)s/%(year)s).",
            brand=(card.get("brand") or "").title(),
            last4=last4 or "?",
            month=card.get("exp_month") or "?",
            year=card.get("exp_year") or "?",
        )
        for subscription in subscriptions:
            subscription.message_post(body=body)
            if hasattr(subscription, "_on_payment_method_updated"):
                subscription._on_payment_method_updated()

    # === BUSINESS METHODS - HELPERS ===#

    @api.model
    def _stripe_format_amount(self, minor_amount, currency_code):
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", (currency_code or "").upper())], limit=1)
        )
        if not currency or minor_amount is None:
            return f"{minor_amount} {currency_code or ''}".strip()
        amount = payment_utils.to_major_currency_units(minor_amount, currency)
        return f"{currency.symbol or currency.name} {amount:,.{currency.decimal_places}f}"

    def _stripe_post_note(self, attempt, body):
        """Log ``body`` as a note on the attempt's subscription and invoice."""
        attempt.subscription_id.message_post(body=body)
        if attempt.invoice_id:
            attempt.invoice_id.message_post(body=body)

    @api.model
    def _stripe_get_billing_user(self, subscription):
        """The user who must act on a Stripe incident: the subscription's
        salesperson, else a subscription manager of the company, else the admin."""
        if subscription.user_id and subscription.user_id.active and not subscription.user_id.share:
            return subscription.user_id
        managers = self.env.ref("subscription_core.group_subscription_manager").users.filtered(
            lambda u: (
                u.active
                and not u.share
                and subscription.company_id in u.company_ids
                and u.id != SUPERUSER_ID
            )
        )
        return managers[:1] or self.env.ref("base.user_admin")
