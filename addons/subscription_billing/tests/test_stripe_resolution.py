# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stripe channel: unknown outcomes resolved without a second charge, and late
results from the webhook applied once."""

from datetime import datetime
from unittest.mock import patch

import stripe

from odoo.tests import tagged

from .test_stripe import STRIPE_MODEL_LOGGER, StripeCommon
from .test_stripe_webhook import StripeWebhookCase

ATTEMPT_LOGGER = "odoo.addons.subscription_billing.models.subscription_payment_attempt_batch"


@tagged("post_install", "-at_install")
class TestStripeUnknownOutcome(StripeCommon):
    def _payments(self, invoice):
        return invoice._get_reconciled_payments()

    def test_timeout_then_resolved_with_the_same_key(self):
        sub, attempt = self._stripe_subscription()
        self.stripe_http.queue(stripe.APIConnectionError("Read timed out", should_retry=False))
        with self.assertLogs(STRIPE_MODEL_LOGGER, "WARNING"):
            self._charge(datetime(2026, 4, 1, 12, 0))
        self.assertRecordValues(
            attempt, [{"state": "processing", "stripe_payment_intent_id": False}]
        )
        self.assertEqual(sub.dunning_state, "none")
        # Stripe had charged: the same key gets the same PaymentIntent back.
        self.stripe_http.queue(self._payment_intent("pi_first", amount=1100))
        self._charge(datetime(2026, 4, 1, 12, 45))
        self.assertRecordValues(
            attempt, [{"state": "succeeded", "stripe_payment_intent_id": "pi_first"}]
        )
        keys = [r["headers"].get("Idempotency-Key") for r in self.stripe_http.requests]
        self.assertEqual(keys, [attempt.idempotency_key] * 2)
        self.assertEqual(len(self._payments(attempt.invoice_id)), 1)
        self.assertEqual(len(sub.payment_attempt_ids), 1)

    def test_crash_after_the_answer_is_resolved_without_a_second_charge(self):
        """The answer came back but the worker failed before recording it."""
        sub, attempt = self._stripe_subscription()
        Attempt = type(attempt)
        original = Attempt._stripe_result_from_intent
        calls = []

        def crash_once(self, intent):
            calls.append(intent["id"])
            if len(calls) == 1:
                raise RuntimeError("worker killed")
            return original(self, intent)

        self.stripe_http.queue(self._payment_intent("pi_taken"))
        with (
            patch.object(Attempt, "_stripe_result_from_intent", crash_once),
            self.assertLogs(ATTEMPT_LOGGER, "WARNING") as logs,
        ):
            self._charge(datetime(2026, 4, 1, 12, 0))
            self.assertIn("outcome unknown", logs.output[0])
            self.assertEqual(attempt.state, "processing")
            self.assertFalse(attempt.stripe_payment_intent_id, "rolled back with the phase")
            self.stripe_http.queue(self._payment_intent("pi_taken"))
            self._charge(datetime(2026, 4, 1, 13, 0))
        self.assertEqual(attempt.state, "succeeded")
        self.assertEqual(calls, ["pi_taken", "pi_taken"])
        self.assertEqual(
            [r["headers"]["Idempotency-Key"] for r in self.stripe_http.requests],
            [attempt.idempotency_key] * 2,
            "Stripe deduplicates the second request: one charge",
        )
        self.assertEqual(len(self._payments(attempt.invoice_id)), 1)
        self.assertEqual(sub.state, "active")

    def _unknown_since(self, when):
        _sub, attempt = self._stripe_subscription()
        self.stripe_http.queue(stripe.APIConnectionError("Timeout", should_retry=False))
        with self.assertLogs(STRIPE_MODEL_LOGGER, "WARNING"):
            self._charge(when)
        self.assertEqual(attempt.state, "processing")
        self.stripe_http.requests.clear()
        return attempt

    def test_after_stripe_forgot_the_key_the_intent_is_searched(self):
        attempt = self._unknown_since(datetime(2026, 4, 1, 12, 0))
        self.stripe_http.queue(
            {"object": "search_result", "data": [self._payment_intent("pi_found")]}
        )
        self._charge(datetime(2026, 4, 3, 12, 0))
        self.assertRecordValues(
            attempt, [{"state": "succeeded", "stripe_payment_intent_id": "pi_found"}]
        )
        [request] = self.stripe_http.requests
        self.assertEqual(request["method"], "GET")
        self.assertIn("/v1/payment_intents/search", request["url"])
        self.assertIn(attempt.idempotency_key, request["url"])

    def test_after_stripe_forgot_the_key_no_intent_means_never_charged(self):
        attempt = self._unknown_since(datetime(2026, 4, 1, 12, 0))
        self.stripe_http.queue({"object": "search_result", "data": []})
        self.stripe_http.queue(self._payment_intent("pi_new"))
        self._charge(datetime(2026, 4, 3, 12, 0))
        self.assertEqual(attempt.state, "succeeded")
        search, create = self.stripe_http.requests
        self.assertEqual((search["method"], create["method"]), ("GET", "POST"))
        self.assertEqual(create["headers"]["Idempotency-Key"], attempt.idempotency_key)


@tagged("post_install", "-at_install")
class TestStripeLateResults(StripeWebhookCase):
    def _late_event(self, event_type, attempt, intent_id, **values):
        intent = self._payment_intent(
            intent_id, metadata={"odoo_attempt_id": str(attempt.id)}, **values
        )
        return self._event(event_type, intent)

    def test_late_success_after_failure_twice(self):
        sub, attempt = self._stripe_subscription()
        self.stripe_http.queue(self._card_error("card_declined", "try_again_later"), status=402)
        self._charge()
        self.assertEqual(attempt.state, "failed")
        self.assertEqual(sub.state, "past_due")
        invoice = attempt.invoice_id
        first = self._late_event(
            "payment_intent.succeeded", attempt, "pi_test_declined", status="succeeded"
        )
        second = self._late_event(
            "payment_intent.succeeded", attempt, "pi_test_declined", status="succeeded"
        )
        self.assertEqual(self._post(first).text, "processed")
        self.assertEqual(attempt.state, "succeeded")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.dunning_state, "none")
        events = sub.event_ids.mapped("event_type")
        self.assertEqual(events.count("payment_recovered"), 1)
        payments = self.env["account.payment"].search([("memo", "=", "pi_test_declined")])
        self.assertEqual(len(payments), 1)
        messages = len(sub.message_ids)
        # The same event replayed, then a second event about the same intent.
        self.assertEqual(self._post(first).text, "already processed")
        self.assertEqual(self._post(second).text, "processed")
        self.assertEqual(sub.event_ids.mapped("event_type"), events)
        self.assertEqual(
            self.env["account.payment"].search([("memo", "=", "pi_test_declined")]), payments
        )
        self.assertEqual(len(sub.message_ids), messages)
        self.assertLedgerBalanced(sub)

    def test_late_failure_after_processing_twice(self):
        sub, attempt = self._stripe_subscription()
        self.stripe_http.queue(self._payment_intent("pi_slow", status="processing"))
        self._charge()
        self.assertEqual(attempt.state, "processing")
        error = {"code": "card_declined", "decline_code": "insufficient_funds", "message": "No."}
        events_out = [
            self._late_event(
                "payment_intent.payment_failed",
                attempt,
                "pi_slow",
                status="requires_payment_method",
                last_payment_error=error,
            )
            for _i in range(2)
        ]
        self.assertEqual(self._post(events_out[0]).text, "processed")
        self.assertRecordValues(
            attempt, [{"state": "failed", "decline_code": "insufficient_funds"}]
        )
        self.assertEqual(sub.state, "past_due")
        events = sub.event_ids.mapped("event_type")
        self.assertEqual(events.count("payment_failed"), 1)
        messages = len(sub.message_ids)
        self.assertEqual(self._post(events_out[0]).text, "already processed")
        self.assertEqual(self._post(events_out[1]).text, "processed")
        self.assertEqual(attempt.state, "failed")
        self.assertEqual(sub.event_ids.mapped("event_type"), events)
        self.assertEqual(len(sub.message_ids), messages)
        self.assertLedgerBalanced(sub)
