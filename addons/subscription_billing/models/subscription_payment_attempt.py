# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import threading
import time
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.subscription_core.models.locking import lock_for_processing

from ..tools import declines

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200
DEFAULT_BATCH_SECONDS = 30
# An attempt left "processing" longer than this by a crashed worker is
# picked up again; it re-sends the same request (same idempotency key).
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
    amount = fields.Monetary(readonly=True)
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

    # === ACTIONS ===#

    def action_retry_now(self):
        self.subscription_id._check_billing_staff()
        for attempt in self:
            if attempt.state not in ("scheduled", "failed"):
                raise UserError(_("Only scheduled or failed attempts can be retried."))
            if attempt.state == "failed":
                attempt.subscription_id._schedule_payment_attempt(
                    attempt.invoice_id, fields.Datetime.now()
                )
            else:
                attempt.scheduled_date = fields.Datetime.now()
        self._trigger_processing()
        return True

    def action_skip(self):
        """Skip a scheduled retry; dunning goes on with its next step."""
        self.subscription_id._check_billing_staff()
        to_skip = self.filtered(lambda a: a.state == "scheduled")
        to_skip.write(
            {"state": "cancelled", "error_message": _("Skipped by %s", self.env.user.name)}
        )
        return True

    def action_cancel(self):
        return self.action_skip()

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
            "idempotency_key": f"sub{subscription.id}-inv{invoice.id}-try{number}",
        }

    def _get_channel(self):
        """Which path charges this attempt: 'transaction' (any tokenizing
        provider through payment.transaction) or 'stripe' (direct SDK, added
        by the Stripe integration)."""
        self.ensure_one()
        return "transaction"

    def _execute(self):
        """Charge one attempt now (both phases, no commit in between)."""
        self.ensure_one()
        if self._start_execution():
            self._send_charge()

    def _start_execution(self):
        """Phase 1: check the attempt is still worth sending and mark it
        *processing*, creating the provider transaction if needed. Returns
        whether a charge must be sent."""
        self.ensure_one()
        invoice = self.invoice_id
        if invoice.payment_state in ("paid", "in_payment") or invoice.amount_residual <= 0:
            self.write({"state": "cancelled", "error_message": _("The invoice is already paid.")})
            return False
        if invoice.state != "posted":
            self.write({"state": "cancelled", "error_message": _("The invoice is not posted.")})
            return False
        token = (
            self.token_id
            if self.state == "processing"
            else (self.subscription_id.payment_token_id or self.token_id)
        )
        if not token or not token.active:
            self._record_result(
                {
                    "state": "failed",
                    "decline_code": "payment_method_missing",
                    "error_message": _("No saved payment method."),
                }
            )
            return False
        if self.state == "scheduled":
            self.write(
                {
                    "state": "processing",
                    "executed_at": fields.Datetime.now(),
                    "token_id": token.id,
                    "provider_id": token.provider_id.id,
                    "amount": invoice.amount_residual,
                    "channel": self._get_channel_for(token),
                }
            )
        if self.channel == "transaction" and not self.transaction_id:
            self.transaction_id = (
                self.env["payment.transaction"].sudo().create(self._prepare_transaction_values())
            )
        return True

    def _send_charge(self):
        """Phase 2: send the request to the provider and record the result."""
        self.ensure_one()
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
        """Implemented by the Stripe integration (models/subscription_stripe.py)."""
        raise UserError(_("The direct Stripe integration is not configured."))

    def _charge_via_transaction(self):
        """Charge the token off-session through Odoo's payment engine. The
        transaction reference is the idempotency key: a re-run after a crash
        re-sends the same transaction instead of creating a second one."""
        self.ensure_one()
        tx = self.transaction_id
        if tx.state == "draft":
            tx._send_payment_request()
        if tx.state in ("done", "cancel", "error") and not tx.is_post_processed:
            # Post-process now (pays and reconciles the invoice), which
            # reports the result through payment.transaction._post_process.
            tx._post_process()
            return None
        return self._result_from_transaction(tx)

    def _prepare_transaction_values(self):
        token = self.token_id
        return {
            "provider_id": token.provider_id.id,
            "payment_method_id": token.payment_method_id.id,
            "reference": self.idempotency_key,
            "amount": self.amount,
            "currency_id": self.currency_id.id,
            "partner_id": self.subscription_id.partner_id.id,
            "token_id": token.id,
            "operation": "offline",
            "invoice_ids": [fields.Command.set(self.invoice_id.ids)],
        }

    @api.model
    def _result_from_transaction(self, tx):
        if tx.state == "done":
            return {"state": "succeeded"}
        if tx.state in ("cancel", "error"):
            code = self._decline_code_from_transaction(tx)
            return {"state": "failed", "decline_code": code, "error_message": tx.state_message}
        return {"state": "processing"}

    @api.model
    def _decline_code_from_transaction(self, tx):
        """Best decline code a generic provider gives: a known code found in
        its message, else 'generic_decline' (soft)."""
        message = declines.normalize(tx.state_message or "")
        for code in sorted(declines.HARD_CODES | declines.SOFT_CODES, key=len, reverse=True):
            if code in message:
                return code
        return "generic_decline" if tx.state == "error" else "processing_error"

    def _record_result(self, result):
        """Apply a charge outcome. Idempotent: a final attempt is left alone."""
        self.ensure_one()
        state = result.get("state")
        if self.state in ("succeeded", "cancelled"):
            return False
        if self.state == "failed" and state != "succeeded":
            # A failure is final, except when the provider reports later that
            # the money was taken after all (e.g. after a network error).
            return False
        if state == "processing":
            if self.state != "processing":
                self.state = "processing"
            return True
        if state == "succeeded":
            self.write({"state": "succeeded", "error_message": False})
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

    @api.model
    def _cron_process_attempts(self, batch_size=None):
        """Charge the attempts that are due, one bounded batch per call.

        Attempts are taken one at a time with ``FOR UPDATE SKIP LOCKED`` and
        run in two phases, each in its own savepoint: an exception rolls the
        phase back and records a soft failure, the batch goes on. Outside
        tests, each phase is committed: phase 1 (*processing*, transaction
        created) before any request leaves for a provider, so that a crash
        never loses track of a charge that may have happened — the stale
        attempt is re-sent later with the same reference and idempotency key,
        which providers deduplicate — and phase 2 (the outcome) at once.
        """
        batch_size = batch_size or int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("subscription_billing.attempt_batch_size", DEFAULT_BATCH_SIZE)
        )
        now = fields.Datetime.now()
        # Also stop after this many seconds: one call stays well inside
        # Odoo's default worker limits, however slow the providers answer.
        deadline = time.monotonic() + float(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("subscription_billing.attempt_batch_seconds", DEFAULT_BATCH_SECONDS)
        )
        commit = not getattr(threading.current_thread(), "testing", False)
        # A background batch: no field tracking on the payments and invoices
        # it creates and reconciles (the chatter still gets the payment note).
        self = self.with_context(tracking_disable=True)
        done = 0
        seen = []
        while done < batch_size and not (done and time.monotonic() >= deadline):
            # One row at a time: a commit releases every lock, so each attempt
            # is locked (and re-checked) right before it is charged.
            attempt = self._lock_due(now, 1, exclude_ids=seen)
            if not attempt:
                break
            seen.append(attempt.id)
            for phase in (attempt._start_execution, attempt._send_charge):
                try:
                    with self.env.cr.savepoint():
                        go_on = phase()
                except Exception as error:  # noqa: BLE001 - one attempt's failure stays its own
                    _logger.warning("Payment attempt %s failed: %s", attempt.idempotency_key, error)
                    with self.env.cr.savepoint():
                        attempt._record_result(
                            {
                                "state": "failed",
                                "decline_code": "processing_error",
                                "error_message": str(error),
                            }
                        )
                    go_on = False
                if commit:
                    # commit: phase 1 must be durable before the request
                    # leaves (a crash then re-sends with the same key), and
                    # phase 2's outcome must survive the rest of the batch.
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                if not go_on:
                    break
            done += 1
        remaining = self.search_count(self._get_due_domain(now))
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return {"done": done, "remaining": remaining}

    def _trigger_processing(self):
        cron = self.env.ref(
            "subscription_billing.ir_cron_subscription_process_attempts", raise_if_not_found=False
        )
        if cron:
            cron._trigger()
