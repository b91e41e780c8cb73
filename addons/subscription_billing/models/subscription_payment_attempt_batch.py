# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The charging job: due payment attempts charged in batches.

A call of ``_cron_process_attempts`` takes the due attempts in chunks locked
with ``FOR UPDATE SKIP LOCKED`` (``_lock_due``) and charges each chunk in
two committed phases:

1. **Phase 1**, each attempt in its own savepoint: still worth sending
   (invoice open, token valid)? marked *processing* with its idempotency key,
   its ``payment.transaction`` created. The chunk is committed before any
   request leaves: a crash from then on leaves attempts *processing*, which
   the job takes again once stale and resolves with the same key.
2. **Requests**: the direct Stripe requests of the chunk are handed to the
   company's request pool (``tools/request_pool.py``: *Parallel Charge
   Requests* and *Charge Requests per Second*, one pool per company for the
   whole call, so that the bound and the rate hold across chunks); the
   threads get plain values and touch no database. Generic providers'
   requests (``payment.transaction._send_payment_request``) use the ORM and
   are sent one after the other.
3. **Phase 2**: every outcome recorded; the successful charges of the chunk
   settled together (one payment create, one post, one reconciliation pass:
   ``account.payment._subscription_settle``), each attempt's bookkeeping in
   its own savepoint; then committed.

The chunks are pipelined: while the Stripe requests of chunk *k* are out,
the job records chunk *k - 1* (phase 2, committed), and the next call of the
loop prepares chunk *k + 1* (phase 1, committed) — the database work and
the provider's latency overlap, and each chunk still has its two committed
phases in order. With a pool of one there is no overlap (the requests run in
the job's thread when handed over).

Attempts already *processing* (stale: a pending provider, a lost answer, a
crashed worker) are resolved one at a time under their row lock, both phases
before the commit, as they may have been charged already.
"""

import logging
import threading
import time
from functools import partial

from odoo import api, fields, models

from ..tools import request_pool, stripe_requests

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200
DEFAULT_CHUNK_SIZE = 50


class SubscriptionPaymentAttempt(models.Model):
    _inherit = "subscription.payment.attempt"

    @api.model
    def _cron_process_attempts(self, batch_size=None):
        """Charge the attempts that are due, one bounded batch per call (see
        the module doc); stops after ``subscription_billing.attempt_batch_size``
        attempts or ``subscription_billing.attempt_batch_seconds`` seconds,
        whichever comes first, so that a call stays well inside Odoo's
        default worker limits however slow the providers answer.

        :return: dict ``{'done', 'remaining'}``
        """
        batch_size, deadline = self.env["subscription.subscription"]._get_batch_limits(
            prefix="subscription_billing.attempt_batch",
            size=batch_size,
            default_size=DEFAULT_BATCH_SIZE,
        )
        chunk_size = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("subscription_billing.attempt_chunk_size", DEFAULT_CHUNK_SIZE)
        )
        commit = self._commits_phases()
        now = fields.Datetime.now()
        # A background batch: no field tracking on the payments and invoices
        # it creates and reconciles (the chatter still gets the payment note).
        self = self.sudo().with_context(tracking_disable=True)
        done = 0
        seen = []
        pools = {}  # company id -> request_pool.RequestPool, for the whole call
        failed = True
        try:
            finish_previous = None
            while done < batch_size and not (done and time.monotonic() >= deadline):
                if commit and seen:
                    # commit: the claim starts a transaction of its own (the
                    # generic providers' outcomes of the previous chunk are
                    # complete): under REPEATABLE READ an older snapshot would
                    # meet attempts another worker charged since, and fail to
                    # serialize.
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                chunk = self._lock_due(now, min(chunk_size, batch_size - done), exclude_ids=seen)
                if not chunk:
                    break
                seen.extend(chunk.ids)
                finish = chunk._charge_chunk(commit, pools)
                if finish_previous:
                    finish_previous()
                finish_previous = finish
                done += len(chunk)
            if finish_previous:
                finish_previous()
            failed = False
        finally:
            # On a failure, the requests not started are dropped: their
            # attempts stay processing and go out again with their keys.
            for pool in pools.values():
                pool.close(cancel=failed)
        remaining = self.search_count(self._get_due_domain(now))
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return {"done": done, "remaining": remaining}

    @api.model
    def _commits_phases(self):
        """Whether the charging job commits its phases: always, but in tests
        (their transaction is rolled back at the end)."""
        return not getattr(threading.current_thread(), "testing", False)

    def _charge_chunk(self, commit, pools):
        """Charge the locked attempts ``self`` (see the module doc): phase 1
        committed, the Stripe requests handed to the pools, the generic
        providers' charged one by one. Returns the callable that waits for
        the Stripe outcomes, records them (phase 2) and commits."""
        resumed = self.filtered(lambda attempt: attempt.state == "processing")
        to_send = self.browse()
        for attempt in self - resumed:
            if attempt._run_phase("_start_execution", sent=False):
                to_send |= attempt
        for attempt in resumed:
            # Under the row lock until the commit: nobody else resolves it.
            if attempt._run_phase("_start_execution", sent=True):
                attempt._run_phase("_send_charge", sent=True)
        if commit:
            # commit: phase 1 durable before any request leaves: a crash then
            # re-sends with the same key, never under a new one.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        stripe_attempts = to_send.filtered(lambda attempt: attempt.channel == "stripe")
        record_stripe = stripe_attempts._start_stripe_chunk(pools)
        (to_send - stripe_attempts)._send_transaction_chunk()

        def finish():
            record_stripe()
            if commit:
                # commit: the outcomes recorded.
                self.env.cr.commit()  # pylint: disable=invalid-commit

        return finish

    def _run_phase(self, phase, sent):
        """Run ``phase`` of this attempt in a savepoint; an exception stays
        this attempt's own: before sending, a soft failure that dunning
        retries; after (or maybe after) sending, the outcome is unknown and
        the attempt stays *processing*. Returns whether to go on."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                return getattr(self, phase)()
        except Exception as error:  # noqa: BLE001 - one attempt's failure stays its own
            self._record_exception(error, sent)
            return False

    def _record_exception(self, error, sent):
        self.ensure_one()
        self.invalidate_recordset()
        if sent or self.state == "processing":
            _logger.warning(
                "Payment attempt %s: outcome unknown, kept processing: %s",
                self.idempotency_key,
                error,
            )
            with self.env.cr.savepoint():
                self._record_unknown_outcome(error)
        else:
            _logger.warning(
                "Payment attempt %s failed before sending: %s", self.idempotency_key, error
            )
            with self.env.cr.savepoint():
                self._record_result(
                    {
                        "state": "failed",
                        "decline_code": "processing_error",
                        "error_message": str(error),
                    }
                )

    # === REQUESTS AND PHASE 2, STRIPE: IN PARALLEL ===#

    def _start_stripe_chunk(self, pools):
        """Hand the Stripe requests of ``self`` to their company's pool
        (created in ``pools`` on first use); returns the callable that waits
        for the outcomes and records them, the successful charges settled
        together."""
        pending = []
        for company, attempts in self.grouped("company_id").items():
            requests = []
            for attempt in attempts:
                try:
                    kwargs = attempt._stripe_prepare_request()
                except Exception as error:  # noqa: BLE001 - nothing sent yet: stays its own
                    attempt._record_exception(error, sent=False)
                    continue
                requests.append(
                    (attempt.id, partial(stripe_requests.create_or_find_intent, **kwargs))
                )
            if requests:
                pending.append(self._request_pool(company, pools).submit(requests))
        return partial(self._record_stripe_outcomes, pending)

    @api.model
    def _request_pool(self, company, pools):
        if company.id not in pools:
            company = company.sudo()
            pools[company.id] = request_pool.RequestPool(
                size=max(1, company.subscription_charge_concurrency or 1),
                rate_limit=company.subscription_charge_rate_limit or None,
            )
        return pools[company.id]

    def _record_stripe_outcomes(self, pending):
        results = {}
        for requests in pending:
            for attempt_id, (status, value) in requests.results().items():
                attempt = self.browse(attempt_id)
                if status == "error":
                    attempt._record_exception(value, sent=True)
                    continue
                try:
                    with self.env.cr.savepoint():
                        results[attempt] = attempt._stripe_apply_response(value)
                except Exception as error:  # noqa: BLE001
                    attempt._record_exception(error, sent=True)
        succeeded = self.browse(
            [attempt.id for attempt, result in results.items() if result["state"] == "succeeded"]
        )
        if succeeded:
            try:
                with self.env.cr.savepoint():
                    succeeded._stripe_register_payments()
            except Exception:  # noqa: BLE001 - each is settled on its own below
                _logger.exception("Batch settlement of %s Stripe charges failed", len(succeeded))
        for attempt, result in results.items():
            try:
                with self.env.cr.savepoint():
                    attempt._record_result(result)
            except Exception as error:  # noqa: BLE001
                attempt._record_exception(error, sent=True)

    # === PHASE 2, GENERIC PROVIDERS: ONE AFTER THE OTHER ===#

    def _send_transaction_chunk(self):
        """Send the generic providers' requests one by one (they use the
        ORM), then post-process the confirmed transactions of the chunk in
        one batch (``payment_transaction_settlement.py``), which records the
        attempts' outcomes. The messages the providers post on the invoices
        while sending (request sent, transaction confirmed) are collected and
        logged together, as the settlement's are."""
        sent = self.browse()
        messages = []
        # One environment for the chunk: an environment per transaction would
        # stay alive to the end of the chunk and make every environment Odoo
        # creates meanwhile slower to find (``api.Environment.__new__`` scans
        # the transaction's environments).
        collecting = self.transaction_id.with_context(
            subscription_collect_messages=(frozenset(self.transaction_id.ids), messages)
        )
        for attempt in self:
            tx = attempt.transaction_id.with_env(collecting.env)
            told = len(messages)  # the request's messages are kept only if its savepoint holds
            try:
                with self.env.cr.savepoint():
                    if tx.state == "draft":
                        tx._send_payment_request()
                sent |= attempt
            except Exception as error:  # noqa: BLE001
                del messages[told:]
                attempt._record_exception(error, sent=True)
        if messages:
            sent.transaction_id._subscription_log_collected(messages)
        final = sent.transaction_id.filtered(
            lambda tx: tx.state in ("done", "cancel", "error") and not tx.is_post_processed
        )
        if final:
            try:
                with self.env.cr.savepoint():
                    final._post_process()
            except Exception:  # noqa: BLE001 - post-processed one by one below
                _logger.exception("Batch post-processing of %s transactions failed", len(final))
                for tx in final:
                    attempt = sent.filtered(lambda a, tx=tx: a.transaction_id == tx)
                    try:
                        with self.env.cr.savepoint():
                            tx._post_process()
                    except Exception as error:  # noqa: BLE001
                        attempt._record_exception(error, sent=True)
        for attempt in sent.filtered(lambda a: a.state == "processing"):
            result = attempt._result_from_transaction(attempt.transaction_id)
            try:
                with self.env.cr.savepoint():
                    attempt._record_result(result)
            except Exception as error:  # noqa: BLE001
                attempt._record_exception(error, sent=True)
