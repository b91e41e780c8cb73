# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Payment attempts are written by the billing engine only: no user below the
superuser (not the system administrator, not a Subscriptions Administrator)
writes their results, directly or over JSON-RPC; staff act through the
documented actions, each logged with the user."""

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import BillingCommon

FORGED_VALUES = [
    {"state": "succeeded"},
    {"amount": 0.01},
    {"decline_code": "stolen_card"},
    {"decline_type": "hard"},
    {"executed_at": "2026-01-01 00:00:00"},
    {"transaction_id": False},
    {"idempotency_key": "forged-key"},
    {"error_message": "forged"},
    {"scheduled_date": "2030-01-01 00:00:00"},
    {"stripe_payment_intent_id": "pi_forged"},
]


@tagged("post_install", "-at_install")
class TestPaymentAttemptRights(BillingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")

    def setUp(self):
        super().setUp()
        self.sub = self._billed_subscription(token=self.token_fail)
        self._process_attempts("2026-04-01 10:00:00")
        self.failed = self.sub.payment_attempt_ids.filtered(lambda a: a.state == "failed")
        self.scheduled = self.sub._schedule_payment_attempt(
            self.sub.invoice_ids, "2026-04-05 10:00:00", trigger=False
        )

    def _snapshot(self, attempts):
        self.env.invalidate_all()
        fields = ["state", "amount", "decline_code", "error_message", "idempotency_key"]
        return attempts.sudo().read(fields)

    def test_no_direct_write_below_superuser(self):
        before = self._snapshot(self.failed | self.scheduled)
        # The system administrator, a Subscriptions Administrator, a
        # Subscriptions User and an employee without subscription rights.
        for user in (self.admin, self.sub_manager, self.sub_user, self.internal_user):
            for vals in FORGED_VALUES:
                with (
                    self.subTest(user=user.login, vals=vals),
                    self.assertRaisesRegex(AccessError, "billing engine"),
                ):
                    (self.failed | self.scheduled).with_user(user).write(vals)
            with self.assertRaises(AccessError):
                self.scheduled.with_user(user).unlink()
            with self.assertRaisesRegex(AccessError, "billing engine"):
                self.env["subscription.payment.attempt"].with_user(user).create(
                    {
                        "subscription_id": self.sub.id,
                        "invoice_id": self.sub.invoice_ids.id,
                        "attempt_number": 9,
                        "currency_id": self.currency.id,
                        "idempotency_key": "forged",
                    }
                )
        self.assertEqual(self._snapshot(self.failed | self.scheduled), before)
        self.assertTrue(self.scheduled.exists())

    def test_staff_actions_are_logged_with_the_user(self):
        manager = self.sub_manager
        self.scheduled.with_user(manager).action_skip()
        self.assertEqual(self.scheduled.state, "cancelled")
        self.assertIn(manager.name, self.scheduled.error_message)
        note = self.sub.message_ids[0]
        self.assertIn("skipped by Subscription Manager", note.body)
        self.assertEqual(note.author_id, manager.partner_id)

        self.failed.with_user(manager).action_retry_now()
        retry = self.sub.payment_attempt_ids.sorted("attempt_number")[-1]
        self.assertEqual((retry.attempt_number, retry.state), (3, "scheduled"))
        self.assertIn("retried now by Subscription Manager", self.sub.message_ids[0].body)

        retry.with_user(manager).action_cancel()
        self.assertEqual(retry.state, "cancelled")
        self.assertIn("cancelled by Subscription Manager", self.sub.message_ids[0].body)

    def test_staff_actions_need_the_billing_team(self):
        for action in ("action_skip", "action_cancel", "action_retry_now"):
            with self.subTest(action), self.assertRaisesRegex(AccessError, "billing team"):
                getattr(self.scheduled.with_user(self.sub_user), action)()
        self.assertEqual(self.scheduled.state, "scheduled")

    def _call(self, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/subscription.payment.attempt/{method}",
            {
                "model": "subscription.payment.attempt",
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        )

    @mute_logger("odoo.http")
    def test_json_rpc(self):
        before = self._snapshot(self.failed | self.scheduled)
        for login, password in (("admin", "admin"), (self.sub_manager.login,) * 2):
            self.authenticate(login, password)
            for vals in ({"state": "succeeded"}, {"amount": 0.0}, {"decline_code": "x"}):
                with (
                    self.subTest(login=login, vals=vals),
                    self.assertRaisesRegex(JsonRpcException, "AccessError"),
                ):
                    self._call("write", [self.failed.ids, vals])
            with self.assertRaisesRegex(JsonRpcException, "AccessError"):
                self._call("unlink", [self.scheduled.ids])
            # The engine's private methods are not callable.
            with self.assertRaises(JsonRpcException):
                self._call("_record_result", [self.failed.ids, {"state": "succeeded"}])
        self.env.invalidate_all()
        self.assertEqual(self._snapshot(self.failed | self.scheduled), before)
        # The documented action works and is logged.
        self.authenticate(self.sub_manager.login, self.sub_manager.login)
        self._call("action_skip", [self.scheduled.ids])
        self.env.invalidate_all()
        self.assertEqual(self.scheduled.state, "cancelled")
        self.assertIn("skipped by Subscription Manager", self.sub.message_ids[0].body)
