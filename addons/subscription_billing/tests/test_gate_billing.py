# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestBillingProtectedFields(BillingCommon):
    """Dunning fields change only through payments and the billing team's
    actions; billing's own code, run as a normal user, still writes them."""

    def setUp(self):
        super().setUp()
        patcher = self._declines_as("insufficient_funds")
        patcher.start()
        self.addCleanup(patcher.stop)

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_dunning_fields_refused_then_stopped_by_the_action(self):
        sub = self._billed_subscription(token=self.token_fail)
        # Billing's own path, run by a non-superuser (the accountant).
        self.assertFalse(self.env.su)
        self._process_attempts("2026-04-01 10:00:00")
        self.assertEqual((sub.state, sub.dunning_state), ("past_due", "in_dunning"))
        for user in (self.sub_user, self.sub_manager, self.env.user):
            for vals in (
                {"dunning_state": "none"},
                {"next_dunning_date": False},
                {"dunning_step_id": False},
                {"dunning_start_date": "2030-01-01"},
                {"state": "active"},
            ):
                with self.subTest(user=user.login, vals=vals):
                    with self.assertRaisesRegex(UserError, "cannot be written directly"):
                        sub.with_user(user).write(vals)
        with self.assertRaises(AccessError):
            sub.with_user(self.internal_user).write({"dunning_state": "none"})
        self.assertEqual((sub.state, sub.dunning_state), ("past_due", "in_dunning"))
        with self.assertRaises(AccessError):
            sub.with_user(self.sub_user).action_stop_dunning()
        sub.with_user(self.sub_manager).action_stop_dunning()
        self.assertEqual(sub.dunning_state, "none")
        self.assertFalse(sub.next_dunning_date)

    def test_payment_recovery_as_subscription_user(self):
        sub = self._billed_subscription(token=self.token_fail)
        self._process_attempts("2026-04-01 10:00:00")
        self.assertEqual(sub.state, "past_due")
        # A subscription user saves a working card: the retry recovers it.
        with freeze_time("2026-04-01 11:00:00"):
            sub.with_user(self.sub_user).payment_token_id = self.token_ok
        self._process_attempts("2026-04-01 12:00:00")
        self.assertEqual((sub.state, sub.dunning_state), ("active", "none"))
        self.assertLedgerBalanced(sub)
        self.assertEqual(
            sub.event_ids.sorted("id").mapped("event_type")[-2:],
            ["payment_failed", "payment_recovered"],
        )
