# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields
from odoo.tests import HttpCase, freeze_time, tagged

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.subscription_core.tests.rpc_common import DENIED, JsonRpcMixin, RpcDenied

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestBillingAccessRpc(JsonRpcMixin, BillingCommon, HttpCase):
    """Payment attempts and billing adjustments over JSON-RPC, for every
    role; the customer sees their payment history on the portal page only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A second company with its own chart of accounts and currency.
        cls.company_2 = cls.setup_other_company(
            name="Second Co (billing access)", currency_id=cls.other_currency.id
        )["company"]
        cls.tier_2 = cls._create_tier("Second Basic", "second_basic", 60, 40.0)
        cls.tier_2.company_id = cls.company_2
        cls.user_2 = mail_new_test_user(
            cls.env,
            login="billing_user_2",
            name="Second Company Billing User",
            groups="base.group_user,subscription_core.group_subscription_user",
            company_id=cls.company_2.id,
            company_ids=[(6, 0, cls.company_2.ids)],
        )
        cls.passwords = {
            cls.portal_user.login: "portal_a_password",
            cls.internal_user.login: cls.internal_user.login,
            cls.sub_user.login: cls.sub_user.login,
            cls.sub_manager.login: cls.sub_manager.login,
            cls.user_2.login: cls.user_2.login,
        }

    def setUp(self):
        super().setUp()
        today = fields.Date.today()
        # A's card is declined: failed attempts, past due.
        self.sub_a = self._billed_subscription(on=today, token=self.token_fail)
        self.sub_b = self._billed_subscription(on=today, partner=self.other_customer)
        self._process_attempts(fields.Datetime.now())
        self.attempts = (self.sub_a | self.sub_b).payment_attempt_ids
        with freeze_time(today):
            self.sub_2 = (
                self.env["subscription.subscription"]
                .with_company(self.company_2)
                .create(
                    {
                        "partner_id": self.customer.id,
                        "tier_id": self.tier_2.id,
                        "cycle_id": self.monthly.id,
                        "company_id": self.company_2.id,
                        "currency_id": self.other_currency.id,
                        "date_start": today,
                    }
                )
            )
            self.sub_2.action_start()
        self.adjustment = (
            self.env["subscription.billing.adjustment"]
            .sudo()
            .create(
                {
                    "subscription_id": self.sub_a.id,
                    "name": "Onboarding workshop",
                    "product_id": self.tier_basic.product_id.id,
                    "amount": 50.0,
                }
            )
        )

    def test_setup(self):
        self.assertEqual(self.sub_a.state, "past_due")
        self.assertIn("failed", self.sub_a.payment_attempt_ids.mapped("state"))
        self.assertTrue(self.adjustment.company_id == self.company)

    def test_role_matrix_attempts_and_adjustments(self):
        expected = {
            "subscription.payment.attempt": (
                self.attempts,
                {
                    self.portal_user: DENIED,
                    self.internal_user: DENIED,
                    self.sub_user: set(self.attempts.ids),
                    self.sub_manager: set(self.attempts.ids),
                    self.user_2: set(),
                },
            ),
            "subscription.billing.adjustment": (
                self.adjustment,
                {
                    self.portal_user: DENIED,
                    self.internal_user: DENIED,
                    self.sub_user: set(self.adjustment.ids),
                    self.sub_manager: set(self.adjustment.ids),
                    self.user_2: set(),
                },
            ),
        }
        for model, (records, by_user) in expected.items():
            for user, ids in by_user.items():
                with self.subTest(model=model, user=user.login):
                    self.assertEqual(self._read_ids(user, model, [("id", "in", records.ids)]), ids)
            # by id: another company's user and the customer are refused
            for user in (self.user_2, self.portal_user):
                with self.subTest(model=model, user=user.login, read="by id"):
                    self.assertEqual(self._read_fields(user, records[:1], ["amount"]), DENIED)
        # What the staff read of a failed attempt.
        failed = self.sub_a.payment_attempt_ids.filtered(lambda a: a.state == "failed")[:1]
        rows = self._read_fields(self.sub_user, failed, ["state", "decline_type", "amount"])
        self.assertEqual(rows[failed.id]["state"], "failed")

    def test_portal_payment_history_without_direct_read(self):
        portal = self.portal_user
        with self.assertRaises(RpcDenied):
            self._rpc(portal, "subscription.payment.attempt", "search_read", [], ["state"])
        self.assertEqual(self._read_fields(portal, self.sub_a, ["payment_attempt_ids"]), DENIED)
        # The page shows the attempts, rendered on the server after the
        # ownership check, with the customer-safe message only.
        response = self.url_open(f"/my/subscriptions/{self.sub_a.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn('id="subscription_payments"', response.text)
        self.assertEqual(
            response.text.count("o_subscription_attempt_row"),
            len(self.sub_a.payment_attempt_ids),
        )
        self.assertIn('data-state="declined"', response.text)
        # and by access token, logged out
        self.authenticate(None, None)
        self._rpc_login = None
        response = self.url_open(self.sub_a.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_subscription_attempt_row", response.text)

    def test_partner_statistics_per_company_and_currency(self):
        """Each company's user reads that company's figures only, in that
        company's currency; nobody else reads them."""
        stats = ["subscription_count", "lifecycle_stage", "mrr", "subscription_currency_id"]
        self.assertEqual(self.sub_2.state, "active")
        self.assertEqual(self.sub_2.mrr_company, 80.0)  # 2 x 40.00 in the other currency
        for user in (self.portal_user, self.internal_user):
            with self.subTest(user=user.login):
                self.assertEqual(self._read_fields(user, self.customer, stats), DENIED)
        expected = {
            self.sub_user: {
                "subscription_count": 1,
                "lifecycle_stage": "past_due",
                "mrr": self.sub_a.mrr_company,
                "subscription_currency_id": [self.currency.id, self.currency.display_name],
            },
            self.user_2: {
                "subscription_count": 1,
                "lifecycle_stage": "active",
                "mrr": 80.0,
                "subscription_currency_id": [
                    self.other_currency.id,
                    self.other_currency.display_name,
                ],
            },
        }
        for user, values in expected.items():
            with self.subTest(user=user.login):
                self.assertEqual(
                    self._read_fields(user, self.customer, stats), {self.customer.id: values}
                )
        # The second company's attempts and invoices stay its own.
        self.assertEqual(
            self._read_ids(
                self.sub_user,
                "subscription.subscription",
                [("id", "in", (self.sub_a | self.sub_2).ids)],
            ),
            set(self.sub_a.ids),
        )
