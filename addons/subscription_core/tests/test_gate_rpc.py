# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestLifecycleGateRpc(SubscriptionCommon, HttpCase):
    """The protected fields are refused over JSON-RPC too, for every role
    below the system, while the public methods still work."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin_user = mail_new_test_user(
            cls.env,
            login="gate_admin",
            name="Settings Administrator",
            groups="base.group_user,base.group_system,subscription_core.group_subscription_manager",
        )
        other_company = cls.env["res.company"].create({"name": "Gate Other Co"})
        cls.other_company_user = mail_new_test_user(
            cls.env,
            login="gate_other_co",
            name="Other Company Manager",
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
            groups="base.group_user,subscription_core.group_subscription_manager",
        )
        # Started today: the HTTP worker runs at the real date.
        cls.sub = cls.env["subscription.subscription"].create(
            {
                "partner_id": cls.customer.id,
                "tier_id": cls.tier_basic.id,
                "cycle_id": cls.monthly.id,
            }
        )
        cls.sub.action_start()

    def _call(self, login, method, args, kwargs=None):
        self.authenticate(login, login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "subscription.subscription",
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        )

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.base.models.ir_rule")
    def test_protected_writes_refused_over_jsonrpc(self):
        self.assertFalse(self.admin_user._is_superuser())
        cases = [
            ("gate_admin", "odoo.exceptions.UserError"),
            ("sub_user", "odoo.exceptions.UserError"),
            ("sub_manager", "odoo.exceptions.UserError"),
            ("plain_user", "odoo.exceptions.AccessError"),
            ("gate_other_co", "odoo.exceptions.AccessError"),
        ]
        for login, error in cases:
            for vals in ({"price_unit": 0.01}, {"state": "paused"}, {"quantity": 2**31}):
                with self.subTest(login=login, vals=vals):
                    with self.assertRaises(JsonRpcException) as caught:
                        self._call(login, "write", [[self.sub.id], vals])
                    expected = (
                        "odoo.exceptions.ValidationError"
                        if "quantity" in vals and error.endswith("UserError")
                        else error
                    )
                    self.assertEqual(str(caught.exception), expected)
            with self.subTest(login=login, method="_change_state"):
                with self.assertRaises(JsonRpcException):
                    self._call(login, "_change_state", [[self.sub.id], "draft", "created"])
            with self.subTest(login=login, method="unlink"):
                with self.assertRaises(JsonRpcException):
                    self._call(login, "unlink", [[self.sub.id]])
        with self.assertRaises(JsonRpcException) as caught:
            self._call("sub_user", "change_plan", [[self.sub.id]], {"quantity": 2**31})
        self.assertEqual(str(caught.exception), "odoo.exceptions.ValidationError")
        self.sub.invalidate_recordset()
        self.assertRecordValues(
            self.sub, [{"state": "active", "price_unit": 10.0, "quantity": 1, "active": True}]
        )
        self.assertEqual(self.sub.event_ids.mapped("event_type"), ["activated", "created"])

    def test_public_methods_work_over_jsonrpc(self):
        self._call("sub_user", "change_plan", [[self.sub.id]], {"quantity": 3, "effective": "now"})
        self._call("sub_user", "action_pause", [[self.sub.id]])
        self.sub.invalidate_recordset()
        self.assertEqual((self.sub.state, self.sub.quantity), ("paused", 3))
        self.assertEqual(self.sub.event_ids[0].user_id, self.sub_user)
        self.assertLedgerBalanced(self.sub)
