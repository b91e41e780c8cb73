# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestLifecycle(SubscriptionCommon):
    def test_start_without_trial_is_active(self):
        sub = self._started_subscription(on=date(2026, 1, 31), quantity=3)
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.current_period_start, date(2026, 1, 31))
        self.assertEqual(sub.current_period_end, date(2026, 2, 28))
        self.assertEqual(sub.recurring_amount, 30.0)
        self.assertEqual(sub.mrr, 30.0)
        self.assertEqual(sub.next_action_date, date(2026, 2, 28))
        self.assertEqual(self._events(sub).mapped("event_type"), ["created", "activated"])
        self.assertLedgerBalanced(sub)

    def test_start_with_trial(self):
        sub = self._started_subscription(on=date(2026, 5, 1), tier=self.tier_enterprise)
        self.assertEqual(sub.state, "trial")
        self.assertEqual(sub.trial_end_date, date(2026, 5, 15))
        self.assertEqual(sub.current_period_end, date(2026, 5, 15))
        self.assertEqual(sub.mrr, 0.0, "a trial brings no revenue yet")
        self.assertEqual(self._events(sub)[-1].event_type, "trial_started")
        with freeze_time("2026-05-10"):
            sub.action_activate()
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.current_period_start, date(2026, 5, 10))
        self.assertEqual(sub.current_period_end, date(2026, 6, 10))
        self.assertEqual(sub.mrr, 100.0)
        self.assertLedgerBalanced(sub)

    def test_mrr_of_cycles_and_currencies(self):
        yearly = self._started_subscription(cycle=self.yearly)
        self.assertAlmostEqual(yearly.mrr, 100.0 / 12, places=2)
        quarterly = self._started_subscription(cycle=self.quarterly)
        self.assertAlmostEqual(quarterly.mrr, 10.0)
        foreign = self._started_subscription(currency_id=self.other_currency.id)
        self.assertEqual(foreign.recurring_amount, 20.0)
        self.assertEqual(foreign.mrr, 20.0)
        self.assertAlmostEqual(foreign.mrr_company, 10.0, places=2, msg="rate 2.0")
        self.assertLedgerBalanced(yearly | quarterly | foreign)

    def test_start_requires_price(self):
        sub = self._new_subscription(tier=self.tier_no_price)
        with self.assertRaisesRegex(UserError, "has no price for the Test Monthly cycle"):
            sub.action_start()
        self.assertEqual(sub.state, "draft")
        self.assertEqual(self._events(sub).mapped("event_type"), ["created"])
        foreign = self._new_subscription(cycle=self.yearly, currency_id=self.other_currency.id)
        with self.assertRaisesRegex(UserError, "no price"):
            foreign.action_start()

    def test_bad_quantity_and_dates(self):
        Sub = self.env["subscription.subscription"]
        count = Sub.search_count([])
        for quantity in (0, -2):
            with self.assertRaisesRegex(ValidationError, "seats must be at least 1"):
                self._new_subscription(quantity=quantity)
        with self.assertRaisesRegex(ValidationError, "must be after the start"):
            self._new_subscription(date_start=date(2026, 3, 1), date_end=date(2026, 2, 1))
        self.assertEqual(Sub.search_count([]), count, "nothing half-written")
        sub = self._new_subscription()
        with self.assertRaisesRegex(ValidationError, "seats must be at least 1"):
            sub.quantity = 0

    def test_bad_cycle(self):
        Cycle = self.env["subscription.cycle"]
        count = Cycle.search_count([])
        for interval_count in (0, -1):
            with self.assertRaisesRegex(ValidationError, "at least one unit"):
                Cycle.create(
                    {"name": "Never", "interval_unit": "month", "interval_count": interval_count}
                )
        with self.assertRaisesRegex(ValidationError, "at least one unit"):
            self.monthly.interval_count = 0
        self.assertEqual(Cycle.search_count([]), count, "nothing half-written")

    def test_wrong_state_transitions_are_refused(self):
        sub = self._new_subscription()
        for method in ("action_resume", "action_pause", "action_reactivate"):
            with self.assertRaisesRegex(UserError, "while it is Draft"):
                getattr(sub, method)()
        sub.action_start()
        with self.assertRaisesRegex(UserError, "You cannot start"):
            sub.action_start()
        with self.assertRaisesRegex(UserError, "You cannot activate"):
            sub.action_activate()
        with self.assertRaisesRegex(UserError, "You cannot resume"):
            sub.action_resume()
        with self.assertRaisesRegex(UserError, "You cannot reactivate"):
            sub.action_reactivate()
        sub.action_cancel(self.reason.id, at_period_end=False)
        for method in ("action_pause", "action_resume", "action_activate"):
            with self.assertRaisesRegex(UserError, "while it is Cancelled"):
                getattr(sub, method)()
        with self.assertRaisesRegex(UserError, "You cannot cancel"):
            sub.action_cancel(self.reason.id)

    def test_cancel_requires_reason(self):
        sub = self._started_subscription()
        events = len(sub.event_ids)
        for reason in (None, False, 0, self.env["subscription.cancel.reason"]):
            with self.assertRaisesRegex(UserError, "reason is required"):
                sub.action_cancel(reason)
        with self.assertRaisesRegex(UserError, "does not exist"):
            sub.action_cancel(999999)
        self.assertEqual(sub.state, "active")
        self.assertFalse(sub.cancel_at_period_end)
        self.assertEqual(len(sub.event_ids), events)

    def test_cancel_at_period_end_and_undo(self):
        sub = self._started_subscription(on=date(2026, 1, 10))
        with freeze_time("2026-01-20"):
            sub.action_cancel(self.reason.id, feedback="  too pricey ")
        self.assertEqual(sub.state, "active")
        self.assertTrue(sub.cancel_at_period_end)
        self.assertEqual(sub.cancel_feedback, "too pricey")
        self.assertEqual(sub.mrr, 10.0, "still paying until the period ends")
        with self.assertRaisesRegex(UserError, "already cancelling"):
            sub.action_cancel(self.reason.id)
        sub.action_undo_cancel()
        self.assertFalse(sub.cancel_at_period_end)
        self.assertFalse(sub.cancel_reason_id)
        with self.assertRaisesRegex(UserError, "no scheduled cancellation"):
            sub.action_undo_cancel()
        self.assertEqual(
            self._events(sub).mapped("event_type"),
            ["created", "activated", "cancel_scheduled", "reactivated"],
        )
        self.assertLedgerBalanced(sub)

    def test_cancel_now_records_credit(self):
        sub = self._started_subscription(on=date(2026, 4, 1), quantity=3)  # 30.00, 30 days
        with freeze_time("2026-04-21"):
            sub.action_cancel(self.reason, at_period_end=False)
        self.assertEqual(sub.state, "cancelled")
        self.assertEqual(sub.cancel_date, date(2026, 4, 21))
        self.assertEqual(sub.mrr, 0.0)
        event = self._events(sub)[-1]
        self.assertEqual(event.event_type, "cancelled")
        self.assertEqual(event.reason_id, self.reason)
        self.assertAlmostEqual(event.amount_credit, 10.0, msg="10 unused days of 30")
        self.assertEqual(event.mrr_delta, -30.0)
        self.assertFalse(sub.next_action_date)
        self.assertLedgerBalanced(sub)

    def test_pause_resume(self):
        sub = self._started_subscription(on=date(2026, 3, 1))
        with freeze_time("2026-03-11"):
            with self.assertRaisesRegex(UserError, "must end after today"):
                sub.action_pause(until=date(2026, 3, 11))
            sub.action_pause(until="2026-04-01")
        self.assertEqual(sub.state, "paused")
        self.assertEqual(sub.pause_until, date(2026, 4, 1))
        self.assertEqual(sub.next_action_date, date(2026, 4, 1))
        self.assertEqual(sub.mrr, 0.0)
        with freeze_time("2026-03-20"):
            sub.action_resume()
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.current_period_start, date(2026, 3, 20))
        self.assertEqual(sub.current_period_end, date(2026, 4, 20))
        self.assertFalse(sub.pause_until)
        self.assertEqual(self._events(sub)[-2:].mapped("event_type"), ["paused", "resumed"])
        self.assertLedgerBalanced(sub)

    def test_reactivate_cancelled(self):
        sub = self._started_subscription(on=date(2026, 1, 1))
        with freeze_time("2026-01-05"):
            sub.action_cancel(self.reason.id, at_period_end=False)
        self.tier_basic.price_ids.filtered(
            lambda p: p.cycle_id == self.monthly and p.currency_id == self.currency
        ).amount = 12.0
        with freeze_time("2026-02-10"):
            sub.action_reactivate()
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.current_period_start, date(2026, 2, 10))
        self.assertEqual(sub.current_period_end, date(2026, 3, 10))
        self.assertFalse(sub.cancel_date)
        self.assertEqual(sub.recurring_amount, 12.0, "a restart takes today's catalog price")
        self.assertEqual(self._events(sub)[-1].event_type, "reactivated")
        self.assertLedgerBalanced(sub)

    def test_fixed_term_shortens_last_period(self):
        sub = self._started_subscription(on=date(2026, 1, 15), date_end=date(2026, 3, 1))
        self.assertEqual(sub.current_period_end, date(2026, 2, 15))
        with freeze_time("2026-02-15"):
            self.env["subscription.subscription"]._cron_process_due()
        self.assertEqual(sub.current_period_end, date(2026, 3, 1), "clipped to the term")
        with freeze_time("2026-03-01"):
            self.env["subscription.subscription"]._cron_process_due()
        self.assertEqual(sub.state, "expired")
        self.assertEqual(self._events(sub)[-1].event_type, "expired")
        self.assertLedgerBalanced(sub)

    def test_draft_only_deletion(self):
        draft = self._new_subscription()
        draft.unlink()
        sub = self._started_subscription()
        with self.assertRaisesRegex(UserError, "cannot be deleted: cancel it"):
            sub.unlink()

    def test_payment_states_for_billing(self):
        sub = self._started_subscription()
        sub._set_past_due(note="card declined")
        self.assertEqual(sub.state, "past_due")
        self.assertEqual(sub.mrr, 10.0)
        sub._set_past_due()
        self.assertEqual(self._events(sub).mapped("event_type").count("payment_failed"), 1)
        sub._set_suspended()
        self.assertEqual(sub.state, "suspended")
        self.assertEqual(sub.mrr, 0.0)
        sub._set_recovered()
        self.assertEqual(sub.state, "active")
        self.assertLedgerBalanced(sub)

    def test_partner_unified_view(self):
        partner = self.env["res.partner"].create({"name": "Stage Co"})
        self.assertEqual(partner.lifecycle_stage, "prospect")
        sub = self._started_subscription(on=date(2026, 1, 1), partner=partner, quantity=2)
        self.assertEqual(partner.lifecycle_stage, "active")
        self.assertEqual(partner.mrr, 20.0)
        self.assertEqual(partner.subscription_count, 1)
        self.assertEqual(partner.first_subscription_date, date(2026, 1, 1))
        self.assertIn(sub.event_ids[0], partner.subscription_event_ids)
        trial = self._started_subscription(
            on=date(2026, 1, 2), partner=partner, tier=self.tier_enterprise
        )
        self.assertEqual(partner.lifecycle_stage, "active")
        with freeze_time("2026-01-20"):
            sub.action_cancel(self.reason.id, at_period_end=False)
            trial.action_cancel(self.reason.id, at_period_end=False)
        self.assertEqual(partner.lifecycle_stage, "churned")
        self.assertEqual(partner.churn_date, date(2026, 1, 20))
        self.assertEqual(partner.mrr, 0.0)
        action = partner.action_view_subscriptions()
        self.assertEqual(
            self.env["subscription.subscription"].search(action["domain"]), sub | trial
        )
