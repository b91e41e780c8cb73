# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.subscription_core.tests.rpc_common import DENIED, JsonRpcMixin, RpcDenied

from .common_retention import RetentionCommon


@tagged("post_install", "-at_install")
class TestRetentionAccessRpc(JsonRpcMixin, RetentionCommon, HttpCase):
    """Save offers and feedback over JSON-RPC, as the web client calls them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.passwords = {
            cls.portal_user.login: cls.portal_user.login + "_password",
            cls.sub_user.login: cls.sub_user.login,
            cls.internal_user.login: cls.internal_user.login,
        }

    def setUp(self):
        super().setUp()
        self.sub = self._started_subscription(on=fields.Date.today(), tier=self.tier_pro)

    def test_accept_offer_over_rpc(self):
        args = (self.sub._name, "action_accept_offer", self.sub.ids)
        for user in (self.portal_user, self.internal_user):
            with self.subTest(user=user.login), self.assertRaises(RpcDenied) as denied:
                self._rpc(user, *args, self.offer_pause.id, self.reason.id)
            self.assertEqual(denied.exception.args[0], "odoo.exceptions.AccessError")
        # Private helpers are not callable at all.
        for method in ("_apply_retention_offer", "_winback_reactivate"):
            with self.subTest(method=method), self.assertRaises(RpcDenied):
                self._rpc(self.sub_user, self.sub._name, method, self.sub.ids, self.offer_pause.id)
        # An offer that does not match is refused with a clear error.
        with self.assertRaises(RpcDenied) as denied:
            self._rpc(self.sub_user, *args, self.offer_discount.id, self.reason_other.id)
        self.assertEqual(denied.exception.args[0], "odoo.exceptions.UserError")
        self.assertFalse(self.sub.retention_acceptance_ids)
        self._rpc(self.sub_user, *args, self.offer_pause.id, self.reason.id)
        self.assertEqual(self.sub.state, "paused")

    def test_offers_and_feedback_by_role(self):
        feedback = self.env["subscription.feedback"].create(
            {"subscription_id": self.sub.id, "text": "Great support"}
        )
        offers = [("id", "=", self.offer_pause.id)]
        self.assertEqual(
            self._read_ids(self.sub_user, self.offer_pause._name, offers), {self.offer_pause.id}
        )
        self.assertEqual(self._read_ids(self.portal_user, self.offer_pause._name, offers), DENIED)
        self.assertEqual(self._read_ids(self.internal_user, self.offer_pause._name, offers), DENIED)
        mine = [("id", "=", feedback.id)]
        self.assertEqual(self._read_ids(self.portal_user, feedback._name, mine), {feedback.id})
        self.assertEqual(self._read_ids(self.internal_user, feedback._name, mine), DENIED)
        with self.assertRaises(RpcDenied):
            self._rpc(self.portal_user, feedback._name, "write", feedback.ids, {"text": "Forged"})
        created = self._rpc(
            self.sub_user,
            feedback._name,
            "create",
            [{"subscription_id": self.sub.id, "kind": "call", "text": "Called: all fine"}],
        )
        self.assertEqual(len(created), 1)
