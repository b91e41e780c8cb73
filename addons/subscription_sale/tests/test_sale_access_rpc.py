# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.tests import HttpCase, freeze_time, tagged

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.subscription_core.tests.rpc_common import DENIED, JsonRpcMixin, RpcDenied

from .common import SaleSubscriptionCommon


@tagged("post_install", "-at_install")
class TestSaleAccessRpc(JsonRpcMixin, SaleSubscriptionCommon, HttpCase):
    """The same rights over JSON-RPC, as the web client calls them, and the
    forms this addon extends open for each role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = mail_new_test_user(
            cls.env,
            login="invoicing_only",
            name="Invoicing Only",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.company.id,
        )
        cls.accountant.company_ids = cls.company
        cls.passwords = {
            user.login: user.login
            for user in (cls.salesman, cls.sales_sub_user, cls.sub_user, cls.accountant)
        }

    def test_salesman_confirms_a_new_subscription_over_rpc(self):
        order = self._quotation([(self.tier_basic, 2, self.monthly)], user=self.salesman)
        with freeze_time("2026-04-01"):
            self._rpc(self.salesman, "sale.order", "action_confirm", order.ids)
        sub = order.sudo().created_subscription_ids
        self.assertEqual(sub.state, "active")
        [row] = self._rpc(
            self.salesman, "sale.order", "read", order.ids, ["subscription_count", "state"]
        )
        self.assertEqual((row["subscription_count"], row["state"]), (1, "sale"))
        self.assertEqual(self._read_fields(self.salesman, sub, ["name"]), DENIED)
        self.assertEqual(self._read_fields(self.salesman, order, ["subscription_id"]), DENIED)

    def test_salesman_cannot_change_over_rpc(self):
        sub = self._billed_subscription(on=date(2026, 4, 1))
        order = self._quotation(
            [(self.tier_pro, 1)], subscription_id=sub.id, user_id=self.salesman.id
        )
        with freeze_time("2026-04-10"), self.assertRaises(RpcDenied) as denied:
            self._rpc(self.salesman, "sale.order", "action_confirm", order.ids)
        self.assertEqual(denied.exception.args[0], "odoo.exceptions.AccessError")
        self.assertEqual(order.state, "draft")
        self.assertEqual(sub.tier_id, self.tier_basic)
        # A salesperson who is a subscription user may.
        order.user_id = self.sales_sub_user
        with freeze_time("2026-04-10"):
            self._rpc(self.sales_sub_user, "sale.order", "action_confirm", order.ids)
        self.assertEqual(sub.tier_id, self.tier_pro)

    def test_forms_open_for_each_role(self):
        order = self._confirm(
            self._quotation([(self.tier_basic, 1, self.monthly)], user=self.salesman)
        )
        sub = order.created_subscription_ids
        invoice = sub.invoice_ids
        cases = [
            (self.salesman, order),
            (self.sales_sub_user, order),
            (self.sales_sub_user, sub),
            (self.accountant, invoice),
        ]
        for user, record in cases:
            with self.subTest(user=user.login, model=record._name):
                views = self._rpc(user, record._name, "get_views", [[False, "form"]])
                fields = views["models"][record._name]["fields"]
                spec = {}
                for fname, field in fields.items():
                    if field["type"] == "many2one":
                        spec[fname] = {"fields": {"display_name": {}}}
                    elif field["type"] not in ("one2many", "many2many", "properties"):
                        spec[fname] = {}
                rows = self._rpc(user, record._name, "web_read", record.ids, spec)
                self.assertEqual(rows[0]["id"], record.id)
