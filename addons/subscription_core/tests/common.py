# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.tests import freeze_time

from odoo.addons.base.tests.common import BaseCommon
from odoo.addons.mail.tests.common import mail_new_test_user


class SubscriptionCommon(BaseCommon):
    """Catalog, customers and users built from scratch (no demo data).

    Catalog: cycles monthly / quarterly / yearly / weekly; tiers basic
    (rank 10, 10.00 a month per seat), pro (rank 20, 30.00), enterprise
    (rank 30, 100.00, 14-day trial); add-ons "extra storage" (per unit,
    5.00) and "priority support" (on/off, 20.00). Prices exist in the
    company currency for every cycle (quarterly = 3 x, yearly = 10 x the
    monthly price, weekly = a quarter of it), and in a second currency for
    the monthly cycle only.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Builds the catalog as the test user, which may be another base
        # class's (e.g. the accountant of AccountTestInvoicingCommon).
        cls.env.user.groups_id |= cls.env.ref("subscription_core.group_subscription_manager")
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.other_currency = (
            cls.env["res.currency"]
            .with_context(active_test=False)
            .search(
                [("id", "!=", cls.currency.id), ("name", "in", ("EUR", "USD", "GBP", "CHF"))],
                limit=1,
            )
        )
        cls.other_currency.active = True
        cls.env["res.currency.rate"].create(
            {
                "currency_id": cls.other_currency.id,
                "rate": 2.0,
                "name": "2000-01-01",
                "company_id": cls.company.id,
            }
        )
        Cycle = cls.env["subscription.cycle"]
        cls.monthly = Cycle.create(
            {"name": "Test Monthly", "interval_unit": "month", "interval_count": 1}
        )
        cls.quarterly = Cycle.create(
            {"name": "Test Quarterly", "interval_unit": "month", "interval_count": 3}
        )
        cls.yearly = Cycle.create(
            {"name": "Test Yearly", "interval_unit": "year", "interval_count": 1}
        )
        cls.weekly = Cycle.create(
            {"name": "Test Weekly", "interval_unit": "week", "interval_count": 1}
        )
        Product = cls.env["product.product"]
        cls.addon_storage = cls._create_addon("Extra storage", 5.0, per_unit=True)
        cls.addon_support = cls._create_addon("Priority support", 20.0)
        cls.tier_basic = cls._create_tier("Basic", "basic", 10, 10.0)
        cls.tier_pro = cls._create_tier("Pro", "pro", 20, 30.0)
        cls.tier_enterprise = cls._create_tier("Enterprise", "enterprise", 30, 100.0, trial_days=14)
        cls.tier_no_price = cls.env["subscription.tier"].create(
            {
                "name": "Unpriced",
                "code": "unpriced",
                "sequence": 40,
                "product_id": Product.create({"name": "Unpriced", "type": "service"}).id,
            }
        )
        (cls.tier_basic | cls.tier_pro | cls.tier_enterprise).addon_ids = (
            cls.addon_storage | cls.addon_support
        )
        Reason = cls.env["subscription.cancel.reason"]
        cls.reason = Reason.create({"name": "Too expensive (test)"})
        cls.reason_involuntary = Reason.create(
            {"name": "Payment failure (test)", "kind": "involuntary"}
        )
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create(
            {"name": "Customer A", "email": "a@example.com", "is_company": True}
        )
        cls.customer_contact = Partner.create(
            {"name": "Alice A", "email": "alice@example.com", "parent_id": cls.customer.id}
        )
        cls.other_customer = Partner.create({"name": "Customer B", "email": "b@example.com"})
        cls.sub_user = mail_new_test_user(
            cls.env,
            login="sub_user",
            name="Subscription User",
            groups="base.group_user,subscription_core.group_subscription_user",
        )
        cls.sub_manager = mail_new_test_user(
            cls.env,
            login="sub_manager",
            name="Subscription Manager",
            groups="base.group_user,subscription_core.group_subscription_manager",
        )
        cls.internal_user = mail_new_test_user(
            cls.env, login="plain_user", name="Plain Employee", groups="base.group_user"
        )
        cls.portal_user = cls._portal_user_for(cls.customer_contact, "portal_a")
        cls.portal_user_b = cls._portal_user_for(cls.other_customer, "portal_b")

    @classmethod
    def _portal_user_for(cls, partner, login):
        return (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "login": login,
                    "password": login + "_password",
                    "partner_id": partner.id,
                    "groups_id": [(6, 0, [cls.env.ref("base.group_portal").id])],
                }
            )
        )

    @classmethod
    def _create_addon(cls, name, monthly_amount, per_unit=False):
        product = cls.env["product.product"].create({"name": name, "type": "service"})
        addon = cls.env["subscription.addon"].create(
            {"name": name, "product_id": product.id, "per_unit": per_unit}
        )
        cls._create_prices(addon, monthly_amount)
        return addon

    @classmethod
    def _create_tier(cls, name, code, sequence, monthly_amount, trial_days=0):
        product = cls.env["product.product"].create({"name": name, "type": "service"})
        tier = cls.env["subscription.tier"].create(
            {
                "name": name,
                "code": code,
                "sequence": sequence,
                "product_id": product.id,
                "trial_days": trial_days,
                "description": f"<p>{name} features</p>",
            }
        )
        cls._create_prices(tier, monthly_amount)
        return tier

    @classmethod
    def _create_prices(cls, item, monthly_amount):
        field = "tier_id" if item._name == "subscription.tier" else "addon_id"
        Price = cls.env["subscription.price"]
        for cycle, factor in (
            (cls.monthly, 1.0),
            (cls.quarterly, 3.0),
            (cls.yearly, 10.0),
            (cls.weekly, 0.25),
        ):
            Price.create(
                {
                    field: item.id,
                    "cycle_id": cycle.id,
                    "currency_id": cls.currency.id,
                    "amount": monthly_amount * factor,
                }
            )
        Price.create(
            {
                field: item.id,
                "cycle_id": cls.monthly.id,
                "currency_id": cls.other_currency.id,
                "amount": monthly_amount * 2,
            }
        )

    def _new_subscription(
        self, tier=None, cycle=None, partner=None, quantity=1, addons=None, **vals
    ):
        values = {
            "partner_id": (partner or self.customer).id,
            "tier_id": (tier or self.tier_basic).id,
            "cycle_id": (cycle or self.monthly).id,
            "quantity": quantity,
            **vals,
        }
        if addons:
            values["addon_line_ids"] = [
                (0, 0, {"addon_id": addon.id, "quantity": qty}) for addon, qty in addons.items()
            ]
        return self.env["subscription.subscription"].create(values)

    def _started_subscription(self, on=date(2026, 1, 31), **kwargs):
        with freeze_time(on):
            sub = self._new_subscription(date_start=on, **kwargs)
            sub.action_start()
        return sub

    def _events(self, sub):
        return sub.event_ids.sorted("id")

    def assertLedgerBalanced(self, subs):
        for sub in subs:
            self.assertAlmostEqual(
                sum(sub.event_ids.mapped("mrr_delta")),
                sub.mrr_company,
                places=2,
                msg=f"ledger of {sub.name} does not sum to its MRR",
            )
