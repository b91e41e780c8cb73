# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestCredits(BillingCommon):
    """Every credit becomes a posted credit note, applied to the open and
    next invoices; the pause policies never bill a day twice."""

    def _moves(self, sub, move_type="out_invoice"):
        return sub.invoice_ids.filtered(lambda m: m.move_type == move_type).sorted("id")

    def _pay(self, invoices):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoices.ids
        ).create({})._create_payments()

    def _assert_no_error(self, sub):
        self.assertFalse(sub.process_error)
        self.assertFalse(sub.invoice_pending)
        for move in sub.invoice_ids:
            self.assertEqual(move.state, "posted")
            self.assertGreaterEqual(move.amount_total, 0.0)

    # === PAUSE: CREDIT POLICY ===#

    def test_pause_credit_applied_to_next_invoice(self):
        """The reported case: invoiced 15 Nov-14 Dec, paused and resumed on
        2 Dec. The 13 unused days are credited and the credit pays part of
        the new period's invoice."""
        sub = self._billed_subscription(on=date(2026, 11, 15), quantity=3)  # 30.00 / 30 days
        first = self._moves(sub)
        self._pay(first)
        with freeze_time("2026-12-02"):
            sub.action_pause()
            credit = self._moves(sub, "out_refund")
            self.assertEqual(credit.state, "posted")
            self.assertEqual(credit.amount_untaxed, 13.0, "13 of 30 days of 30.00")
            self.assertEqual(credit.amount_total, 14.3)
            self.assertEqual(credit.currency_id, sub.currency_id)
            self.assertEqual(credit.invoice_line_ids.product_id, self.tier_basic.product_id)
            self.assertEqual(sub.amount_due, -14.3, "a credit the customer holds")
            sub.action_resume()
        second = self._moves(sub) - first
        self.assertEqual(
            (second.subscription_period_start, second.subscription_period_end),
            (date(2026, 12, 2), date(2027, 1, 2)),
        )
        self.assertEqual(second.amount_total, 33.0)
        self.assertEqual(credit.payment_state, "paid")
        self.assertEqual(second.amount_residual, 18.7)
        self.assertEqual(sub.amount_due, 18.7)
        # Billed net: 17 days of the first period + the new period.
        self.assertEqual(first.amount_untaxed + second.amount_untaxed - 13.0, 17.0 + 30.0)
        self._assert_no_error(sub)

    def test_pause_credit_on_unpaid_invoice(self):
        sub = self._billed_subscription(on=date(2026, 11, 15), quantity=3)
        with freeze_time("2026-12-02"):
            sub.action_pause()
        invoice = self._moves(sub)
        self.assertEqual(invoice.amount_residual, 33.0 - 14.3)
        self.assertEqual(sub.amount_due, 18.7)

    def test_pause_credit_across_renewal(self):
        sub = self._billed_subscription(on=date(2026, 11, 15), quantity=3)
        self._pay(self._moves(sub))
        with freeze_time("2026-12-02"):
            sub.action_pause()
        self._renew("2026-12-15")
        self.assertEqual(len(self._moves(sub)), 1, "no renewal while paused")
        with freeze_time("2026-12-20"):
            sub.action_resume()
        second = self._moves(sub)[-1]
        self.assertEqual(second.subscription_period_start, date(2026, 12, 20))
        self.assertEqual(second.amount_residual, 33.0 - 14.3)
        self._assert_no_error(sub)

    # === PAUSE: EXTEND POLICY ===#

    def test_pause_extend_same_day(self):
        self.company.subscription_pause_policy = "extend"
        sub = self._billed_subscription(on=date(2026, 11, 15), quantity=3)
        with freeze_time("2026-12-02"):
            sub.action_pause()
            sub.action_resume()
        self.assertFalse(self._moves(sub, "out_refund"), "nothing credited")
        self.assertEqual(len(self._moves(sub)), 1, "nothing billed twice")
        self.assertEqual(
            (sub.current_period_start, sub.current_period_end),
            (date(2026, 11, 15), date(2026, 12, 15)),
        )
        self._renew("2026-12-15")
        invoices = self._moves(sub)
        self.assertEqual(
            invoices.mapped("subscription_period_start"),
            [date(2026, 11, 15)] * 1 + [date(2026, 12, 15)],
        )
        self.assertEqual(sub.amount_due, 66.0)

    def test_pause_extend_across_renewal(self):
        """Paused on 2 Dec with 13 paid days left, resumed on 20 Dec: the 13
        days are served from 20 Dec, the next invoice starts on 2 Jan."""
        self.company.subscription_pause_policy = "extend"
        sub = self._billed_subscription(on=date(2026, 11, 15), quantity=3)
        with freeze_time("2026-12-02"):
            sub.action_pause()
        event = sub.event_ids.filtered(lambda e: e.event_type == "paused")
        self.assertEqual(event.amount_credit, 0.0)
        self._renew("2026-12-15")
        with freeze_time("2026-12-20"):
            sub.action_resume()
        self.assertEqual(sub.state, "active")
        self.assertEqual(
            (sub.current_period_start, sub.current_period_end),
            (date(2026, 12, 3), date(2027, 1, 2)),
        )
        self.assertEqual(len(self._moves(sub)), 1)
        self._renew("2027-01-01")
        self.assertEqual(len(self._moves(sub)), 1)
        self._renew("2027-01-02")
        invoices = self._moves(sub)
        self.assertEqual(invoices[-1].subscription_period_start, date(2027, 1, 2))
        self.assertEqual(invoices[-1].subscription_period_end, date(2027, 2, 2))
        self._assert_no_error(sub)

    def test_pause_extend_resumed_by_engine(self):
        self.company.subscription_pause_policy = "extend"
        sub = self._billed_subscription(on=date(2026, 11, 15), quantity=3)
        with freeze_time("2026-12-02"):
            sub.action_pause(until="2026-12-10")
        self._renew("2026-12-10")
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.current_period_end, date(2026, 12, 23))
        self.assertEqual(len(self._moves(sub)), 1)

    def test_pause_extend_then_cancel_refunds_paid_days(self):
        self.company.subscription_pause_policy = "extend"
        self.company.subscription_credit_on_cancel = True
        sub = self._billed_subscription(on=date(2026, 11, 15), quantity=3)
        with freeze_time("2026-12-02"):
            sub.action_pause()
        with freeze_time("2026-12-20"):
            sub.action_cancel(self.reason.id, at_period_end=False)
        credit = self._moves(sub, "out_refund")
        self.assertEqual(credit.amount_untaxed, 13.0, "the paid days never served")

    # === CREDITS LARGER THAN AN INVOICE ===#

    def test_credit_larger_than_two_invoices_carried_over(self):
        sub = self._billed_subscription(on=date(2026, 4, 1))  # 10.00 + 10% tax
        with freeze_time("2026-04-10"):
            adjustment = self.env["subscription.billing.adjustment"].create(
                {"subscription_id": sub.id, "name": "Goodwill", "amount": -25.0}
            )
        credit = adjustment.invoice_id
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.amount_total, 27.5)
        self.assertEqual(credit.amount_residual, 16.5, "11.00 paid the open invoice")
        self._renew("2026-05-01")
        self.assertEqual(credit.amount_residual, 5.5)
        self.assertEqual(self._moves(sub)[-1].amount_residual, 0.0)
        self._renew("2026-06-01")
        self.assertEqual(credit.payment_state, "paid")
        last = self._moves(sub)[-1]
        self.assertEqual(last.amount_residual, 5.5)
        self.assertEqual(sub.amount_due, 5.5)
        self._assert_no_error(sub)

    def test_downgrade_credit_larger_than_next_invoice(self):
        """Billed on the next invoice, a downgrade credit of 87.00 against a
        next invoice of 19.67 used to make a negative invoice that Odoo
        refuses to post; the rest is now carried over."""
        self.company.subscription_proration_mode = "next_invoice"
        sub = self._billed_subscription(on=date(2026, 4, 1), tier=self.tier_pro, quantity=3)
        self._pay(self._moves(sub))
        with freeze_time("2026-04-02"):
            sub.change_plan(tier_id=self.tier_basic.id, quantity=1, effective="now")
        credit = self._moves(sub, "out_refund")
        self.assertEqual(credit.amount_untaxed, 87.0, "29 of 30 days of 90.00")
        self.assertEqual(credit.invoice_line_ids.product_id, self.tier_pro.product_id)
        self._renew("2026-05-01")
        may = self._moves(sub)[-1]
        self.assertEqual(may.amount_untaxed, 10.0 + 9.67)
        self.assertEqual(may.amount_residual, 0.0)
        self._renew("2026-06-01")
        self._renew("2026-07-01")
        self._renew("2026-08-01")
        self._assert_no_error(sub)
        self.assertEqual(credit.amount_residual, 95.7 - 21.64 - 11.0 * 3)
        self.assertLess(sub.amount_due, 0.0)

    def test_auto_charge_takes_only_the_residual(self):
        sub = self._billed_subscription(on=date(2026, 4, 1), token=self.token_ok)
        self._process_attempts("2026-04-01 01:00:00")
        self.assertEqual(self._moves(sub).payment_state, "paid")
        with freeze_time("2026-04-20"):
            self.env["subscription.billing.adjustment"].create(
                {"subscription_id": sub.id, "name": "Outage", "amount": -4.0}
            )
        self._renew("2026-05-01")
        may = self._moves(sub)[-1]
        self.assertEqual(may.amount_residual, 11.0 - 4.4)
        self._process_attempts("2026-05-01 01:00:00")
        attempt = sub.payment_attempt_ids.filtered(lambda a: a.invoice_id == may)
        self.assertEqual(attempt.amount, 6.6)
        self.assertEqual(may.payment_state in ("paid", "in_payment"), True)

    def test_credit_paying_a_whole_invoice_schedules_no_charge(self):
        sub = self._billed_subscription(on=date(2026, 4, 1), token=self.token_ok)
        self._process_attempts("2026-04-01 01:00:00")
        with freeze_time("2026-04-20"):
            self.env["subscription.billing.adjustment"].create(
                {"subscription_id": sub.id, "name": "Outage", "amount": -10.0}
            )
        self._renew("2026-05-01")
        may = self._moves(sub)[-1]
        self.assertEqual(may.amount_residual, 0.0)
        self.assertFalse(sub.payment_attempt_ids.filtered(lambda a: a.invoice_id == may))

    def test_credit_settling_the_unpaid_invoice_recovers(self):
        """An invoice settled by a credit note alone is 'reversed' for Odoo,
        which calls no paid hook: the subscription recovers all the same."""
        sub = self._billed_subscription(on=date(2026, 4, 1), token=self.token_fail)
        self._process_attempts("2026-04-01 01:00:00")
        self.assertEqual(sub.state, "past_due")
        with freeze_time("2026-04-05"):
            self.env["subscription.billing.adjustment"].create(
                {"subscription_id": sub.id, "name": "Waived", "amount": -10.0}
            )
        self.assertEqual(self._moves(sub).amount_residual, 0.0)
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.dunning_state, "none")
        self.assertEqual(sub.amount_due, 0.0)

    def test_adjustment_needs_an_amount_and_a_started_subscription(self):
        sub = self._billed_subscription(on=date(2026, 4, 1))
        Adjustment = self.env["subscription.billing.adjustment"]
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            Adjustment.create({"subscription_id": sub.id, "name": "Nothing", "amount": 0.0})
        draft = self._new_subscription()
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            Adjustment.create({"subscription_id": draft.id, "name": "Early", "amount": -5.0})
        with self.assertRaisesRegex(ValidationError, "at most"), self.env.cr.savepoint():
            Adjustment.create({"subscription_id": sub.id, "name": "Typo", "amount": -5e12})
        self.assertFalse(sub.invoice_ids.filtered(lambda m: m.move_type == "out_refund"))

    def test_charge_adjustment_on_next_invoice(self):
        sub = self._billed_subscription(on=date(2026, 4, 1))
        with freeze_time("2026-04-20"):
            adjustment = self.env["subscription.billing.adjustment"].create(
                {"subscription_id": sub.id, "name": "Setup", "amount": 7.0}
            )
        self.assertFalse(adjustment.invoice_id)
        self._renew("2026-05-01")
        self.assertEqual(adjustment.invoice_id, self._moves(sub)[-1])
        self.assertEqual(adjustment.invoice_id.amount_untaxed, 17.0)

    def test_cancellation_refund_applied(self):
        self.company.subscription_credit_on_cancel = True
        sub = self._billed_subscription(on=date(2026, 4, 1), quantity=3)
        with freeze_time("2026-04-21"):
            sub.action_cancel(self.reason.id, at_period_end=False)
        self.assertEqual(self._moves(sub, "out_refund").amount_total, 11.0)
        self.assertEqual(sub.amount_due, 33.0 - 11.0)

    # === AMOUNT DUE IN THE SUBSCRIPTION CURRENCY ===#

    def test_amount_due_in_subscription_currency_after_rate_change(self):
        sub = self._billed_subscription(
            on=date(2026, 4, 1), partner=self.other_customer, currency_id=self.other_currency.id
        )
        invoice = self._moves(sub)
        self.assertEqual(invoice.amount_total, 22.0)
        self.assertEqual(sub.amount_due, 22.0)
        self.env["res.currency.rate"].create(
            {
                "currency_id": self.other_currency.id,
                "rate": 3.7,
                "name": "2026-04-15",
                "company_id": self.company.id,
            }
        )
        with freeze_time("2026-04-20"):
            sub.invalidate_recordset(["amount_due"])
            self.assertEqual(sub.amount_due, 22.0, "what the customer owes, not a conversion")
            self.env["subscription.billing.adjustment"].create(
                {"subscription_id": sub.id, "name": "Goodwill", "amount": -5.0}
            )
            sub.invalidate_recordset(["amount_due"])
            self.assertEqual(sub.amount_due, 16.5)
            self.assertEqual(self._moves(sub, "out_refund").currency_id, self.other_currency)
