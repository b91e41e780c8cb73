# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stripe webhook events, recorded once per Stripe event id, and their handlers."""

import json
from datetime import datetime, timezone

import stripe

from odoo import SUPERUSER_ID, api, fields, models

from odoo.addons.payment import utils as payment_utils

from ..const import STRIPE_EVENT_HANDLERS, SUMMARY_KEYS
from ..tools import stripe_events


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
            secret verifies it (missing/bad signature, too old)
        :raises MalformedEvent: signed by a company but not a well-formed event
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
                stripe.WebhookSignature.verify_header(
                    payload,
                    signature,
                    company.subscription_stripe_webhook_secret,
                    tolerance=stripe.Webhook.DEFAULT_TOLERANCE,
                )
            except (stripe.SignatureVerificationError, ValueError, TypeError):
                continue
            return company, stripe_events.parse_event(payload)
        return None, None

    @api.model
    def _stripe_process_event(self, event, company):
        """Process a verified Stripe event for ``company``, once.

        :param dict event: the Stripe event (``id``, ``type``, ``data.object``)
        :return: ``'processed'``, ``'duplicate'`` (already processed: nothing
            done) or ``'ignored'`` (a type the suite does not handle)
        :raises MalformedEvent: the object does not have the shape its handler
            expects; nothing is written
        """
        handler = STRIPE_EVENT_HANDLERS.get(event.get("type"))
        if not handler:
            return "ignored"
        if self.search_count([("stripe_event_id", "=", event["id"])], limit=1):
            return "duplicate"
        data = event["data"]["object"]
        try:
            # A handler meeting an unexpected shape deeper in the object (a
            # string where Stripe sends an object) leaves nothing half-written.
            with self.env.cr.savepoint():
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
                getattr(record, handler)(data, event["data"].get("previous_attributes") or {})
        except (AttributeError, TypeError, KeyError, ValueError) as error:
            raise stripe_events.MalformedEvent(
                f"unexpected content in 'data.object' ({error.__class__.__name__}: {error})"
            ) from error
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
            attempt._stripe_register_payments()

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
        expiry = tokens._subscription_card_expiry(card.get("exp_month"), card.get("exp_year"))
        if expiry:
            tokens.filtered(lambda t: t.subscription_card_expiry != expiry).write(
                {"subscription_card_expiry": expiry}
            )
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
