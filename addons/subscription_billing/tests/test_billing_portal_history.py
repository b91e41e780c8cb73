# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime

from odoo.tests import HttpCase, freeze_time, tagged
from odoo.tools import format_date

from .common import BillingCommon

TODAY = date(2026, 4, 1)


@tagged("post_install", "-at_install")
class TestBillingPortalHistory(BillingCommon, HttpCase):
    """Payment history in the customer's words: what was charged, what
    failed (a readable reason) and what happens next; attempts that will not
    run because the invoice was settled otherwise say so, and "not needed"
    never appears beside an invoice still due."""

    def setUp(self):
        super().setUp()
        # The card is declined on the first charge: past due, dunning started.
        self.sub = self._billed_subscription(on=TODAY, token=self.token_fail)
        self._process_attempts(datetime(2026, 4, 1, 12))
        self.invoice = self.sub.invoice_ids

    def _history(self):
        self.sub.invalidate_recordset()
        attempts = self.sub.payment_attempt_ids.sorted(
            lambda a: (a.scheduled_date, a.id), reverse=True
        )
        return self.sub._get_portal_payment_history(attempts)

    def _pay(self, invoices, on):
        with freeze_time(on):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoices.ids
            ).create({"payment_date": on})._create_payments()

    def _date(self, value):
        return format_date(self.env, value)

    def assertNoNotNeededBesideDue(self, rows):
        for row in rows:
            if row["status"] == "not_needed":
                invoice = row["attempt"].invoice_id
                self.assertFalse(
                    invoice.payment_state in ("not_paid", "partial") and invoice.amount_residual,
                    f"{row['message']} beside {invoice.name}, still due",
                )

    # ------------------------------------------------------------

    def test_declined_reads_reason_and_next_step(self):
        self.assertEqual(self.sub.state, "past_due")
        (row,) = self._history()
        self.assertEqual(row["status"], "declined")
        self.assertEqual(row["status_label"], "Declined")
        self.assertEqual(row["card"], self.token_fail.display_name)
        # The demo provider gives no code: a plain decline, never its raw message.
        self.assertIn("declined: your bank declined the payment.", row["message"])
        # Default policy: the step of day 1 retries the card.
        self.assertEqual(row["next"], f"We will try again on {self._date(date(2026, 4, 2))}.")

    def test_known_decline_code_reads_in_plain_words(self):
        sub = self._billed_subscription(on=TODAY, token=self.token_fail, partner=self.customer)
        with self._declines_as("insufficient_funds"):
            self._process_attempts(datetime(2026, 4, 1, 12))
        rows = sub._get_portal_payment_history(sub.payment_attempt_ids)
        self.assertIn("declined: insufficient funds.", rows[0]["message"])

    def test_hard_decline_asks_for_another_card(self):
        sub = self._billed_subscription(on=TODAY, token=self.token_fail)
        with self._declines_as("expired_card"):
            self._process_attempts(datetime(2026, 4, 1, 12))
        self.assertEqual(sub.dunning_state, "hard_declined")
        (row,) = sub._get_portal_payment_history(sub.payment_attempt_ids)
        self.assertIn("the card has expired.", row["message"])
        self.assertIn("please update your payment method", row["next"])

    def test_scheduled_retry_then_paid_otherwise_is_not_needed(self):
        # Day 1: the dunning step schedules a retry.
        self._dunning(date(2026, 4, 2))
        rows = self._history()
        self.assertEqual([r["status"] for r in rows], ["scheduled", "declined"])
        self.assertIn(self.token_fail.display_name, rows[0]["message"])
        self.assertEqual(rows[1]["next"], f"We will try again on {self._date(date(2026, 4, 2))}.")
        # The customer pays by bank transfer before the retry runs.
        self._pay(self.invoice, date(2026, 4, 2))
        rows = self._history()
        self.assertEqual(rows[0]["status"], "not_needed")
        self.assertEqual(
            rows[0]["message"], f"Not needed: invoice paid on {self._date(date(2026, 4, 2))}."
        )
        self.assertEqual(rows[1]["next"], f"Invoice paid on {self._date(date(2026, 4, 2))}.")
        self.assertNoNotNeededBesideDue(rows)

    def test_stopped_retry_beside_unpaid_invoice_is_not_not_needed(self):
        """Staff stops the dunning: the retry is cancelled by the engine but
        the invoice is still due and counted in the amount due."""
        self._dunning(date(2026, 4, 2))
        with freeze_time(date(2026, 4, 2)):
            self.sub.action_stop_dunning()
        self.assertTrue(self.sub.amount_due)
        rows = self._history()
        self.assertEqual(rows[0]["attempt"].state, "cancelled")
        self.assertEqual(rows[0]["status"], "stopped")
        self.assertEqual(rows[0]["status_label"], "Not taken")
        self.assertIn("The invoice is still due.", rows[0]["message"])
        self.assertEqual(rows[0]["next"], "The invoice is still due: you can pay it online now.")
        self.assertNoNotNeededBesideDue(rows)

    def test_ended_subscription_with_unpaid_invoice(self):
        self._dunning(date(2026, 4, 2))
        with freeze_time(date(2026, 4, 2)):
            self.sub.action_cancel(self.reason.id, at_period_end=False)
        rows = self._history()
        self.assertEqual(rows[0]["attempt"].state, "cancelled")
        self.assertNoNotNeededBesideDue(rows)

    def test_success_says_what_was_charged(self):
        sub = self._billed_subscription(on=TODAY, token=self.token_ok)
        self._process_attempts(datetime(2026, 4, 1, 12))
        (row,) = sub._get_portal_payment_history(sub.payment_attempt_ids)
        self.assertEqual(row["status"], "paid")
        self.assertIn(f"charged to {self.token_ok.display_name} on", row["message"])
        self.assertFalse(row["next"])

    def test_next_step_suspension_is_announced(self):
        # Run the steps up to day 10: the next one (day 14) suspends.
        self.sub.sudo().write({"payment_token_id": False, "billing_mode": "send_invoice"})
        for day in (2, 4, 6, 8, 11):
            self._dunning(date(2026, 4, day))
        self.sub.invalidate_recordset()
        self.assertEqual(self.sub.next_dunning_date, date(2026, 4, 15))
        rows = self._history()
        failed = [r for r in rows if r["status"] == "declined"]
        self.assertEqual(
            failed[0]["next"],
            f"Your subscription will be suspended on {self._date(date(2026, 4, 15))} "
            "unless the invoice is paid.",
        )

    def test_page_shows_history_rows(self):
        self.authenticate(self.portal_user.login, self.portal_user.login + "_password")
        response = self.url_open(f"/my/subscriptions/{self.sub.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn('data-state="declined"', response.text)
        self.assertIn("o_subscription_attempt_next", response.text)
        self.assertIn("your bank declined the payment.", response.text)
