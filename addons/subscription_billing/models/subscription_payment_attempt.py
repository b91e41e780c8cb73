# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Payment attempts: one charge of one invoice, run by the billing engine.

An attempt is sent in two committed phases (see ``subscription_payment_attempt_batch.py``):
phase 1 marks it *processing* (and creates the provider transaction) before
any request leaves; phase 2 sends the request and records the answer. An
attempt whose outcome is unknown (an exception or a timeout after the request
left) stays *processing*: it is resolved later by asking the provider, or
re-sent with the same idempotency key, never with a new one. Results that
arrive late (a success after a failure, a failure after *processing*) are
applied once (``_record_result``).

Attempts are written only by the engine (``sudo()``) and by the documented
staff actions (retry, skip, cancel), each logged in the subscription's
chatter with the user: no one below the superuser writes them directly.
"""

from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.subscription_core.models.locking import lock_for_processing

from ..tools import declines, idempotency

# An attempt left "processing" this long (a pending provider, an unknown
# outcome, a crashed worker) is taken again: the provider is asked for the
# outcome, or the same request is re-sent with the same idempotency key.
STALE_PROCESSING = timedelta(minutes=30)


class SubscriptionPaymentAttempt(models.Model):
    _name = "subscription.payment.attempt"
    _description = "Subscription Payment Attempt"
    _order = "scheduled_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    subscription_id = fields.Many2one(
        "subscription.subscription", required=True, ondelete="cascade", index=True, readonly=True
    )
    invoice_id = fields.Many2one("account.move", required=True, index=True, readonly=True)
    partner_id = fields.Many2one(related="subscription_id.partner_id", store=True)
    company_id = fields.Many2one(related="subscription_id.company_id", store=True, index=True)
    attempt_number = fields.Integer(required=True, default=1, readonly=True)
    scheduled_date = fields.Datetime(required=True, index=True, default=fields.Datetime.now)
    executed_at = fields.Datetime(readonly=True)
    amount = fields.Monetary(readonly=True, aggregator=None)  # currencies differ
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    provider_id = fields.Many2one("payment.provider", readonly=True)
    token_id = fields.Many2one("payment.token", readonly=True)
    transaction_id = fields.Many2one("payment.transaction", readonly=True, index="btree_not_null")
    channel = fields.Selection(
        selection=[("transaction", "Payment Provider"), ("stripe", "Stripe (direct)")],
        readonly=True,
    )
    state = fields.Selection(
        selection=[
            ("scheduled", "Scheduled"),
            ("processing", "Processing"),
            ("succeeded", "Succeeded"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        required=True,
        default="scheduled",
        index=True,
        readonly=True,
    )
    decline_code = fields.Char(readonly=True)
    decline_type = fields.Selection(
        selection=[("soft", "Soft (retry)"), ("hard", "Hard (update card)")], readonly=True
    )
    error_message = fields.Text(readonly=True)
    idempotency_key = fields.Char(required=True, readonly=True, copy=False)

    _sql_constraints = [
        ("idempotency_key_uniq", "UNIQUE(idempotency_key)", "An idempotency key is used once."),
        (
            "attempt_number_uniq",
            "UNIQUE(invoice_id, attempt_number)",
            "An invoice has one attempt of each number.",
        ),
    ]

    @api.depends("subscription_id.name", "attempt_number")
    def _compute_name(self):
        for attempt in self:
            attempt.name = _(
                "%(subscription)s - attempt %(number)s",
                subscription=attempt.subscription_id.name,
                number=attempt.attempt_number,
            )

    # === CRUD ===#

    @api.model_create_multi
    def create(self, vals_list):
        self._check_engine_access()
        return super().create(vals_list)

    def write(self, vals):
        self._check_engine_access()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_outside_engine(self):
        self._check_engine_access()

    def _check_engine_access(self):
        """Attempts record what a provider answered: only the billing engine
        (as superuser) writes them. Staff act through ``action_retry_now``,
        ``action_skip`` and ``action_cancel``."""
        if not self.env.su:
            raise AccessError(
                _(
                    "Payment attempts are written by the billing engine only. Use Retry Now, "
                    "Skip or Cancel on the attempt, or Retry Payment Now on the subscription."
                )
            )

    # === ACTIONS ===#

    def action_retry_now(self):
        """Charge a scheduled attempt now, or schedule a new attempt for a failed one."""
        self.subscription_id._check_billing_staff()
        if any(attempt.state not in ("scheduled", "failed") for attempt in self):
            raise UserError(_("Only scheduled or failed attempts can be retried."))
        now = fields.Datetime.now()
        for attempt in self.sudo():
            if attempt.state == "failed":
                attempt.subscription_id._schedule_payment_attempt(
                    attempt.invoice_id, now, trigger=False
                )
            else:
                attempt.scheduled_date = now
            attempt._log_staff_action(_("%(attempt)s retried now by %(user)s."))
        self._trigger_processing()
        return True

    def action_skip(self):
        """Skip a scheduled retry; dunning goes on with its next step."""
        return self._cancel_by_staff(_("Skipped by %s"), _("%(attempt)s skipped by %(user)s."))

    def action_cancel(self):
        """Cancel a scheduled attempt: it is never sent."""
        return self._cancel_by_staff(_("Cancelled by %s"), _("%(attempt)s cancelled by %(user)s."))

    def _cancel_by_staff(self, reason, note):
        self.subscription_id._check_billing_staff()
        for attempt in self.sudo().filtered(lambda a: a.state == "scheduled"):
            attempt.write({"state": "cancelled", "error_message": reason % self.env.user.name})
            attempt._log_staff_action(note)
        return True

    def _log_staff_action(self, note):
        """Log a staff action on the attempt in its subscription's chatter."""
        self.ensure_one()
        self.subscription_id.message_post(
            body=note % {"attempt": self.name, "user": self.env.user.name},
            author_id=self.env.user.partner_id.id,
        )

    # === BUSINESS ===#

    @api.model
    def _prepare_values(self, subscription, invoice, number, when):
        token = subscription.payment_token_id
        return {
            "subscription_id": subscription.id,
            "invoice_id": invoice.id,
            "attempt_number": number,
            "scheduled_date": when,
            "amount": invoice.amount_residual,
            "currency_id": invoice.currency_id.id,
            "token_id": token.id,
            "provider_id": token.provider_id.id,
            "idempotency_key": self._make_idempotency_key(subscription, invoice, number),
        }

    @api.model
    def _make_idempotency_key(self, subscription, invoice, number):
        """Key of attempt ``number`` of ``invoice``, scoped to this database
        (see ``tools/idempotency.py``)."""
        db_uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        return idempotency.make_key(db_uuid, subscription.id, invoice.id, number)

    def _get_channel(self):
        """Which path charges this attempt: 'transaction' (any tokenizing
        provider through payment.transaction) or 'stripe' (direct SDK, added
        by the Stripe integration)."""
        self.ensure_one()
        return "transaction"

    def _execute(self):
        """Charge one attempt now (both phases, no commit in between)."""
        self.ensure_one()
        attempt = self.sudo()
        if attempt._start_execution():
            attempt._send_charge()

    def _start_execution(self):
        """Phase 1: check the attempt is still worth sending and mark it
        *processing*, creating the provider transaction if needed. Returns
        whether phase 2 must run.

        An attempt already *processing* may have been charged: it always goes
        on to phase 2, which asks the provider or re-sends the same request.
        """
        self.ensure_one()
        self = self.sudo()  # the engine writes attempts as superuser
        if self.state == "processing":
            if self.channel == "transaction" and not self.transaction_id:
                self.transaction_id = self.env["payment.transaction"].create(
                    self._prepare_transaction_values()
                )
            return True
        invoice = self.invoice_id
        if invoice.payment_state in ("paid", "in_payment") or invoice.amount_residual <= 0:
            self.write({"state": "cancelled", "error_message": _("The invoice is already paid.")})
            return False
        if invoice.state != "posted":
            self.write({"state": "cancelled", "error_message": _("The invoice is not posted.")})
            return False
        token = self.subscription_id.payment_token_id or self.token_id
        if not token or not token.active:
            self._record_result(
                {
                    "state": "failed",
                    "decline_code": "payment_method_missing",
                    "error_message": _("No saved payment method."),
                }
            )
            return False
        self.write(
            {
                "state": "processing",
                "executed_at": fields.Datetime.now(),
                "token_id": token.id,
                "provider_id": token.provider_id.id,
                "amount": invoice.amount_residual,
                "channel": self._get_channel_for(token),
                # Keyed again by this database before its first request: an
                # attempt scheduled in a backup restored as a copy (new
                # database.uuid), or keyed by an older version, never goes
                # out with the original database's key. Fixed from now on.
                "idempotency_key": self._make_idempotency_key(
                    self.subscription_id, invoice, self.attempt_number
                ),
            }
        )
        if self.channel == "transaction":
            self.transaction_id = self.env["payment.transaction"].create(
                self._prepare_transaction_values()
            )
        return True

    def _send_charge(self):
        """Phase 2: send the request to the provider (or ask it for the
        outcome of the request already sent) and record the result."""
        self.ensure_one()
        self = self.sudo()  # the engine writes attempts as superuser
        if self.channel == "stripe":
            result = self._charge_via_stripe()
        else:
            result = self._charge_via_transaction()
        if result:
            self._record_result(result)
        return True

    def _get_channel_for(self, token):
        """Channel for a charge of ``token``; see ``_get_channel``."""
        self.ensure_one()
        self.token_id = token
        return self._get_channel()

    def _charge_via_stripe(self):
        """Implemented by the Stripe integration (subscription_payment_attempt_stripe.py)."""
        raise UserError(_("The direct Stripe integration is not configured."))

    def _record_result(self, result):
        """Apply a provider's answer to the attempt, its invoice's subscription
        and the ledger, once. Returns whether anything changed.

        - a succeeded or cancelled attempt is final: later answers change nothing;
        - a failed attempt changes only on a late success (the provider took
          the money after all): recorded, and the subscription recovers;
        - a *processing* attempt takes the final answer when it comes (a late
          failure starts dunning as a synchronous one does).
        """
        self.ensure_one()
        self = self.sudo()  # the engine writes attempts as superuser
        state = result.get("state")
        if self.state in ("succeeded", "cancelled"):
            return False
        if self.state == "failed" and state != "succeeded":
            return False
        if state == "processing":
            vals = {"state": "processing"}
            if result.get("error_message"):
                vals["error_message"] = result["error_message"]
            vals = {key: value for key, value in vals.items() if self[key] != value}
            if vals:
                self.write(vals)
            return bool(vals)
        if state == "succeeded":
            late = self.state == "failed"
            self.write({"state": "succeeded", "error_message": False})
            if late:
                self.subscription_id.message_post(
                    body=_(
                        "%(attempt)s was reported failed (%(code)s) and has now succeeded.",
                        attempt=self.name,
                        code=self.decline_code or "",
                    )
                )
            self.subscription_id._on_payment_succeeded(self)
            return True
        code = declines.normalize(result.get("decline_code")) or "generic_decline"
        previous = self.search_count(
            [
                ("invoice_id", "=", self.invoice_id.id),
                ("state", "=", "failed"),
                ("decline_code", "=", code),
                ("id", "!=", self.id),
            ]
        )
        self.write(
            {
                "state": "failed",
                "decline_code": code,
                "decline_type": declines.classify(code, previous + 1),
                "error_message": result.get("error_message") or False,
            }
        )
        self.subscription_id._on_payment_failed(self)
        return True

    def _record_unknown_outcome(self, error):
        """The request may have reached the provider but no answer came back:
        the attempt stays *processing* and is resolved later (see module doc)."""
        self.ensure_one()
        return self._record_result(
            {
                "state": "processing",
                "error_message": _(
                    "Outcome unknown, to be confirmed with the provider: %(error)s",
                    error=str(error),
                ),
            }
        )

    # === CRON ===#

    @api.model
    def _get_due_domain(self, now):
        return [
            "|",
            "&",
            ("state", "=", "scheduled"),
            ("scheduled_date", "<=", now),
            "&",
            ("state", "=", "processing"),
            ("executed_at", "<=", now - STALE_PROCESSING),
        ]

    @api.model
    def _lock_due(self, now, limit, exclude_ids=()):
        """Lock up to ``limit`` due attempts, skipping rows another worker holds."""
        domain = self._get_due_domain(now)
        if exclude_ids:
            domain = [("id", "not in", list(exclude_ids))] + domain
        return lock_for_processing(self, domain, limit, order=("scheduled_date", "id"))

    def _trigger_processing(self):
        cron = self.env.ref(
            "subscription_billing.ir_cron_subscription_process_attempts", raise_if_not_found=False
        )
        if cron:
            cron._trigger()
