# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestChangePlan(SubscriptionCommon):
    def _snapshot(self, sub):
        sub.invalidate_recordset()
        return (
            sub.tier_id,
            sub.cycle_id,
            sub.quantity,
            sub.price_unit,
            sub.recurring_amount,
            sub.mrr_company,
            sub.current_period_start,
            sub.current_period_end,
            sub.has_pending_change,
            sorted(sub.addon_line_ids.mapped(lambda line: (line.addon_id.id, line.quantity))),
            len(sub.event_ids),
        )

    def test_upgrade_now_prorated_by_day(self):
        # April has 30 days: on 21 April 10 days of 30 remain.
        sub = self._started_subscription(on=date(2026, 4, 1), quantity=3)  # 3 x 10.00
        with freeze_time("2026-04-21"):
            before = self._snapshot(sub)
            preview = sub.preview_change(tier_id=self.tier_pro.id)
            self.assertEqual(self._snapshot(sub), before, "a preview writes nothing")
            self.assertEqual(preview["effective"], "now")
            self.assertEqual(preview["change_type"], "upgrade")
            self.assertEqual(preview["effective_date"], date(2026, 4, 21))
            self.assertAlmostEqual(preview["credit"], 10.0)  # 30 x 10/30
            self.assertAlmostEqual(preview["charge"], 30.0)  # 90 x 10/30
            self.assertAlmostEqual(preview["net"], 20.0)
            self.assertEqual(preview["recurring_amount_after"], 90.0)
            self.assertEqual(preview["lines"][0]["name"], "Pro")
            result = sub.change_plan(tier_id=self.tier_pro.id)
        self.assertEqual(result["net"], preview["net"])
        self.assertEqual(sub.tier_id, self.tier_pro)
        self.assertEqual(sub.recurring_amount, 90.0)
        self.assertEqual(sub.current_period_end, date(2026, 5, 1), "same period")
        event = self._events(sub)[-1]
        self.assertEqual(event.event_type, "upgraded")
        self.assertEqual((event.tier_from_id, event.tier_to_id), (self.tier_basic, self.tier_pro))
        self.assertEqual((event.amount_credit, event.amount_charge), (10.0, 30.0))
        self.assertEqual(event.mrr_delta, 60.0)
        self.assertLedgerBalanced(sub)

    def test_proration_at_month_end_and_leap_year(self):
        # Started 31 Jan 2028 (leap year): period [31 Jan, 29 Feb) = 29 days.
        sub = self._started_subscription(on=date(2028, 1, 31), tier=self.tier_pro)
        self.assertEqual(sub.current_period_end, date(2028, 2, 29))
        with freeze_time("2028-02-28"):  # last day: 1 of 29 days left
            preview = sub.preview_change(quantity=2)
        self.assertAlmostEqual(preview["credit"], round(30.0 / 29, 2))
        self.assertAlmostEqual(preview["charge"], round(60.0 / 29, 2))
        with freeze_time("2028-01-31"):  # first day: the whole period
            preview = sub.preview_change(quantity=2)
        self.assertEqual((preview["credit"], preview["charge"]), (30.0, 60.0))

    def test_downgrade_defaults_to_period_end(self):
        sub = self._started_subscription(on=date(2026, 1, 31), tier=self.tier_pro)
        with freeze_time("2026-02-10"):
            preview = sub.change_plan(tier_id=self.tier_basic.id)
        self.assertEqual(preview["effective"], "period_end")
        self.assertEqual(preview["effective_date"], date(2026, 2, 28))
        self.assertEqual((preview["credit"], preview["charge"]), (0.0, 0.0))
        self.assertEqual(sub.tier_id, self.tier_pro, "nothing changes before the period ends")
        self.assertTrue(sub.has_pending_change)
        self.assertEqual(sub.pending_tier_id, self.tier_basic)
        with freeze_time("2026-02-28"):
            self.env["subscription.subscription"]._cron_process_due()
        self.assertEqual(sub.tier_id, self.tier_basic)
        self.assertFalse(sub.has_pending_change)
        self.assertEqual(sub.current_period_start, date(2026, 2, 28))
        self.assertEqual(sub.current_period_end, date(2026, 3, 31), "day of month kept")
        self.assertEqual(self._events(sub)[-2:].mapped("event_type"), ["downgraded", "renewed"])
        self.assertLedgerBalanced(sub)

    def test_scheduled_removal_of_every_addon(self):
        sub = self._started_subscription(
            on=date(2026, 4, 1), addons={self.addon_support: 1, self.addon_storage: 2}
        )
        with freeze_time("2026-04-10"):
            preview = sub.change_plan(addons={})
        self.assertEqual(preview["effective"], "period_end")
        self.assertTrue(sub.has_pending_change)
        self.assertEqual(len(sub.addon_line_ids), 2)
        with freeze_time("2026-05-01"):
            self.env["subscription.subscription"]._cron_process_due()
        self.assertFalse(sub.addon_line_ids, "the scheduled removal happened")
        self.assertEqual(sub.recurring_amount, 10.0)
        self.assertFalse(sub.has_pending_change)
        self.assertLedgerBalanced(sub)

    def test_effective_override(self):
        sub = self._started_subscription(on=date(2026, 4, 1), tier=self.tier_pro)
        with freeze_time("2026-04-16"):  # 15 of 30 days left
            preview = sub.change_plan(tier_id=self.tier_basic.id, effective="now")
        self.assertEqual(sub.tier_id, self.tier_basic)
        self.assertEqual((preview["credit"], preview["charge"], preview["net"]), (15.0, 5.0, -10.0))
        with freeze_time("2026-04-17"):
            preview = sub.change_plan(tier_id=self.tier_pro.id, effective="period_end")
        self.assertEqual(sub.tier_id, self.tier_basic)
        self.assertEqual(sub.pending_tier_id, self.tier_pro)
        with self.assertRaisesRegex(UserError, "'effective' must be"):
            sub.preview_change(quantity=2, effective="tomorrow")

    def test_cycle_change_starts_new_period(self):
        sub = self._started_subscription(on=date(2026, 4, 1))
        with freeze_time("2026-04-16"):
            # 100.00 a year is 8.33 a month, less than 10.00: a downgrade,
            # which would wait for the period end unless asked for now.
            self.assertEqual(sub.preview_change(cycle_id=self.yearly.id)["effective"], "period_end")
            preview = sub.change_plan(cycle_id=self.yearly.id, effective="now")
        self.assertEqual(preview["change_type"], "downgrade")
        self.assertEqual(sub.cycle_id, self.yearly)
        self.assertEqual(sub.current_period_start, date(2026, 4, 16))
        self.assertEqual(sub.current_period_end, date(2027, 4, 16))
        self.assertEqual(preview["credit"], 5.0)
        self.assertEqual(preview["charge"], 100.0, "a full new yearly period")
        self.assertLedgerBalanced(sub)

    def test_addons_and_seats(self):
        sub = self._started_subscription(on=date(2026, 4, 1), addons={self.addon_support: 1})
        self.assertEqual(sub.recurring_amount, 30.0)
        with freeze_time("2026-04-01"):
            sub.change_plan(addons={str(self.addon_support.id): 1, self.addon_storage.id: 3})
        self.assertEqual(sub.recurring_amount, 45.0)
        self.assertEqual(self._events(sub)[-1].event_type, "addon_added")
        with freeze_time("2026-04-02"):
            sub.change_plan(addons=[[self.addon_storage.id, 3]], effective="now")
        self.assertEqual(self._events(sub)[-1].event_type, "addon_removed")
        self.assertEqual(sub.addon_line_ids.addon_id, self.addon_storage)
        with freeze_time("2026-04-03"):
            sub.change_plan(quantity=4)
        self.assertEqual(self._events(sub)[-1].event_type, "quantity_changed")
        self.assertEqual(sub.recurring_amount, 55.0)
        self.assertLedgerBalanced(sub)

    def test_locked_prices_survive_catalog_changes(self):
        sub = self._started_subscription(on=date(2026, 4, 1), addons={self.addon_storage: 1})
        self.env["subscription.price"].search(
            [
                ("cycle_id", "=", self.monthly.id),
                ("currency_id", "=", self.currency.id),
                "|",
                ("tier_id", "=", self.tier_basic.id),
                ("addon_id", "=", self.addon_storage.id),
            ]
        ).write({"amount": 99.0})
        with freeze_time("2026-04-01"):
            sub.change_plan(quantity=2, addons={self.addon_storage.id: 2})
        self.assertEqual(sub.recurring_amount, 30.0, "existing seats and add-ons keep their price")

    def test_bad_change_input_writes_nothing(self):
        sub = self._started_subscription(on=date(2026, 4, 1))
        other_company_tier = self.env["subscription.tier"].create(
            {
                "name": "Elsewhere",
                "code": "elsewhere",
                "company_id": self.env["res.company"].create({"name": "Other Co"}).id,
                "product_id": self.tier_basic.product_id.id,
            }
        )
        archived = self._create_tier("Old", "old", 50, 5.0)
        archived.active = False
        before = self._snapshot(sub)
        bad_calls = [
            ({"quantity": 0}, "at least 1"),
            ({"quantity": -1}, "at least 1"),
            ({"quantity": 1.5}, "whole number"),
            ({"quantity": "two"}, "whole number"),
            ({"tier_id": 999999}, "does not exist"),
            ({"tier_id": archived.id}, "archived"),
            ({"tier_id": other_company_tier.id}, "another company"),
            ({"tier_id": self.tier_no_price.id}, "has no price"),
            ({"addons": {self.addon_storage.id: -1}}, "cannot be negative"),
            ({"addons": {self.addon_support.id: 2}}, "not sold by the unit"),
            ({"addons": "all"}, "mapping"),
            ({"addons": [[1, 2, 3]]}, "pairs"),
            ({"cycle_id": self.monthly.id}, "already has this plan"),
        ]
        for kwargs, message in bad_calls:
            for method in (sub.preview_change, sub.change_plan):
                with (
                    self.subTest(kwargs=kwargs, method=method.__name__),
                    self.assertRaisesRegex(UserError, message),
                ):
                    method(**kwargs)
        self.assertEqual(self._snapshot(sub), before)

    def test_addon_not_allowed_on_tier(self):
        self.tier_pro.addon_ids = self.addon_storage
        sub = self._started_subscription(on=date(2026, 4, 1), addons={self.addon_support: 1})
        with self.assertRaisesRegex(UserError, "cannot be added to the Pro tier"):
            sub.preview_change(tier_id=self.tier_pro.id)
        preview = sub.preview_change(tier_id=self.tier_pro.id, addons={})
        self.assertEqual(preview["recurring_amount_after"], 30.0)

    def test_trial_changes_apply_now_without_proration(self):
        sub = self._started_subscription(on=date(2026, 4, 1), tier=self.tier_enterprise)
        with freeze_time("2026-04-05"):
            preview = sub.change_plan(tier_id=self.tier_basic.id)
        self.assertEqual(preview["effective"], "now")
        self.assertEqual(preview["net"], 0.0)
        self.assertEqual(sub.tier_id, self.tier_basic)
        self.assertEqual(sub.state, "trial")
        self.assertLedgerBalanced(sub)

    def test_no_change_while_cancelling_or_ended(self):
        sub = self._started_subscription(on=date(2026, 4, 1))
        sub.action_cancel(self.reason.id)
        with self.assertRaisesRegex(UserError, "undo the cancellation"):
            sub.preview_change(quantity=2)
        sub.action_cancel_pending_change()
        sub.action_reactivate()
        sub.action_cancel(self.reason.id, at_period_end=False)
        with self.assertRaisesRegex(UserError, "while it is Cancelled"):
            sub.change_plan(quantity=2)
