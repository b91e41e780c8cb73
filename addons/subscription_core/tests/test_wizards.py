# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import UserError
from odoo.tests import Form, freeze_time, tagged

from .common import SubscriptionCommon

START = date(2026, 1, 31)  # monthly period [31 Jan, 28 Feb): 28 days
MID_PERIOD = date(2026, 2, 14)  # 14 days left, half of the period


@tagged("post_install", "-at_install")
class TestWizards(SubscriptionCommon):
    """The change-plan and cancel wizards, driven like the form view does,
    as a subscription user (not the superuser)."""

    def _change_plan_form(self, sub):
        wizard_model = (
            self.env["subscription.change.plan"]
            .with_user(self.sub_user)
            .with_context(default_subscription_id=sub.id)
        )
        return Form(wizard_model)

    def _cancel_form(self, sub):
        wizard_model = (
            self.env["subscription.cancel"]
            .with_user(self.sub_user)
            .with_context(default_subscription_id=sub.id)
        )
        return Form(wizard_model)

    # ------------------------------------------------------------
    # Change plan
    # ------------------------------------------------------------

    def test_change_plan_defaults_to_current_plan_without_preview(self):
        sub = self._started_subscription(on=START, quantity=2, addons={self.addon_storage: 3})
        with freeze_time(MID_PERIOD):
            form = self._change_plan_form(sub)
            self.assertEqual(form.tier_id, self.tier_basic)
            self.assertEqual(form.cycle_id, self.monthly)
            self.assertEqual(form.quantity, 2)
            self.assertEqual(form.effective, "auto")
            self.assertEqual(len(form.line_ids), 1)
            with form.line_ids.edit(0) as line:
                self.assertEqual(line.addon_id, self.addon_storage)
                self.assertEqual(line.quantity, 3)
            # Nothing changed yet: no preview and no error either.
            self.assertFalse(form.preview_change_type)
            self.assertFalse(form.preview_error)

    def test_change_plan_upgrade_previews_proration_and_applies_now(self):
        sub = self._started_subscription(on=START)
        self.assertEqual(sub.state, "active")
        with freeze_time(MID_PERIOD):
            form = self._change_plan_form(sub)
            form.tier_id = self.tier_pro
            self.assertFalse(form.preview_error)
            self.assertEqual(form.preview_change_type, "upgrade")
            self.assertEqual(form.preview_effective, "now")
            self.assertEqual(form.preview_effective_date, MID_PERIOD)
            self.assertAlmostEqual(form.preview_recurring_amount_before, 10.0)
            self.assertAlmostEqual(form.preview_recurring_amount_after, 30.0)
            # Half of the period is left: credit half of 10, charge half of 30.
            self.assertAlmostEqual(form.preview_credit, 5.0)
            self.assertAlmostEqual(form.preview_charge, 15.0)
            self.assertAlmostEqual(form.preview_net, 10.0)
            self.assertIn("Pro", str(form.preview_lines_html))
            wizard = form.save()
            wizard.action_confirm()
        self.assertEqual(sub.tier_id, self.tier_pro)
        self.assertAlmostEqual(sub.recurring_amount, 30.0)
        event = sub.event_ids.sorted("id")[-1]
        self.assertEqual(event.event_type, "upgraded")
        self.assertEqual(event.tier_from_id, self.tier_basic)
        self.assertEqual(event.tier_to_id, self.tier_pro)
        self.assertEqual(event.user_id, self.sub_user)
        self.assertLedgerBalanced(sub)

    def test_change_plan_downgrade_is_scheduled_for_period_end(self):
        sub = self._started_subscription(on=START, tier=self.tier_pro)
        with freeze_time(MID_PERIOD):
            form = self._change_plan_form(sub)
            form.tier_id = self.tier_basic
            self.assertEqual(form.preview_change_type, "downgrade")
            self.assertEqual(form.preview_effective, "period_end")
            self.assertEqual(form.preview_effective_date, sub.current_period_end)
            self.assertAlmostEqual(form.preview_net, 0.0)
            form.save().action_confirm()
        self.assertEqual(sub.tier_id, self.tier_pro, "the downgrade waits for the renewal")
        self.assertTrue(sub.has_pending_change)
        self.assertEqual(sub.pending_tier_id, self.tier_basic)

    def test_change_plan_effective_can_be_forced(self):
        sub = self._started_subscription(on=START)
        with freeze_time(MID_PERIOD):
            form = self._change_plan_form(sub)
            form.tier_id = self.tier_pro
            form.effective = "period_end"
            self.assertEqual(form.preview_effective, "period_end")
            self.assertEqual(form.preview_effective_date, sub.current_period_end)
            form.save().action_confirm()
        self.assertEqual(sub.tier_id, self.tier_basic)
        self.assertEqual(sub.pending_tier_id, self.tier_pro)

    def test_change_plan_seats_and_addons(self):
        sub = self._started_subscription(on=START)
        with freeze_time(MID_PERIOD):
            form = self._change_plan_form(sub)
            form.quantity = 3
            with form.line_ids.new() as line:
                line.addon_id = self.addon_storage
                line.quantity = 2
            # 3 seats x 10 + 2 x 5 of storage.
            self.assertAlmostEqual(form.preview_recurring_amount_after, 40.0)
            self.assertEqual(form.preview_change_type, "upgrade")
            self.assertIn("Extra storage", str(form.preview_lines_html))
            form.save().action_confirm()
        self.assertEqual(sub.quantity, 3)
        self.assertEqual(sub.addon_line_ids.addon_id, self.addon_storage)
        self.assertEqual(sub.addon_line_ids.quantity, 2)
        self.assertAlmostEqual(sub.recurring_amount, 40.0)

    def test_change_plan_removing_an_addon(self):
        sub = self._started_subscription(on=START, addons={self.addon_support: 1})
        with freeze_time(MID_PERIOD):
            form = self._change_plan_form(sub)
            form.line_ids.remove(0)
            self.assertEqual(form.preview_change_type, "downgrade")
            form.effective = "now"
            self.assertAlmostEqual(form.preview_recurring_amount_after, 10.0)
            form.save().action_confirm()
        self.assertFalse(sub.addon_line_ids)

    def test_change_plan_error_is_shown_not_raised(self):
        sub = self._started_subscription(on=START)
        with freeze_time(MID_PERIOD):
            form = self._change_plan_form(sub)
            form.tier_id = self.tier_no_price
            self.assertIn("no price", form.preview_error)
            self.assertFalse(form.preview_change_type)
            form.tier_id = self.tier_pro
            self.assertFalse(form.preview_error, "a valid plan clears the error")
            form.quantity = 0
            self.assertTrue(form.preview_error)
            wizard = form.save()
            with self.assertRaises(UserError):
                wizard.action_confirm()
        self.assertEqual(sub.tier_id, self.tier_basic)
        self.assertEqual(sub.quantity, 1)

    # ------------------------------------------------------------
    # Cancel
    # ------------------------------------------------------------

    def test_cancel_requires_a_reason(self):
        sub = self._started_subscription(on=START)
        form = self._cancel_form(sub)
        self.assertTrue(form.at_period_end)
        with self.assertRaises(AssertionError):
            form.save()
        self.assertEqual(sub.state, "active")

    def test_cancel_at_period_end(self):
        sub = self._started_subscription(on=START)
        with freeze_time(MID_PERIOD):
            form = self._cancel_form(sub)
            form.reason_id = self.reason
            form.feedback = "Too pricey for us."
            form.save().action_confirm()
        self.assertEqual(sub.state, "active")
        self.assertTrue(sub.cancel_at_period_end)
        self.assertEqual(sub.cancel_reason_id, self.reason)
        self.assertEqual(sub.cancel_feedback, "Too pricey for us.")
        self.assertEqual(sub.event_ids.sorted("id")[-1].event_type, "cancel_scheduled")

    def test_cancel_now(self):
        sub = self._started_subscription(on=START)
        with freeze_time(MID_PERIOD):
            form = self._cancel_form(sub)
            form.reason_id = self.reason
            form.at_period_end = False
            form.save().action_confirm()
        self.assertEqual(sub.state, "cancelled")
        self.assertEqual(sub.cancel_date, MID_PERIOD)
        self.assertEqual(sub.mrr_company, 0.0)
        self.assertLedgerBalanced(sub)
