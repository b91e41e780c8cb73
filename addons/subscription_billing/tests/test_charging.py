# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestCharging(BillingCommon):
    def test_successful_charge_pays_the_invoice(self):
        sub = self._billed_subscription(token=self.token_ok, quantity=2)
        invoice = sub.invoice_ids
        attempt = sub.payment_attempt_ids
        self.assertEqual(attempt.state, "scheduled")
        self.assertTrue(attempt.idempotency_key.startswith(f"sub{sub.id}-inv{invoice.id}-try1-"))
        self.assertFalse(invoice.sending_data, "charged invoices are not emailed by default")
        result = self._process_attempts("2026-04-01 10:00:00")
        self.assertEqual(result["done"], 1)
        self.assertEqual(attempt.state, "succeeded")
        self.assertEqual(attempt.amount, 22.0)
        self.assertEqual(attempt.transaction_id.state, "done")
        self.assertEqual(attempt.transaction_id.reference, attempt.idempotency_key)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(sub.amount_due, 0.0)
        self.assertEqual(sub.state, "active")
        # Re-running changes nothing: no second transaction.
        self.assertEqual(self._process_attempts("2026-04-01 11:00:00")["done"], 0)
        self.assertEqual(
            self.env["payment.transaction"].search_count([("invoice_ids", "in", invoice.ids)]), 1
        )

    def test_failed_charge_starts_dunning(self):
        sub = self._billed_subscription(token=self.token_fail)
        self._process_attempts("2026-04-01 10:00:00")
        attempt = sub.payment_attempt_ids.filtered(lambda a: a.attempt_number == 1)
        self.assertEqual(attempt.state, "failed")
        self.assertEqual(attempt.decline_type, "soft")
        self.assertEqual(sub.state, "past_due")
        self.assertEqual(sub.dunning_state, "in_dunning")
        self.assertEqual(sub.dunning_start_date, date(2026, 4, 1))
        self.assertEqual(sub.next_dunning_date, date(2026, 4, 2))
        self.assertEqual(sub.event_ids.sorted("id")[-1].event_type, "payment_failed")
        self.assertTrue(
            sub.message_ids.filtered(
                lambda m: (
                    "payment" in (m.subject or "").lower() or "payment" in (m.body or "").lower()
                )
            ),
            "the customer is told",
        )

    def test_pending_charge_waits_for_the_provider(self):
        sub = self._billed_subscription(token=self.token_pending)
        self._process_attempts("2026-04-01 10:00:00")
        attempt = sub.payment_attempt_ids
        self.assertEqual(attempt.state, "processing")
        self.assertEqual(attempt.transaction_id.state, "pending")
        self.assertEqual(sub.state, "active")
        # The provider confirms later: Odoo's notification then post-processing.
        attempt.transaction_id._set_done()
        attempt.transaction_id._post_process()
        self.assertEqual(attempt.state, "succeeded")
        self.assertIn(sub.invoice_ids.payment_state, ("paid", "in_payment"))

    def test_token_must_belong_to_the_customer(self):
        with self.assertRaisesRegex(ValidationError, "belongs to another customer"):
            self._new_subscription(payment_token_id=self.token_other.id)
        sub = self._new_subscription()
        with self.assertRaisesRegex(ValidationError, "belongs to another customer"):
            sub.write({"payment_token_id": self.token_other.id})
        self.env.cr.execute(
            "SELECT payment_token_id FROM subscription_subscription WHERE id = %s", [sub.id]
        )
        self.assertEqual(self.env.cr.fetchone(), (None,), "nothing written")

    def test_token_provider_must_be_enabled_and_tokenizing(self):
        sub = self._new_subscription()
        self.provider.sudo().allow_tokenization = False
        with self.assertRaisesRegex(ValidationError, "saves payment methods"):
            sub.payment_token_id = self.token_ok
        self.provider.sudo().write({"allow_tokenization": True, "state": "disabled"})
        with self.assertRaisesRegex(ValidationError, "saves payment methods"):
            sub.payment_token_id = self.token_ok

    def test_token_currency_must_be_supported(self):
        self.provider.sudo().available_currency_ids = self.currency
        sub = self._new_subscription(currency_id=self.other_currency.id)
        with self.assertRaisesRegex(ValidationError, "does not accept payments in"):
            sub.payment_token_id = self.token_ok

    def test_auto_charge_needs_a_token(self):
        with self.assertRaisesRegex(ValidationError, "choose a saved payment method"):
            self._new_subscription(billing_mode="auto_charge")

    def test_crash_while_sending_charges_once(self):
        sub = self._billed_subscription(token=self.token_ok)
        invoice = sub.invoice_ids
        Tx = type(self.env["payment.transaction"])
        with (
            patch.object(Tx, "_send_payment_request", side_effect=RuntimeError("worker killed")),
            mute_logger(
                "odoo.addons.subscription_billing.models.subscription_payment_attempt_batch"
            ),
        ):
            self._process_attempts("2026-04-01 10:00:00")
        first = sub.payment_attempt_ids
        self.assertEqual(first.state, "processing", "the request may have left: outcome unknown")
        self.assertFalse(first.decline_type)
        self.assertEqual(sub.state, "active")
        self.assertNotIn(invoice.payment_state, ("paid", "in_payment"))
        # Taken again once stale: the same transaction is sent, one charge, one payment.
        self._process_attempts("2026-04-01 11:00:00")
        self._process_attempts("2026-04-01 12:00:00")
        done = self.env["payment.transaction"].search(
            [("invoice_ids", "in", invoice.ids), ("state", "=", "done")]
        )
        self.assertEqual(len(done), 1)
        self.assertEqual(done.reference, first.idempotency_key)
        self.assertEqual(sub.payment_attempt_ids, first)
        self.assertEqual(first.state, "succeeded")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.dunning_state, "none")

    def test_stale_processing_attempt_is_resent_with_the_same_key(self):
        sub = self._billed_subscription(token=self.token_ok)
        attempt = sub.payment_attempt_ids
        with freeze_time("2026-04-01 10:00:00"):
            attempt.sudo()._start_execution()  # phase 1 committed, then the worker died
        tx = attempt.transaction_id
        self.assertEqual(attempt.state, "processing")
        self.assertEqual(self._process_attempts("2026-04-01 10:05:00")["done"], 0, "not stale yet")
        self.assertEqual(self._process_attempts("2026-04-01 11:00:00")["done"], 1)
        self.assertEqual(attempt.transaction_id, tx, "same transaction, same reference")
        self.assertEqual(attempt.state, "succeeded")

    def test_one_failing_attempt_does_not_stop_the_batch(self):
        subs = [self._billed_subscription(token=self.token_ok) for _i in range(3)]
        bad = subs[1].payment_attempt_ids
        Tx = type(self.env["payment.transaction"])
        original = Tx._send_payment_request

        def send_payment_request(tx):
            if tx.reference == bad.idempotency_key:
                raise RuntimeError("provider exploded")
            return original(tx)

        with (
            patch.object(Tx, "_send_payment_request", send_payment_request),
            mute_logger(
                "odoo.addons.subscription_billing.models.subscription_payment_attempt_batch"
            ),
        ):
            result = self._process_attempts("2026-04-01 10:00:00")
        self.assertEqual(result["done"], 3)
        self.assertEqual(
            [s.payment_attempt_ids[:1].state for s in subs],
            ["succeeded", "processing", "succeeded"],
            "an error while sending leaves the outcome unknown",
        )

    def test_record_result_is_idempotent(self):
        sub = self._billed_subscription(token=self.token_fail)
        self._process_attempts("2026-04-01 10:00:00")
        attempt = sub.payment_attempt_ids.sudo()  # the engine's view
        events = len(sub.event_ids)
        self.assertFalse(attempt._record_result({"state": "failed", "decline_code": "x"}))
        self.assertFalse(attempt._record_result({"state": "processing"}))
        self.assertEqual(attempt.state, "failed")
        self.assertEqual(len(sub.event_ids), events)
        # A provider may report later that the money was taken after all.
        self.assertTrue(attempt._record_result({"state": "succeeded"}))
        self.assertFalse(attempt._record_result({"state": "succeeded"}))
        self.assertFalse(attempt._record_result({"state": "failed", "decline_code": "y"}))
        self.assertEqual(attempt.state, "succeeded")

    def test_staff_payment_recovers(self):
        sub = self._billed_subscription(token=self.token_fail)
        self._process_attempts("2026-04-01 10:00:00")
        self.assertEqual(sub.state, "past_due")
        invoice = sub.invoice_ids
        with freeze_time("2026-04-03"):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({})._create_payments()
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.dunning_state, "none")
        self.assertFalse(sub.payment_attempt_ids.filtered(lambda a: a.state == "scheduled"))
        self.assertEqual(sub.event_ids.sorted("id")[-1].event_type, "payment_recovered")
        self.assertLedgerBalanced(sub)

    def test_query_budget_of_renewal_with_invoice(self):
        """The renewal-with-invoice batch costs a constant number of queries
        per subscription."""

        def run(count, day):
            with freeze_time(date(2026, 1, day)):
                subs = self.env["subscription.subscription"].create(
                    [
                        {
                            "partner_id": self.customer.id,
                            "tier_id": self.tier_basic.id,
                            "cycle_id": self.monthly.id,
                            "date_start": date(2026, 1, day),
                            "payment_token_id": self.token_ok.id,
                            "billing_mode": "auto_charge",
                        }
                        for _i in range(count)
                    ]
                )
                subs.action_start()
            self._process_attempts(f"2026-01-{day:02d} 12:00:00")
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self._renew(date(2026, 2, day))
            renew_queries = self.cr.sql_log_count - before
            before = self.cr.sql_log_count
            self._process_attempts(f"2026-02-{day:02d} 12:00:00")
            return renew_queries, self.cr.sql_log_count - before

        small_renew, small_charge = run(2, 3)
        large_renew, large_charge = run(6, 4)
        self.assertLessEqual(
            (large_renew - small_renew) / 4, 90, "renewal + invoice per subscription"
        )
        self.assertLessEqual(
            (large_charge - small_charge) / 4, 160, "charge + reconcile per attempt"
        )
