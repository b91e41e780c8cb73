# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Charging a chunk of attempts: Stripe requests sent in parallel between two
committed phases, the successful charges settled together, and the crash
cases of the pool and of the batch."""

import json
import threading
import time
from datetime import datetime
from unittest.mock import patch
from urllib.parse import parse_qs

import stripe

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..tools import request_pool
from .common import BillingCommon
from .test_stripe import StripeCommon

BATCH_LOGGER = "odoo.addons.subscription_billing.models.subscription_payment_attempt_batch"
STRIPE_LOGGER = "odoo.addons.subscription_billing.models.subscription_payment_attempt_stripe"
WHEN = datetime(2026, 4, 1, 12, 0)


class StripeLikeHTTPClient(stripe.HTTPClient):
    """A thread-safe fake of Stripe's PaymentIntents API: an intent per
    idempotency key (a repeated key gets the first answer), answered after
    ``delay`` seconds; counts the requests under way at once."""

    name = "subscription_billing_pool_test"

    def __init__(self, delay=0.05, fail_keys=()):
        super().__init__()
        self.delay = delay
        self.fail_keys = set(fail_keys)
        self.rate_limited_keys = set()
        self.lock = threading.Lock()
        self.intents = {}
        self.creates = []
        self.running = self.most_running = 0

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        with self.lock:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        try:
            time.sleep(self.delay)
            key = dict(headers or {}).get("Idempotency-Key")
            data = {k: v[0] for k, v in parse_qs(post_data or "").items()}
            with self.lock:
                if method.lower() != "post" or "/v1/payment_intents" not in url:
                    raise AssertionError(f"Unexpected Stripe request {method} {url}")
                if key in self.fail_keys:
                    raise stripe.APIConnectionError("connection reset by peer")
                if key in self.rate_limited_keys:
                    error = {
                        "error": {
                            "type": "invalid_request_error",
                            "code": "rate_limit",
                            "message": "Too many requests",
                        }
                    }
                    return json.dumps(error), 429, {"Request-Id": "req_pool"}
                self.creates.append(key)
                if key not in self.intents:
                    self.intents[key] = {
                        "id": f"pi_{len(self.intents) + 1}",
                        "object": "payment_intent",
                        "status": "succeeded",
                        "amount": int(data["amount"]),
                        "metadata": {"odoo_idempotency_key": key},
                    }
                body = self.intents[key]
            return json.dumps(body), 200, {"Request-Id": "req_pool"}
        finally:
            with self.lock:
                self.running -= 1

    def close(self):
        pass


@tagged("post_install", "-at_install")
class TestChargingPool(StripeCommon):
    def setUp(self):
        super().setUp()
        self.http = StripeLikeHTTPClient()
        self.startPatcher(patch.object(stripe, "default_http_client", self.http))
        self.startPatcher(patch.object(stripe, "max_network_retries", 0))

    def _subscriptions(self, count):
        subs = [self._stripe_subscription()[0] for _i in range(count)]
        return self.env["subscription.subscription"].browse([sub.id for sub in subs])

    def assertChargedOnce(self, subs):
        attempts = subs.payment_attempt_ids
        self.assertEqual(set(attempts.mapped("state")), {"succeeded"})
        for attempt in attempts:
            self.assertEqual(
                self.http.intents[attempt.idempotency_key]["id"], attempt.stripe_payment_intent_id
            )
            payments = self.env["account.payment"].search(
                [("memo", "=", attempt.stripe_payment_intent_id)]
            )
            self.assertEqual(len(payments), 1, "one payment per charge")
            self.assertEqual(payments.amount, attempt.amount)
            self.assertIn(attempt.invoice_id.payment_state, ("paid", "in_payment"))
        self.assertEqual(len(self.http.intents), len(attempts), "one PaymentIntent per attempt")

    def test_requests_of_a_chunk_go_out_in_parallel(self):
        self.company.subscription_charge_concurrency = 4
        self.company.subscription_charge_rate_limit = 0
        subs = self._subscriptions(6)
        result = self._charge(WHEN)
        self.assertEqual(result["done"], 6)
        self.assertEqual(self.http.most_running, 4, "at most the pool's size at once")
        self.assertChargedOnce(subs)
        self.assertEqual(
            sorted(self.http.creates), sorted(subs.payment_attempt_ids.mapped("idempotency_key"))
        )

    def test_one_request_at_a_time_with_a_pool_of_one(self):
        self.company.subscription_charge_concurrency = 1
        subs = self._subscriptions(3)
        self._charge(WHEN)
        self.assertEqual(self.http.most_running, 1)
        self.assertChargedOnce(subs)

    def test_pool_size_is_bounded(self):
        with self.assertRaisesRegex(Exception, "between 1 and 64"):
            self.company.subscription_charge_concurrency = 0
        with self.assertRaisesRegex(Exception, "0 \\(no limit\\) or more"):
            self.company.write(
                {"subscription_charge_concurrency": 8, "subscription_charge_rate_limit": -1}
            )

    def test_crash_while_the_pool_runs_resends_with_the_same_keys(self):
        """The worker dies while the requests are out: phase 1 was
        committed, no outcome recorded; once stale, each attempt is sent
        again with its key, and Stripe answers with the first result."""
        subs = self._subscriptions(3)
        original = request_pool.PendingRequests.results

        def results_then_die(pending):
            original(pending)  # the requests left and were charged
            raise KeyboardInterrupt("worker killed")

        # Not self.assertRaises: Odoo's rolls its block back to a savepoint,
        # and phase 1 is what must survive the crash.
        killed = None
        with patch.object(request_pool.PendingRequests, "results", results_then_die):
            try:
                self._charge(WHEN)
            except KeyboardInterrupt as error:
                killed = error
        self.assertEqual(str(killed), "worker killed")
        attempts = subs.payment_attempt_ids
        self.assertEqual(set(attempts.mapped("state")), {"processing"}, "phase 1 only")
        self.assertFalse(any(attempts.mapped("stripe_payment_intent_id")))
        self.assertEqual(len(self.http.intents), 3)
        self.assertEqual(self._charge(datetime(2026, 4, 1, 12, 10))["done"], 0, "not stale yet")
        self.assertEqual(self._charge(datetime(2026, 4, 1, 13, 0))["done"], 3)
        self.assertEqual(len(self.http.creates), 6, "each request sent twice, same key")
        self.assertChargedOnce(subs)

    def _log_pipeline(self, events):
        """Record, in the job's thread, when each chunk's requests are handed
        to the pool and when its outcomes are recorded."""
        Attempt = type(self.env["subscription.payment.attempt"])
        start, record = Attempt._start_stripe_chunk, Attempt._record_stripe_outcomes

        def start_chunk(attempts, pools):
            events.append(("sent", attempts.ids))
            return start(attempts, pools)

        def record_chunk(attempts, pending):
            events.append(("recorded", attempts.ids))
            return record(attempts, pending)

        self.startPatcher(patch.object(Attempt, "_start_stripe_chunk", start_chunk))
        self.startPatcher(patch.object(Attempt, "_record_stripe_outcomes", record_chunk))

    def test_chunks_are_pipelined(self):
        """The requests of chunk k are out while chunk k - 1 is recorded:
        sent 1, sent 2, recorded 1, sent 3, recorded 2, recorded 3; one pool
        for the call, so the bound holds across chunks."""
        self.company.subscription_charge_concurrency = 2
        self.env["ir.config_parameter"].sudo().set_param(
            "subscription_billing.attempt_chunk_size", 2
        )
        subs = self._subscriptions(5)
        events = []
        self._log_pipeline(events)
        self.assertEqual(self._charge(WHEN)["done"], 5)
        self.assertEqual(
            [(kind, len(ids)) for kind, ids in events],
            [
                ("sent", 2),
                ("sent", 2),
                ("recorded", 2),
                ("sent", 1),
                ("recorded", 2),
                ("recorded", 1),
            ],
        )
        sent = [ids for kind, ids in events if kind == "sent"]
        recorded = [ids for kind, ids in events if kind == "recorded"]
        self.assertEqual(sent, recorded, "each chunk recorded once, in order")
        self.assertLessEqual(self.http.most_running, 2, "one pool for every chunk")
        self.assertChargedOnce(subs)

    def test_crash_while_recording_a_chunk_with_the_next_one_out(self):
        """The job dies recording chunk 1 while chunk 2's requests are out:
        the pool drops what has not started and waits for the rest; nothing
        of either chunk is recorded, and the next run (once stale) resolves
        every attempt with its key, each charged once."""
        self.company.subscription_charge_concurrency = 2
        self.env["ir.config_parameter"].sudo().set_param(
            "subscription_billing.attempt_chunk_size", 2
        )
        subs = self._subscriptions(4)
        Attempt = type(self.env["subscription.payment.attempt"])

        def die(attempts, pending):
            raise KeyboardInterrupt("worker killed while recording")

        killed = None
        with patch.object(Attempt, "_record_stripe_outcomes", die):
            try:
                self._charge(WHEN)
            except KeyboardInterrupt as error:
                killed = error
        self.assertEqual(str(killed), "worker killed while recording")
        attempts = subs.payment_attempt_ids
        self.assertEqual(set(attempts.mapped("state")), {"processing"}, "phase 1 of both chunks")
        self.assertFalse(any(attempts.mapped("stripe_payment_intent_id")))
        threads = [t for t in threading.enumerate() if t.name.startswith("subscription_request")]
        self.assertFalse(threads, "the pool's threads were stopped")
        self.assertEqual(self._charge(datetime(2026, 4, 1, 13, 0))["done"], 4)
        self.assertChargedOnce(subs)

    def test_a_failing_request_stays_its_own(self):
        subs = self._subscriptions(4)
        bad = subs[2].payment_attempt_ids
        self.http.fail_keys = {bad.idempotency_key}
        with mute_logger(STRIPE_LOGGER, BATCH_LOGGER):
            self.assertEqual(self._charge(WHEN)["done"], 4)
        self.assertEqual(bad.state, "processing", "outcome unknown: asked again later")
        self.assertFalse(bad.decline_type)
        self.assertEqual(subs[2].state, "active")
        self.assertChargedOnce(subs - subs[2])
        # The connection is back: the same key, one charge.
        self.http.fail_keys = set()
        self._charge(datetime(2026, 4, 1, 13, 0))
        self.assertChargedOnce(subs)

    def test_rate_limited_request_is_asked_again_later(self):
        """A 429 charged nothing and is not the customer's fault: no decline,
        no dunning; the same key goes out again once the attempt is stale."""
        subs = self._subscriptions(2)
        bad = subs[0].payment_attempt_ids
        self.http.rate_limited_keys = {bad.idempotency_key}
        with mute_logger(STRIPE_LOGGER):
            self._charge(WHEN)
        self.assertEqual(bad.state, "processing")
        self.assertFalse(bad.decline_code)
        self.assertEqual(subs[0].dunning_state, "none")
        self.http.rate_limited_keys = set()
        self._charge(datetime(2026, 4, 1, 13, 0))
        self.assertChargedOnce(subs)

    def test_an_exception_in_a_thread_stays_its_own(self):
        subs = self._subscriptions(3)
        bad = subs[0].payment_attempt_ids
        original = StripeLikeHTTPClient.request

        def request(client, method, url, headers, post_data=None, **kwargs):
            if dict(headers or {}).get("Idempotency-Key") == bad.idempotency_key:
                raise MemoryError("the thread broke")
            return original(client, method, url, headers, post_data, **kwargs)

        with patch.object(StripeLikeHTTPClient, "request", request), mute_logger(BATCH_LOGGER):
            self._charge(WHEN)
        self.assertEqual(bad.state, "processing")
        self.assertChargedOnce(subs[1:])

    def test_failed_batch_settlement_settles_each_on_its_own(self):
        subs = self._subscriptions(3)
        Payment = type(self.env["account.payment"])
        original = Payment._subscription_settle
        calls = []

        def settle(payments, vals_list, invoices_list):
            calls.append(len(vals_list))
            if len(calls) == 1:
                raise RuntimeError("the batch broke")
            return original(payments, vals_list, invoices_list)

        with patch.object(Payment, "_subscription_settle", settle), mute_logger(BATCH_LOGGER):
            self._charge(WHEN)
        self.assertEqual(calls, [3, 1, 1, 1])
        self.assertChargedOnce(subs)

    def test_chunk_settles_in_one_batch(self):
        subs = self._subscriptions(4)
        Payment = type(self.env["account.payment"])
        original = Payment._subscription_settle
        calls = []

        def settle(payments, vals_list, invoices_list):
            calls.append(len(vals_list))
            return original(payments, vals_list, invoices_list)

        with patch.object(Payment, "_subscription_settle", settle):
            self._charge(WHEN)
        self.assertEqual(calls[0], 4, "one settlement for the chunk")
        self.assertEqual(sum(calls), 4, "nothing settled twice")
        self.assertChargedOnce(subs)


@tagged("post_install", "-at_install")
class TestTransactionChunk(BillingCommon):
    """The generic providers' path: requests one after the other, the
    confirmed transactions post-processed together."""

    def test_failed_batch_post_processing_falls_back_to_one_by_one(self):
        subs = [self._billed_subscription(token=self.token_ok) for _i in range(3)]
        Tx = type(self.env["payment.transaction"])
        original = Tx._subscription_settle_batch
        calls = []

        def settle_batch(txs):
            if txs:  # (the standard chain may call it on an empty recordset)
                calls.append(len(txs))
                if len(calls) == 1:
                    raise RuntimeError("the batch broke")
            return original(txs)

        with (
            patch.object(Tx, "_subscription_settle_batch", settle_batch),
            mute_logger(BATCH_LOGGER),
        ):
            self.assertEqual(self._process_attempts(WHEN)["done"], 3)
        self.assertEqual(calls, [3, 1, 1, 1])
        for sub in subs:
            self.assertEqual(sub.payment_attempt_ids.state, "succeeded")
            self.assertIn(sub.invoice_ids.payment_state, ("paid", "in_payment"))
            self.assertEqual(len(sub.payment_attempt_ids.transaction_id.payment_id), 1)

    def test_each_claim_starts_its_own_transaction(self):
        """Each chunk's claim after the first comes right after a commit, no
        query between: a claim on the older snapshot of the previous chunk's
        provider work would meet, under REPEATABLE READ, attempts another job
        worker charged since, and fail to serialize."""
        self.env["ir.config_parameter"].sudo().set_param(
            "subscription_billing.attempt_chunk_size", 2
        )
        subs = [self._billed_subscription(token=self.token_ok) for _i in range(5)]
        cr = self.env.cr
        Attempt = type(self.env["subscription.payment.attempt"])
        claim = Attempt._lock_due
        events = []

        def lock_due(attempts, *args, **kwargs):
            events.append(("claim", cr.sql_log_count))
            return claim(attempts, *args, **kwargs)

        def commit():
            cr.flush()  # what a commit does before COMMIT, without ending the test's transaction
            events.append(("commit", cr.sql_log_count))

        with (
            patch.object(Attempt, "_commits_phases", lambda self: True),
            patch.object(Attempt, "_lock_due", lock_due),
            patch.object(cr, "commit", commit),
        ):
            self.assertEqual(self._process_attempts(WHEN)["done"], 5)
        claims = [index for index, (kind, _count) in enumerate(events) if kind == "claim"]
        self.assertEqual(len(claims), 4, "chunks of 2, 2 and 1, then a claim that finds none")
        for index in claims[1:]:
            self.assertEqual(events[index - 1][0], "commit")
            self.assertEqual(
                events[index][1], events[index - 1][1], "no query between the commit and the claim"
            )
        for sub in subs:
            self.assertEqual(sub.payment_attempt_ids.state, "succeeded")
