# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from odoo.addons.subscription_core.tests.rpc_common import DENIED, JsonRpcMixin, RpcDenied

from .test_signup import SignupCommon


@tagged("post_install", "-at_install")
class TestSignupAccessRpc(JsonRpcMixin, SignupCommon):
    """Over JSON-RPC, as each role: the sign-up's service methods cannot be
    called, the sign-up address is for subscription administrators, and
    only they publish tiers; the opt-out helpers are not callable."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.passwords = {
            user.login: user.login + "_password"
            for user in (cls.portal_user, cls.sub_user, cls.sub_manager)
        }
        for user in (cls.sub_user, cls.sub_manager):
            user.password = user.login + "_password"

    def _signed_up(self):
        response = self._submit(self._form(email="rpc@example.com"))
        self.assertEqual(response.status_code, 303)
        return self.Sub.search([("source", "=", "signup")])

    def test_service_methods_not_callable(self):
        for user in (self.portal_user, self.sub_manager):
            for model, method, args in (
                ("subscription.subscription", "_signup_create", [{}]),
                ("subscription.subscription", "_signup_validate", [{}]),
                ("res.partner", "_subscription_set_marketing_opt_out", [[self.customer.id], True]),
                ("res.partner", "_subscription_unsubscribe_token", [[self.customer.id]]),
            ):
                with self.subTest(user=user.login, method=method):
                    with self.assertRaises(RpcDenied):
                        self._rpc(user, model, method, *args)
        self.assertFalse(self.customer.subscription_marketing_opt_out)

    def test_signup_address_and_published_flag(self):
        sub = self._signed_up()
        self.assertEqual(
            self._read_fields(self.sub_manager, sub, ["signup_ip"])[sub.id]["signup_ip"],
            "127.0.0.1",
        )
        rows = self._read_fields(self.sub_user, sub, ["name"])
        self.assertNotEqual(rows, DENIED)
        with self.assertRaises(RpcDenied):
            self._rpc(self.sub_user, sub._name, "read", sub.ids, ["signup_ip"])
        with self.assertRaises(RpcDenied):
            self._rpc(
                self.sub_user, "subscription.tier", "write", self.tier_pro.ids, {"published": False}
            )
        self._rpc(
            self.sub_manager, "subscription.tier", "write", self.tier_pro.ids, {"published": False}
        )
        self.assertFalse(self.tier_pro.published)
