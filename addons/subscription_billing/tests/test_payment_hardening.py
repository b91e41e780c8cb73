# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Payment hardening on the generic channel (payment.transaction, demo provider):
database-scoped idempotency keys, unknown outcomes, late results."""

from unittest.mock import patch

from odoo.tests import freeze_time, tagged

from .common import BillingCommon

ATTEMPT_LOGGER = "odoo.addons.subscription_billing.models.subscription_payment_attempt_batch"


@tagged("post_install", "-at_install")
class TestPaymentHardening(BillingCommon):
    def _done_transactions(self, invoice):
        return self.env["payment.transaction"].search(
            [("invoice_ids", "in", invoice.ids), ("state", "=", "done")]
        )

    def _payments(self, invoice):
        return invoice._get_reconciled_payments()

    def test_idempotency_key_is_scoped_to_the_database(self):
        sub = self._billed_subscription(token=self.token_ok)
        attempt = sub.payment_attempt_ids
        invoice = sub.invoice_ids
        Attempt = self.env["subscription.payment.attempt"]
        key = attempt.idempotency_key
        self.assertTrue(key.startswith(f"sub{sub.id}-inv{invoice.id}-try1-"), key)
        self.assertEqual(Attempt._make_idempotency_key(sub, invoice, 1), key, "stable")
        self.assertNotEqual(Attempt._make_idempotency_key(sub, invoice, 2), key)
        # A copy restored from the same backup gets a new database.uuid.
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("database.uuid", "00000000-0000-4000-8000-000000000001")
        copy_key = Attempt._make_idempotency_key(sub, invoice, 1)
        self.assertNotEqual(copy_key, key)
        params.set_param("database.uuid", "00000000-0000-4000-8000-000000000002")
        self.assertNotEqual(Attempt._make_idempotency_key(sub, invoice, 1), copy_key)

    def test_attempt_scheduled_before_a_restore_is_keyed_by_the_copy(self):
        sub = self._billed_subscription(token=self.token_ok)
        attempt = sub.payment_attempt_ids
        original_key = attempt.idempotency_key
        # The backup is restored as a copy: same rows, new database.uuid.
        self.env["ir.config_parameter"].sudo().set_param(
            "database.uuid", "00000000-0000-4000-8000-0000000000c0"
        )
        self._process_attempts("2026-04-01 10:00:00")
        self.assertEqual(attempt.state, "succeeded")
        self.assertNotEqual(attempt.idempotency_key, original_key)
        self.assertEqual(
            attempt.idempotency_key,
            attempt._make_idempotency_key(sub, attempt.invoice_id, attempt.attempt_number),
        )
        self.assertEqual(attempt.transaction_id.reference, attempt.idempotency_key)

    def test_crash_after_the_request_left_charges_once(self):
        """The provider took the request, then the worker lost the answer:
        the attempt stays processing, and the next run re-sends the same
        transaction (same reference, i.e. same idempotency key)."""
        sub = self._billed_subscription(token=self.token_ok)
        invoice = sub.invoice_ids
        attempt = sub.payment_attempt_ids
        Tx = type(self.env["payment.transaction"])
        original = Tx._send_payment_request
        sent = []

        def send_then_crash(tx):
            sent.append(tx.reference)
            original(tx)
            if len(sent) == 1:
                raise TimeoutError("read timeout after the request was sent")

        with patch.object(Tx, "_send_payment_request", send_then_crash):
            with self.assertLogs(ATTEMPT_LOGGER, "WARNING") as logs:
                self._process_attempts("2026-04-01 10:00:00")
            self.assertIn("outcome unknown", logs.output[0])
            self.assertRecordValues(attempt, [{"state": "processing", "decline_code": False}])
            self.assertIn("Outcome unknown", attempt.error_message)
            self.assertEqual(sub.state, "active", "an unknown outcome is not a failure")
            self.assertEqual(sub.dunning_state, "none")
            self.assertNotIn(invoice.payment_state, ("paid", "in_payment"))
            # Not before the attempt is stale; then resolved with the same key.
            self.assertEqual(self._process_attempts("2026-04-01 10:10:00")["done"], 0)
            self.assertEqual(self._process_attempts("2026-04-01 10:31:00")["done"], 1)
        self.assertEqual(sent, [attempt.idempotency_key] * 2, "same key, never a new one")
        self.assertEqual(attempt.state, "succeeded")
        self.assertFalse(attempt.error_message)
        self.assertEqual(len(sub.payment_attempt_ids), 1, "no second attempt")
        self.assertEqual(len(self._done_transactions(invoice)), 1)
        self.assertEqual(len(self._payments(invoice)), 1)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_failure_before_sending_is_a_soft_failure(self):
        sub = self._billed_subscription(token=self.token_ok)
        Tx = type(self.env["payment.transaction"])
        with (
            patch.object(Tx, "create", side_effect=RuntimeError("database hiccup")),
            self.assertLogs(ATTEMPT_LOGGER, "WARNING"),
        ):
            self._process_attempts("2026-04-01 10:00:00")
        first = sub.payment_attempt_ids.filtered(lambda a: a.attempt_number == 1)
        self.assertRecordValues(
            first, [{"state": "failed", "decline_code": "processing_error", "decline_type": "soft"}]
        )

    def test_late_success_after_failure(self):
        sub = self._billed_subscription(token=self.token_fail)
        self._process_attempts("2026-04-01 10:00:00")
        attempt = sub.payment_attempt_ids.filtered(lambda a: a.attempt_number == 1)
        self.assertEqual(attempt.state, "failed")
        self.assertEqual(sub.state, "past_due")
        tx = attempt.transaction_id
        # The provider's delayed notification: the money was taken after all.
        with freeze_time("2026-04-01 18:00:00"):
            tx._set_done()
            tx._post_process()
        self.assertRecordValues(attempt, [{"state": "succeeded", "error_message": False}])
        self.assertIn(sub.invoice_ids.payment_state, ("paid", "in_payment"))
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.dunning_state, "none")
        self.assertFalse(sub.payment_attempt_ids.filtered(lambda a: a.state == "scheduled"))
        events = sub.event_ids.mapped("event_type")
        self.assertEqual(events.count("payment_recovered"), 1)
        self.assertLedgerBalanced(sub)
        # Replayed: nothing changes.
        messages, payments = len(sub.message_ids), self._payments(sub.invoice_ids)
        with freeze_time("2026-04-01 19:00:00"):
            tx._post_process()
            self.assertFalse(attempt._record_result({"state": "succeeded"}))
        self.assertEqual(sub.event_ids.mapped("event_type"), events)
        self.assertEqual(len(sub.message_ids), messages)
        self.assertEqual(self._payments(sub.invoice_ids), payments)

    def test_late_failure_after_pending(self):
        sub = self._billed_subscription(token=self.token_pending)
        self._process_attempts("2026-04-01 10:00:00")
        attempt = sub.payment_attempt_ids
        self.assertEqual(attempt.state, "processing")
        tx = attempt.transaction_id
        with freeze_time("2026-04-02 09:00:00"):
            tx._set_error("Insufficient funds")
            tx._post_process()
        self.assertRecordValues(
            attempt, [{"state": "failed", "decline_code": "insufficient_funds"}]
        )
        self.assertEqual(sub.state, "past_due")
        self.assertEqual(sub.dunning_state, "in_dunning")
        events = sub.event_ids.mapped("event_type")
        self.assertEqual(events.count("payment_failed"), 1)
        # Replayed (a second notification, the stale pick-up): nothing changes.
        with freeze_time("2026-04-02 10:00:00"):
            tx._post_process()
            self.assertFalse(attempt._record_result({"state": "failed", "decline_code": "x"}))
        self._process_attempts("2026-04-02 10:30:00")
        self.assertEqual(attempt.state, "failed")
        self.assertEqual(sub.event_ids.mapped("event_type"), events)
        self.assertLedgerBalanced(sub)

    def test_stale_pending_attempt_is_read_not_resent(self):
        sub = self._billed_subscription(token=self.token_pending)
        self._process_attempts("2026-04-01 10:00:00")
        attempt = sub.payment_attempt_ids
        Tx = type(self.env["payment.transaction"])
        with patch.object(Tx, "_send_payment_request") as send:
            self.assertEqual(self._process_attempts("2026-04-01 11:00:00")["done"], 1)
        send.assert_not_called()
        self.assertEqual(attempt.state, "processing")
