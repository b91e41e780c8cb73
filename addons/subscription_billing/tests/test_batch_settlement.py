# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The batch settlement of subscription charges gives the same books as
Odoo's own post-processing, transaction by transaction."""

from unittest.mock import patch

from odoo.tests import freeze_time, tagged

from .common import BillingCommon

WHEN = "2026-04-01 10:00:00"


@tagged("post_install", "-at_install")
class TestBatchSettlement(BillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        journal = cls.env["account.journal"].create(
            {"name": "Second bank (settlement)", "type": "bank", "code": "BNK9"}
        )
        provider = cls.provider.sudo().copy({"name": "Demo (second journal)"})
        provider.write({"state": "test", "allow_tokenization": True, "journal_id": journal.id})
        cls.provider_2 = cls.env["payment.provider"].browse(provider.id)
        cls.token_journal_2 = (
            cls.env["payment.token"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": cls.payment_method.id,
                    "partner_id": cls.customer.id,
                    "provider_ref": "demo-second-journal",
                    "payment_details": "4343",
                    "demo_simulated_state": "done",
                }
            )
        )

    def _mixed_batch(self):
        """Transactions of subscription charges in every situation a batch
        meets, keyed by a label; each has its attempt in *processing*."""
        kinds = {
            "plain": {},
            "other_currency": {"currency_id": self.other_currency.id},
            "other_journal": {"token": self.token_journal_2},
            "partial": {},
            "pending": {},
            "failed": {},
            "paid_by_hand": {},
        }
        txs = {}
        for label, vals in kinds.items():
            token = vals.pop("token", self.token_ok)
            sub = self._billed_subscription(token=token, **vals)
            attempt = sub.payment_attempt_ids.sudo()
            with freeze_time(WHEN):
                attempt._start_execution()
            tx = attempt.transaction_id.sudo()
            if label == "partial":
                tx.amount = sub.currency_id.round(tx.amount / 3)
            if label == "paid_by_hand":
                with freeze_time(WHEN):
                    self.env["account.payment.register"].with_context(
                        active_model="account.move", active_ids=attempt.invoice_id.ids
                    ).create({})._create_payments()
            if label == "pending":
                tx._set_pending()
            elif label == "failed":
                tx._set_error("Card declined")
            else:
                tx._set_done()
            txs[label] = tx
        return txs

    def _books(self, tx):
        """What the settlement of ``tx`` left in the books, comparable across
        two equal batches (ids and references apart)."""
        attempt = (
            self.env["subscription.payment.attempt"].sudo().search([("transaction_id", "=", tx.id)])
        )
        invoice = attempt.invoice_id
        payment = tx.payment_id
        partials = invoice.line_ids.matched_credit_ids
        return {
            "tx": (tx.state, tx.is_post_processed),
            "payment": payment
            and (
                payment.amount,
                payment.currency_id,
                payment.journal_id,
                payment.partner_id,
                payment.payment_method_line_id,
                payment.payment_token_id,
                payment.payment_type,
                payment.state,
                payment.memo.replace(tx.reference, "REF"),
                payment.invoice_ids == invoice,
            ),
            "payment_followers": sorted(
                (follower.partner_id, tuple(sorted(follower.subtype_ids.ids)))
                for follower in payment.move_id.message_follower_ids
            ),
            "payment_lines": sorted(
                (line.account_id.id, line.debit, line.credit, line.amount_currency, line.reconciled)
                for line in payment.move_id.line_ids
            ),
            "reconciled": sorted(
                (
                    p.amount,
                    p.debit_amount_currency,
                    p.credit_amount_currency,
                    p.credit_move_id.move_id == payment.move_id,
                )
                for p in partials
            ),
            "invoice": (invoice.payment_state, invoice.amount_residual),
            "messages": [
                bool(payment) and payment.name in body
                for body in invoice.message_ids.filtered(
                    lambda m: tx.reference in (m.body or "")
                ).mapped("body")
            ],
            "attempt": (attempt.state, attempt.decline_code),
            "subscription": (attempt.subscription_id.state, attempt.subscription_id.dunning_state),
        }

    def _post_process_due(self, txs):
        """Post-process what Odoo's cron would: final, not yet post-processed."""
        return self.env["payment.transaction"].browse(
            [
                tx.id
                for tx in txs.values()
                if tx.state in ("done", "cancel", "error") and not tx.is_post_processed
            ]
        )

    def test_batch_settles_as_odoo_does_record_by_record(self):
        batch = self._mixed_batch()
        Tx = type(self.env["payment.transaction"])
        with freeze_time(WHEN):
            settled = self._post_process_due(batch)._subscription_settle_batch()
            self.assertEqual(
                {label for label, tx in batch.items() if tx in settled},
                {"plain", "other_currency", "other_journal", "partial", "paid_by_hand"},
            )
            self._post_process_due(batch)._post_process()
        with patch.object(Tx, "_subscription_settleable", lambda txs: txs.browse()):
            reference = self._mixed_batch()
            with freeze_time(WHEN):
                for tx in self._post_process_due(reference):
                    tx._post_process()
        for label in batch:
            with self.subTest(label=label):
                self.assertEqual(self._books(batch[label]), self._books(reference[label]))
        # The comparison is not empty: the batch paid, partly paid and failed.
        self.assertEqual(
            batch["plain"].invoice_ids.payment_state, reference["plain"].invoice_ids.payment_state
        )
        self.assertIn(batch["plain"].invoice_ids.payment_state, ("paid", "in_payment"))
        self.assertEqual(batch["partial"].invoice_ids.payment_state, "partial")
        payment = batch["plain"].payment_id
        self.assertIn(payment.partner_id, payment.move_id.message_partner_ids)
        self.assertEqual(batch["other_journal"].payment_id.journal_id, self.provider_2.journal_id)
        self.assertEqual(batch["other_currency"].payment_id.currency_id, self.other_currency)
        self.assertFalse(batch["pending"].payment_id)
        self.assertFalse(batch["failed"].payment_id)
        self.assertTrue(batch["paid_by_hand"].payment_id, "the customer paid twice: a payment")
        self.assertFalse(
            batch["paid_by_hand"].payment_id.move_id.line_ids.filtered("reconciled"),
            "nothing left to reconcile it with",
        )

    def test_settling_twice_creates_one_payment(self):
        batch = self._mixed_batch()
        txs = self._post_process_due(batch)
        with freeze_time(WHEN):
            txs._post_process()
            payments = txs.payment_id
            self.assertFalse(txs._subscription_settle_batch(), "already post-processed")
            txs._post_process()
        self.assertEqual(txs.payment_id, payments)
        self.assertEqual(
            self.env["account.payment"].search_count([("payment_transaction_id", "in", txs.ids)]),
            len(payments),
        )

    def test_batch_settlement_query_budget(self):
        """Settling a batch costs fewer queries per charge as it grows."""

        def settle(count):
            txs = self.env["payment.transaction"]
            for _i in range(count):
                sub = self._billed_subscription(token=self.token_ok)
                attempt = sub.payment_attempt_ids.sudo()
                with freeze_time(WHEN):
                    attempt._start_execution()
                attempt.transaction_id._set_done()
                txs |= attempt.transaction_id
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            with freeze_time(WHEN):
                txs._post_process()
            self.env.flush_all()
            return self.cr.sql_log_count - before

        small, large = settle(2), settle(8)
        self.assertLessEqual((large - small) / 6, 60, "queries per charge settled in a batch")
