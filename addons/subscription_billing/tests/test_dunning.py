# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestDunning(BillingCommon):
    def setUp(self):
        super().setUp()
        # The demo provider gives no decline code: make its failures soft
        # ("insufficient funds") unless a test says otherwise.
        patcher = self._declines_as("insufficient_funds")
        patcher.start()
        self.addCleanup(patcher.stop)

    def _day(self, sub, offset, token_state=None):
        """Run the dunning and charging crons on day ``offset`` after 1 April."""
        day = date(2026, 4, 1) + timedelta(days=offset)
        if token_state:
            sub.payment_token_id.sudo().demo_simulated_state = token_state
        self._dunning(day)
        self._process_attempts(f"{day} 12:00:00")

    def _attempt_days(self, sub):
        return [
            (a.scheduled_date.date() - date(2026, 4, 1)).days
            for a in sub.payment_attempt_ids.sorted("attempt_number")
        ]

    def test_soft_decline_retries_then_recovers(self):
        sub = self._billed_subscription(token=self.token_fail)
        self._process_attempts("2026-04-01 10:00:00")
        self.assertEqual(sub.state, "past_due")
        for offset in range(1, 5):
            self._day(sub, offset)
        self.assertEqual(self._attempt_days(sub), [0, 1, 3])
        self.assertTrue(all(a.state == "failed" for a in sub.payment_attempt_ids))
        self.assertEqual(
            sub.dunning_step_id, self.env.ref("subscription_billing.dunning_step_day3")
        )
        # The card works again: the day-5 retry recovers.
        sub.payment_token_id.sudo().demo_simulated_state = "done"
        self._day(sub, 5)
        self.assertEqual(self._attempt_days(sub), [0, 1, 3, 5])
        self.assertEqual(sub.payment_attempt_ids.sorted("attempt_number")[-1].state, "succeeded")
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.dunning_state, "none")
        self.assertFalse(sub.next_dunning_date)
        self.assertIn(sub.invoice_ids.payment_state, ("paid", "in_payment"))
        # Nothing happens any more on later days.
        attempts = len(sub.payment_attempt_ids)
        for offset in (7, 10, 14):
            self._day(sub, offset)
        self.assertEqual(len(sub.payment_attempt_ids), attempts)
        types = sub.event_ids.mapped("event_type")
        self.assertIn("payment_failed", types)
        self.assertIn("payment_recovered", types)
        self.assertLedgerBalanced(sub)

    def test_final_action_suspends(self):
        sub = self._billed_subscription(token=self.token_fail)
        self._process_attempts("2026-04-01 10:00:00")
        for offset in range(1, 15):
            self._day(sub, offset)
        self.assertEqual(self._attempt_days(sub), [0, 1, 3, 5, 7, 10, 14])
        self.assertEqual(sub.state, "suspended")
        self.assertEqual(sub.mrr, 0.0)
        self.assertEqual(sub.event_ids.sorted("id")[-1].event_type, "suspended")
        self.assertTrue(sub.activity_ids, "the billing team got an activity on day 7")
        # A late payment still brings the customer back.
        sub.payment_token_id.sudo().demo_simulated_state = "done"
        with freeze_time("2026-04-20 09:00:00"):
            sub.action_retry_payment_now()
        self._process_attempts("2026-04-20 10:00:00")
        self.assertEqual(sub.state, "active")
        self.assertLedgerBalanced(sub)

    def test_final_action_cancel(self):
        policy = self.env.ref("subscription_billing.dunning_policy_default").copy()
        policy.step_ids.filtered(lambda s: s.final_action == "suspend").final_action = "cancel"
        sub = self._billed_subscription(token=self.token_fail)
        sub.dunning_policy_id = policy
        self._process_attempts("2026-04-01 10:00:00")
        for offset in range(1, 15):
            self._day(sub, offset)
        self.assertEqual(sub.state, "cancelled")
        self.assertEqual(
            sub.cancel_reason_id, self.env.ref("subscription_core.cancel_reason_payment_failure")
        )
        self.assertEqual(sub.cancel_reason_id.kind, "involuntary")

    def test_hard_decline_stops_retries_until_the_card_changes(self):
        sub = self._billed_subscription(token=self.token_fail)
        self.token_fail.sudo().demo_simulated_state = "error"
        with freeze_time("2026-04-01 10:00:00"):
            attempt = sub.payment_attempt_ids
            attempt._start_execution()
            attempt._record_result({"state": "failed", "decline_code": "expired_card"})
        self.assertEqual(attempt.decline_type, "hard")
        self.assertEqual(sub.dunning_state, "hard_declined")
        for offset in range(1, 8):
            self._day(sub, offset)
        self.assertEqual(len(sub.payment_attempt_ids), 1, "no retry on a hard decline")
        self.assertEqual(sub.state, "past_due")
        # The customer saves a new card: retried at once, recovered.
        new_token = self._create_token(self.customer, "done")
        with freeze_time("2026-04-08 09:00:00"):
            sub.payment_token_id = new_token
        self.assertEqual(sub.dunning_state, "in_dunning")
        self._process_attempts("2026-04-08 10:00:00")
        self.assertEqual(sub.payment_attempt_ids.sorted("attempt_number")[-1].token_id, new_token)
        self.assertEqual(sub.state, "active")

    def test_stop_dunning_and_skip(self):
        sub = self._billed_subscription(token=self.token_fail)
        self._process_attempts("2026-04-01 10:00:00")
        self._dunning(date(2026, 4, 2))
        scheduled = sub.payment_attempt_ids.filtered(lambda a: a.state == "scheduled")
        self.assertEqual(len(scheduled), 1)
        scheduled.action_skip()
        self.assertEqual(scheduled.state, "cancelled")
        sub.action_stop_dunning()
        self.assertEqual(sub.dunning_state, "none")
        for offset in range(3, 15):
            self._day(sub, offset)
        self.assertEqual(sub.state, "past_due", "no final action once stopped")

    def test_repeated_generic_declines_become_hard(self):
        with self._declines_as("do_not_honor"):
            sub = self._billed_subscription(token=self.token_fail)
            self._process_attempts("2026-04-01 10:00:00")
            for offset in range(1, 8):
                self._day(sub, offset)
        attempts = sub.payment_attempt_ids.sorted("attempt_number")
        self.assertEqual(attempts.mapped("decline_type"), ["soft", "soft", "hard"])
        self.assertEqual(sub.dunning_state, "hard_declined")

    def test_only_billing_staff_retry_or_stop(self):
        sub = self._billed_subscription(token=self.token_fail)
        self._process_attempts("2026-04-01 10:00:00")
        attempt = sub.payment_attempt_ids
        for method in ("action_retry_payment_now", "action_stop_dunning"):
            with self.assertRaises(AccessError):
                getattr(sub.with_user(self.sub_user), method)()
        with self.assertRaises(AccessError):
            attempt.with_user(self.sub_user).action_retry_now()
        with self.assertRaises(AccessError):
            self.env["subscription.dunning.policy"].with_user(self.sub_user).create({"name": "X"})
        self.assertEqual(len(sub.payment_attempt_ids), 1)
        self.assertEqual(sub.dunning_state, "in_dunning")
        sub.with_user(self.sub_manager).action_stop_dunning()
        self.assertEqual(sub.dunning_state, "none")

    def test_dunning_cron_is_idempotent(self):
        sub = self._billed_subscription(token=self.token_fail)
        self._process_attempts("2026-04-01 10:00:00")
        self._dunning(date(2026, 4, 3))
        attempts = len(sub.payment_attempt_ids)
        messages = len(sub.message_ids)
        self._dunning(date(2026, 4, 3))
        self.assertEqual(len(sub.payment_attempt_ids), attempts)
        self.assertEqual(len(sub.message_ids), messages)

    def test_dunning_query_budget(self):
        def run(count, day):
            subs = [
                self._billed_subscription(on=date(2026, 4, day), token=self.token_fail)
                for _i in range(count)
            ]
            self._process_attempts(f"2026-04-{day:02d} 10:00:00")
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self._dunning(date(2026, 4, day + 3))
            self.assertTrue(all(s.dunning_step_id for s in subs))
            return self.cr.sql_log_count - before

        small = run(2, 1)
        large = run(6, 10)
        # A step renders and posts an email (about a hundred queries with
        # Odoo's mail stack), whatever the number of subscriptions.
        self.assertLessEqual((large - small) / 4, 130)


@tagged("post_install", "-at_install")
class TestAttemptScheduling(BillingCommon):
    """``_schedule_payment_attempts``: the one place that gives each invoice
    its next payment attempt, for a whole batch of invoices at once."""

    def _unattempted(self, day):
        """A charged subscription whose period invoice has no attempt yet."""
        sub = self._billed_subscription(on=date(2026, 4, day), token=self.token_ok)
        sub.payment_attempt_ids.sudo().unlink()
        return sub

    def test_each_invoice_gets_its_next_attempt(self):
        fresh = self._unattempted(1)
        failed = self._billed_subscription(token=self.token_fail)
        self._process_attempts("2026-04-01 10:00:00")
        self.assertEqual(failed.payment_attempt_ids.state, "failed")
        pending = self._billed_subscription(token=self.token_ok)
        waiting = pending.payment_attempt_ids
        waiting.sudo().scheduled_date = fields.Datetime.to_datetime("2026-04-10 10:00:00")
        when = fields.Datetime.to_datetime("2026-04-05 10:00:00")
        pairs = [
            (fresh, fresh.invoice_ids),
            (failed, failed.invoice_ids),
            (pending, pending.invoice_ids),
            (fresh, fresh.invoice_ids),
        ]
        attempts = self.env["subscription.subscription"]._schedule_payment_attempts(
            pairs, when, trigger=False
        )
        self.assertEqual(len(attempts), 4)
        self.assertEqual(attempts[0], attempts[3], "an invoice listed twice gets one attempt")
        self.assertEqual(attempts[2], waiting, "a scheduled attempt is kept")
        self.assertEqual(waiting.scheduled_date, when, "and brought forward")
        self.assertEqual(
            [(a.invoice_id, a.attempt_number, a.state) for a in attempts[:2]],
            [(fresh.invoice_ids, 1, "scheduled"), (failed.invoice_ids, 2, "scheduled")],
        )
        self.assertEqual(attempts[:2].mapped("scheduled_date"), [when, when])
        self.assertEqual(attempts[0].amount, fresh.invoice_ids.amount_residual)
        self.assertEqual(len(set(attempts.mapped("idempotency_key"))), 3)
        # Scheduling again adds nothing: each invoice has its pending attempt.
        again = self.env["subscription.subscription"]._schedule_payment_attempts(
            pairs, when, trigger=False
        )
        self.assertEqual(again, attempts)
        self.assertEqual(len(failed.payment_attempt_ids), 2)

    def test_a_batch_costs_the_same_queries_as_one_invoice(self):
        def queries(subs):
            subs = self.env["subscription.subscription"].browse([sub.id for sub in subs])
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            # As the invoicing job has them: the invoices of its batch together.
            pairs = [(invoice.subscription_id, invoice) for invoice in subs.invoice_ids]
            attempts = self.env["subscription.subscription"]._schedule_payment_attempts(
                pairs, fields.Datetime.now(), trigger=False
            )
            self.env.flush_all()
            self.assertEqual(attempts.invoice_id, subs.invoice_ids)
            return self.cr.sql_log_count - before

        one = queries([self._unattempted(1)])
        six = queries([self._unattempted(day) for day in range(2, 8)])
        self.assertLessEqual(six, one + 2, "no query per invoice")
