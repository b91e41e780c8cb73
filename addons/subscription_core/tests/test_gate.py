# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from ..models.subscription_subscription import MAX_QUANTITY
from .common import SubscriptionCommon

PROTECTED_VALUES = {
    "state": "active",
    "price_unit": 0.01,
    "quantity": 50,
    "date_start": "2020-01-01",
    "current_period_end": "2030-01-01",
    "pause_until": "2030-01-01",
    "cancel_at_period_end": True,
}


@tagged("post_install", "-at_install")
class TestLifecycleGate(SubscriptionCommon):
    """The one lifecycle gate: every change of state through the table,
    money fields only through the public methods, an undeletable ledger."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-03-01"):
            cls.sub = cls.env["subscription.subscription"].create(
                {
                    "partner_id": cls.customer.id,
                    "tier_id": cls.tier_basic.id,
                    "cycle_id": cls.monthly.id,
                    "date_start": date(2026, 3, 1),
                    "addon_line_ids": [Command.create({"addon_id": cls.addon_storage.id})],
                }
            )
            cls.sub.action_start()
        cls.paused = cls._started_paused()

    @classmethod
    def _started_paused(cls):
        with freeze_time("2026-03-01"):
            sub = cls.env["subscription.subscription"].create(
                {
                    "partner_id": cls.customer.id,
                    "tier_id": cls.tier_basic.id,
                    "cycle_id": cls.monthly.id,
                    "date_start": date(2026, 3, 1),
                }
            )
            sub.action_start()
        with freeze_time("2026-03-10"):
            sub.action_pause()
        return sub

    def _snapshot(self, sub):
        sub.invalidate_recordset()
        return (
            sub.state,
            sub.price_unit,
            sub.quantity,
            sub.tier_id,
            sub.current_period_end,
            len(sub.event_ids),
            [(line.quantity, line.price_unit) for line in sub.addon_line_ids],
        )

    # --- protected fields ---------------------------------------------------

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_direct_writes_refused_for_every_role(self):
        before = self._snapshot(self.sub)
        for user in (self.sub_user, self.sub_manager):
            for fname, value in PROTECTED_VALUES.items():
                if fname == "state":
                    value = "paused"
                with self.subTest(user=user.login, field=fname):
                    with self.assertRaisesRegex(UserError, "cannot be written directly"):
                        self.sub.with_user(user).write({fname: value})
            with self.assertRaisesRegex(UserError, r"change_plan"):
                self.sub.with_user(user).write({"tier_id": self.tier_pro.id})
            with self.assertRaisesRegex(UserError, r"action_pause"):
                self.sub.with_user(user).write({"state": "paused"})
            with self.assertRaisesRegex(UserError, r"start a new subscription"):
                self.sub.with_user(user).write({"partner_id": self.other_customer.id})
        with self.assertRaises(AccessError):
            self.sub.with_user(self.internal_user).write({"price_unit": 0.01})
        self.assertEqual(self._snapshot(self.sub), before, "nothing was written")
        self.assertLedgerBalanced(self.sub)

    @mute_logger("odoo.models")
    def test_paused_cannot_be_set_active_by_a_write(self):
        with self.assertRaisesRegex(UserError, "Status of .* cannot be written directly"):
            self.paused.with_user(self.sub_manager).write({"state": "active"})
        self.assertEqual(self.paused.state, "paused")

    def test_unchanged_values_and_free_fields_can_be_written(self):
        sub = self.sub.with_user(self.sub_user)
        sub.write({"quantity": 1, "tier_id": self.tier_basic.id, "auto_renew": False})
        sub.write({"user_id": self.sub_user.id, "date_end": date(2027, 3, 1)})
        self.assertFalse(self.sub.auto_renew)

    def test_drafts_stay_editable_but_not_their_state(self):
        draft = self._new_subscription(addons={self.addon_storage: 1}).with_user(self.sub_user)
        draft.write({"quantity": 3, "price_unit": 7.0, "tier_id": self.tier_pro.id})
        draft.addon_line_ids.write({"quantity": 2})
        draft.write({"addon_line_ids": [Command.create({"addon_id": self.addon_support.id})]})
        self.assertEqual(draft.quantity, 3)
        self.assertEqual(len(draft.addon_line_ids), 2)
        with self.assertRaisesRegex(UserError, "Status of .* cannot be written directly"):
            draft.write({"state": "active"})
        self.assertEqual(draft.state, "draft")
        with self.assertRaisesRegex(UserError, "created as a draft"):
            self.env["subscription.subscription"].with_user(self.sub_user).create(
                {
                    "partner_id": self.customer.id,
                    "tier_id": self.tier_basic.id,
                    "cycle_id": self.monthly.id,
                    "state": "active",
                }
            )

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_addon_lines_of_started_subscription_refused(self):
        line = self.sub.addon_line_ids
        before = self._snapshot(self.sub)
        for user in (self.sub_user, self.sub_manager):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(UserError, "change_plan"):
                    line.with_user(user).write({"price_unit": 0.01})
                with self.assertRaisesRegex(UserError, "change_plan"):
                    line.with_user(user).unlink()
                with self.assertRaisesRegex(UserError, "change_plan"):
                    self.env["subscription.addon.line"].with_user(user).create(
                        {"subscription_id": self.sub.id, "addon_id": self.addon_support.id}
                    )
                with self.assertRaisesRegex(UserError, "change_plan"):
                    self.sub.with_user(user).write(
                        {"addon_line_ids": [Command.update(line.id, {"quantity": 9})]}
                    )
        self.assertEqual(self._snapshot(self.sub), before)

    def test_public_methods_work_as_subscription_user(self):
        sub = self._new_subscription(date_start=date(2026, 3, 1)).with_user(self.sub_user)
        with freeze_time("2026-03-01"):
            sub.action_start()
        with freeze_time("2026-03-05"):
            sub.change_plan(tier_id=self.tier_pro.id, quantity=2, effective="now")
            sub.change_plan(addons={self.addon_storage.id: 3}, effective="now")
        with freeze_time("2026-03-06"):
            sub.action_pause()
        with freeze_time("2026-03-08"):
            sub.action_resume()
            sub.action_cancel(self.reason.id)
            sub.action_undo_cancel()
            sub.action_cancel(self.reason.id, at_period_end=False)
        with freeze_time("2026-03-09"):
            sub.action_reactivate()
        self.assertEqual(sub.state, "active")
        self.assertEqual((sub.tier_id, sub.quantity), (self.tier_pro, 2))
        self.assertEqual(sub.addon_line_ids.quantity, 3)
        self.assertEqual(set(sub.event_ids.mapped("user_id")) - {self.env.user}, {self.sub_user})
        self.assertLedgerBalanced(sub)
        # Written as the system, but still by the user (sudo keeps the uid).
        self.assertEqual(sub.write_uid, self.sub_user)

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_lifecycle_needs_write_access(self):
        for user in (self.internal_user, self.portal_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.sub.with_user(user).action_pause()
        self.assertEqual(self.sub.state, "active")

    # --- the gate -----------------------------------------------------------

    def test_gate_refuses_moves_outside_the_table(self):
        events = len(self.paused.event_ids)
        with self.assertRaisesRegex(UserError, "cannot go from Paused to Active by activated"):
            self.paused._change_state("active", "activated")
        with self.assertRaisesRegex(UserError, "cannot go from Paused to Draft"):
            self.paused._change_state("draft", "created")
        with self.assertRaisesRegex(UserError, "cannot go from Paused to Past Due"):
            self.paused._change_state("past_due", "payment_failed")
        # _apply_transition hands a state over to the gate too.
        with self.assertRaisesRegex(UserError, "cannot go from Paused to Suspended"):
            self.paused._apply_transition("suspended", {"state": "suspended"})
        self.assertEqual(self.paused.state, "paused")
        self.assertEqual(len(self.paused.event_ids), events)

    def test_state_changes_call_one_hook(self):
        calls = []
        Sub = type(self.env["subscription.subscription"])
        original = Sub._on_state_changed
        done = []

        def on_state_changed(records, old_state, new_state, event):
            calls.append((records.id, old_state, new_state, event.event_type))
            return original(records, old_state, new_state, event)

        def on_lifecycle_done(records):
            done.append(records.ids)

        with (
            patch.object(Sub, "_on_state_changed", on_state_changed),
            patch.object(Sub, "_on_lifecycle_done", on_lifecycle_done),
        ):
            sub = self._new_subscription(tier=self.tier_enterprise, date_start=date(2026, 3, 1))
            with freeze_time("2026-03-01"):
                sub.action_start()
            with freeze_time("2026-03-15"):
                self.env["subscription.subscription"]._cron_process_due()
                sub._set_past_due()
                sub._set_suspended()
                sub._set_recovered()
                sub.action_pause()
                sub.action_resume()
                sub.action_cancel(self.reason.id, at_period_end=False)
        self.assertEqual(
            [call[1:] for call in calls if call[0] == sub.id],
            [
                ("draft", "trial", "trial_started"),
                ("trial", "active", "activated"),
                ("active", "past_due", "payment_failed"),
                ("past_due", "suspended", "suspended"),
                ("suspended", "active", "payment_recovered"),
                ("active", "paused", "paused"),
                ("paused", "active", "resumed"),
                ("active", "cancelled", "cancelled"),
            ],
        )
        self.assertEqual(done, [sub.ids] * 4, "once per public action")

    # --- the ledger ---------------------------------------------------------

    @mute_logger("odoo.models")
    def test_started_subscription_cannot_be_deleted(self):
        for user in (self.sub_manager, self.env.user):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(UserError, "cancel it, or archive it"):
                    self.sub.with_user(user).unlink()
        # The old route: back to draft, then delete.
        with self.assertRaisesRegex(UserError, "cannot be written directly"):
            self.sub.with_user(self.sub_manager).write({"state": "draft"})
        # Even the system, setting draft behind the gate, cannot delete the ledger.
        self.sub.sudo().write({"state": "draft"})
        with self.assertRaisesRegex(UserError, "cancel it, or archive it"):
            self.sub.sudo().unlink()
        self.assertTrue(self.sub.exists())
        self.assertGreater(len(self.sub.event_ids), 1)

    @mute_logger("odoo.sql_db")
    def test_ledger_foreign_key_restricts(self):
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env.cr.execute(
                "DELETE FROM subscription_subscription WHERE id = %s", [self.sub.id]
            )
        field = self.env["subscription.event"]._fields["subscription_id"]
        self.assertEqual(field.ondelete, "restrict")

    def test_draft_is_deleted_with_its_creation_event(self):
        draft = self._new_subscription()
        event = draft.event_ids
        self.assertEqual(event.event_type, "created")
        draft.with_user(self.sub_manager).unlink()
        self.assertFalse(draft.exists())
        self.assertFalse(event.exists())

    @mute_logger("odoo.models")
    def test_cancelled_subscription_is_archived_not_deleted(self):
        with self.assertRaisesRegex(UserError, "still runs"):
            self.sub.with_user(self.sub_manager).action_archive()
        with freeze_time("2026-03-10"):
            self.sub.with_user(self.sub_user).action_cancel(self.reason.id, at_period_end=False)
        self.sub.with_user(self.sub_manager).action_archive()
        self.assertFalse(self.sub.active)
        self.assertTrue(self.sub.event_ids)

    # --- bounds and rounding ------------------------------------------------

    def test_quantities_are_bounded(self):
        sub = self.sub.with_user(self.sub_user)
        with freeze_time("2026-03-05"):
            for effective in ("now", "period_end"):
                with self.assertRaisesRegex((UserError, ValidationError), "at most 1,000,000"):
                    sub.change_plan(quantity=2**31, effective=effective)
            with self.assertRaisesRegex((UserError, ValidationError), "at most 1,000,000"):
                sub.change_plan(addons={self.addon_storage.id: 2**31}, effective="now")
            sub.change_plan(quantity=MAX_QUANTITY, effective="now")
        self.assertEqual(sub.quantity, MAX_QUANTITY)
        draft = self._new_subscription()
        with self.assertRaisesRegex(ValidationError, "at most 1,000,000"):
            draft.write({"quantity": 2**31})
        with self.assertRaisesRegex(ValidationError, "at most 1,000,000"):
            draft.write(
                {
                    "addon_line_ids": [
                        Command.create({"addon_id": self.addon_storage.id, "quantity": 2**31})
                    ]
                }
            )
        with self.assertRaisesRegex(ValidationError, "at most 1,000,000"):
            self.sub.sudo().write({"quantity": 2**31})

    def test_prices_are_bounded(self):
        price = self.env["subscription.price"].search([("tier_id", "!=", False)], limit=1)
        amount = price.amount
        with (
            self.assertRaisesRegex(ValidationError, "at most 1,000,000,000"),
            self.env.cr.savepoint(),
        ):
            price.write({"amount": 2e12})
        price.invalidate_recordset()
        self.assertEqual(price.amount, amount, "nothing written")
        price.write({"amount": 1_000_000_000})

    def test_event_amounts_rounded_by_company_currency(self):
        event = self.sub._log_event("renewed", 1 / 3)
        rounding = self.sub.company_id.currency_id.rounding
        self.assertEqual(rounding, 0.01)
        self.assertEqual(event.mrr_before, 0.33)
        self.assertEqual(event.mrr_delta, round(self.sub.mrr_company - 0.33, 2))
