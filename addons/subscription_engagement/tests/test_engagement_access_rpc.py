# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.tests import HttpCase, tagged

from odoo.addons.subscription_core.tests.rpc_common import DENIED, JsonRpcMixin, RpcDenied

from .common import EngagementCommon


@tagged("post_install", "-at_install")
class TestEngagementAccessRpc(JsonRpcMixin, EngagementCommon, HttpCase):
    """The log over JSON-RPC, as the web client calls it, for each role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.passwords = {
            cls.portal_user.login: cls.portal_user.login + "_password",
            cls.sub_user.login: cls.sub_user.login,
            cls.internal_user.login: cls.internal_user.login,
        }

    def test_log_over_rpc(self):
        sub = self._started_subscription(on=date(2026, 1, 1))
        log = self._logs(sub)
        self.assertEqual(len(log), 1)
        domain = [("id", "=", log.id)]
        self.assertEqual(self._read_ids(self.sub_user, log._name, domain), set(log.ids))
        self.assertEqual(self._read_ids(self.portal_user, log._name, domain), DENIED)
        self.assertEqual(self._read_ids(self.internal_user, log._name, domain), DENIED)
        # Nobody sends a message over RPC: the sending method is private.
        for user in (self.portal_user, self.sub_user):
            with self.subTest(user=user.login), self.assertRaises(RpcDenied):
                self._rpc(
                    user,
                    sub._name,
                    "_engagement_send",
                    sub.ids,
                    "forged",
                    self.tmpl_welcome.id,
                )
        self.assertEqual(self._logs(sub), log)
