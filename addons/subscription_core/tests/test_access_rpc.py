# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.tests import HttpCase, freeze_time, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import SubscriptionCommon
from .rpc_common import DENIED, JsonRpcMixin, RpcDenied

STATS = ("subscription_count", "lifecycle_stage", "mrr", "first_subscription_date", "churn_date")


class AccessRpcCommon(JsonRpcMixin, SubscriptionCommon, HttpCase):
    """Users of every role, and a second company with its own currency,
    customer data in both, and a JSON-RPC helper (``/web/dataset/call_kw``
    after logging in, as the web client calls it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sub_a = cls._start(cls.customer, quantity=2)  # 20.00 a month
        cls.sub_b = cls._start(cls.other_customer, addons={cls.addon_support: 1})
        # A second company, in the other currency, sells to customer A too.
        cls.company_2 = cls.env["res.company"].create(
            {"name": "Second Co (access test)", "currency_id": cls.other_currency.id}
        )
        # In trial there: nothing is invoiced, so the test needs no
        # accounting in that company when subscription_billing is installed.
        cls.tier_foreign = cls._create_tier("Foreign", "foreign", 50, 40.0, trial_days=30)
        cls.tier_foreign.company_id = cls.company_2
        cls.sub_2 = cls._start(cls.customer, tier=cls.tier_foreign, company=cls.company_2)
        cls.user_2 = mail_new_test_user(
            cls.env,
            login="sub_user_2",
            name="Second Company User",
            groups="base.group_user,subscription_core.group_subscription_user",
            company_id=cls.company_2.id,
            company_ids=[(6, 0, cls.company_2.ids)],
        )
        cls.passwords = {
            user.login: user.login + "_password"
            if user.has_group("base.group_portal")
            else user.login
            for user in (
                cls.portal_user,
                cls.internal_user,
                cls.sub_user,
                cls.sub_manager,
                cls.user_2,
            )
        }

    @classmethod
    def _start(cls, partner, tier=None, company=None, quantity=1, addons=None):
        company = company or cls.company
        Subscription = cls.env["subscription.subscription"].with_company(company)
        with freeze_time("2026-01-01"):
            sub = Subscription.create(
                {
                    "partner_id": partner.id,
                    "tier_id": (tier or cls.tier_basic).id,
                    "cycle_id": cls.monthly.id,
                    "quantity": quantity,
                    "addon_line_ids": [
                        (0, 0, {"addon_id": addon.id, "quantity": qty})
                        for addon, qty in (addons or {}).items()
                    ],
                    "company_id": company.id,
                    "currency_id": company.currency_id.id,
                    "date_start": date(2026, 1, 1),
                }
            )
            sub.action_start()
        return sub


@tagged("post_install", "-at_install")
class TestAccessRpc(AccessRpcCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.webhook = cls.env["subscription.webhook"].create(
            {"name": "Provisioning", "url": "https://example.com/hook"}
        )
        cls.webhook_2 = (
            cls.env["subscription.webhook"]
            .with_company(cls.company_2)
            .create(
                {
                    "name": "Second",
                    "url": "https://example.org/hook",
                    "company_id": cls.company_2.id,
                }
            )
        )
        with freeze_time("2026-02-01"):
            for sub in cls.sub_a | cls.sub_b | cls.sub_2:
                sub._log_event("renewed", mrr_before=sub.mrr_company)
        cls.deliveries = cls.env["subscription.webhook.delivery"].search(
            [("webhook_id", "in", (cls.webhook | cls.webhook_2).ids)]
        )
        cls.deliveries.write({"response_body": '{"received": true}'})
        cls.subs = cls.sub_a | cls.sub_b | cls.sub_2

    def test_portal_gets_no_staff_data_but_its_pages(self):
        """Over JSON-RPC a customer reads their subscription and nothing of
        the ledger or the webhooks; the portal page still shows the
        timeline, rendered on the server."""
        portal = self.portal_user
        self.assertEqual(
            self._read_ids(portal, "subscription.subscription", [("id", "in", self.subs.ids)]),
            set(self.sub_a.ids),
        )
        for model in (
            "subscription.event",
            "subscription.webhook.delivery",
            "subscription.webhook",
        ):
            with self.subTest(model=model):
                self.assertEqual(self._read_ids(portal, model, []), DENIED)
        # Not even through the subscription's own one2many.
        self.assertEqual(self._read_fields(portal, self.sub_a, ["event_ids"]), DENIED)
        with self.assertRaises(RpcDenied):
            self._rpc(portal, "subscription.event", "read", self.sub_a.event_ids.ids, ["note"])
        # The page, rendered after the ownership check, shows the history.
        response = self.url_open(f"/my/subscriptions/{self.sub_a.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn('id="subscription_timeline"', response.text)
        self.assertEqual(response.text.count('o_subscription_event"'), len(self.sub_a.event_ids))
        # Another customer's page is refused with Odoo's access-error page.
        response = self.url_open(f"/my/subscriptions/{self.sub_b.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 403)
        self.assertNotIn(self.sub_b.name, response.text)

    def test_role_matrix_subscriptions_events_deliveries(self):
        company_1 = (self.sub_a | self.sub_b).ids
        deliveries_1 = self.deliveries.filtered(lambda d: d.webhook_id == self.webhook)
        deliveries_2 = self.deliveries - deliveries_1
        self.assertTrue(deliveries_1 and deliveries_2 and self.sub_b.addon_line_ids)
        expected = {
            # model: {user: ids read, or DENIED}
            "subscription.subscription": {
                self.portal_user: set(self.sub_a.ids),
                self.internal_user: DENIED,
                self.sub_user: set(company_1),
                self.sub_manager: set(company_1),
                self.user_2: set(self.sub_2.ids),
            },
            "subscription.event": {
                self.portal_user: DENIED,
                self.internal_user: DENIED,
                self.sub_user: set((self.sub_a | self.sub_b).event_ids.ids),
                self.sub_manager: set((self.sub_a | self.sub_b).event_ids.ids),
                self.user_2: set(self.sub_2.event_ids.ids),
            },
            "subscription.addon.line": {
                self.portal_user: set(),  # B's add-on, not A's
                self.internal_user: DENIED,
                self.sub_user: set(self.sub_b.addon_line_ids.ids),
                self.sub_manager: set(self.sub_b.addon_line_ids.ids),
                self.user_2: set(),
            },
            "subscription.webhook.delivery": {
                self.portal_user: DENIED,
                self.internal_user: DENIED,
                self.sub_user: set(deliveries_1.ids),
                self.sub_manager: set(deliveries_1.ids),
                self.user_2: set(deliveries_2.ids),
            },
        }
        domains = {
            "subscription.subscription": [("id", "in", self.subs.ids)],
            "subscription.event": [("subscription_id", "in", self.subs.ids)],
            "subscription.webhook.delivery": [("id", "in", self.deliveries.ids)],
            "subscription.addon.line": [("subscription_id", "in", self.subs.ids)],
        }
        for model, by_user in expected.items():
            for user, ids in by_user.items():
                with self.subTest(model=model, user=user.login):
                    self.assertEqual(self._read_ids(user, model, domains[model]), ids)
        # The answer of an endpoint: administrators only.
        company_1_deliveries = deliveries_1
        self.assertEqual(
            self._read_fields(self.sub_user, company_1_deliveries, ["response_body"]), DENIED
        )
        self.assertEqual(
            {
                row["response_body"]
                for row in self._read_fields(
                    self.sub_manager, company_1_deliveries, ["response_body"]
                ).values()
            },
            {'{"received": true}'},
        )
        # Another company's records, even by id.
        self.assertEqual(self._read_fields(self.user_2, self.sub_a, ["name"]), DENIED)
        self.assertEqual(self._read_fields(self.sub_user, self.sub_2.event_ids, ["date"]), DENIED)

    def test_role_matrix_partner_statistics(self):
        """Partner statistics: subscription users only, each company's own
        figures in its own currency."""
        customer = self.customer
        self.assertEqual(self._read_fields(self.portal_user, customer, list(STATS)), DENIED)
        self.assertEqual(self._read_fields(self.internal_user, customer, list(STATS)), DENIED)
        # the employee still reads the partner itself
        self.assertEqual(
            self._read_fields(self.internal_user, customer, ["name"]),
            {customer.id: {"name": "Customer A"}},
        )
        with self.assertRaises(RpcDenied):
            self._rpc(self.internal_user, "res.partner", "search", [("subscription_count", ">", 0)])
        with self.assertRaises(RpcDenied):
            self._rpc(
                self.internal_user, "res.partner", "search", [("lifecycle_stage", "=", "active")]
            )
        fields_info = self._rpc(self.internal_user, "res.partner", "fields_get", STATS)
        self.assertFalse(set(fields_info) & set(STATS))

        company_1 = {
            "subscription_count": 1,
            "lifecycle_stage": "active",
            "mrr": 20.0,
            "first_subscription_date": "2026-01-01",
            "churn_date": False,
        }
        for user in (self.sub_user, self.sub_manager):
            with self.subTest(user=user.login):
                self.assertEqual(
                    self._read_fields(user, customer, list(STATS)), {customer.id: company_1}
                )
        # The second company's own figures (a trial: no MRR yet), in its currency.
        self.assertEqual(
            self._read_fields(self.user_2, customer, [*STATS, "subscription_currency_id"]),
            {
                customer.id: {
                    **company_1,
                    "lifecycle_stage": "trial",
                    "mrr": 0.0,
                    "subscription_currency_id": [
                        self.other_currency.id,
                        self.other_currency.display_name,
                    ],
                }
            },
        )
        # Filters follow the same figures.
        for user, stage in ((self.sub_user, "active"), (self.user_2, "trial")):
            with self.subTest(user=user.login):
                found = self._rpc(
                    user,
                    "res.partner",
                    "search",
                    [("id", "=", customer.id), ("lifecycle_stage", "=", stage)],
                )
                self.assertEqual(found, customer.ids)
                found = self._rpc(
                    user,
                    "res.partner",
                    "search",
                    [("id", "=", customer.id), ("subscription_count", ">", 0)],
                )
                self.assertEqual(found, customer.ids)
        # The smart button and the tab are not in an employee's form.
        arch = self._rpc(self.internal_user, "res.partner", "get_views", [[False, "form"]])[
            "views"
        ]["form"]["arch"]
        self.assertNotIn('name="subscription_count"', arch)
        self.assertNotIn('name="subscriptions"', arch)
        arch = self._rpc(self.sub_user, "res.partner", "get_views", [[False, "form"]])["views"][
            "form"
        ]["arch"]
        self.assertIn('name="subscription_count"', arch)
