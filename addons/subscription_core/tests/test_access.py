# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import SubscriptionCommon

CATALOG_MODELS = (
    "subscription.cycle",
    "subscription.tier",
    "subscription.addon",
    "subscription.price",
    "subscription.cancel.reason",
)


@tagged("post_install", "-at_install")
class TestAccess(SubscriptionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sub_a = cls._started(cls.customer)
        cls.sub_b = cls._started(cls.other_customer)

    @classmethod
    def _started(cls, partner):
        sub = cls.env["subscription.subscription"].create(
            {
                "partner_id": partner.id,
                "tier_id": cls.tier_basic.id,
                "cycle_id": cls.monthly.id,
                "date_start": date(2026, 1, 1),
            }
        )
        sub.action_start()
        return sub

    def _assert_access(self, user, model, operations):
        """``operations`` maps read/write/create/unlink to the expected bool."""
        Model = self.env[model].with_user(user)
        for operation, allowed in operations.items():
            with self.subTest(user=user.login, model=model, operation=operation):
                self.assertEqual(Model.has_access(operation), allowed)

    @mute_logger("odoo.models")
    def test_catalog_acl_matrix(self):
        read_only = {"read": True, "write": False, "create": False, "unlink": False}
        full = {"read": True, "write": True, "create": True, "unlink": True}
        nothing = {"read": False, "write": False, "create": False, "unlink": False}
        for model in CATALOG_MODELS:
            self._assert_access(self.sub_user, model, read_only)
            self._assert_access(self.sub_manager, model, full)
            self._assert_access(self.portal_user, model, read_only)
            self._assert_access(self.internal_user, model, nothing)
        with self.assertRaises(AccessError):
            self.tier_basic.with_user(self.sub_user).write({"name": "Hacked"})
        self.tier_basic.with_user(self.sub_manager).write({"name": "Basic+"})

    @mute_logger("odoo.models")
    def test_subscription_acl_matrix(self):
        model = "subscription.subscription"
        self._assert_access(
            self.sub_user, model, {"read": True, "write": True, "create": True, "unlink": False}
        )
        self._assert_access(
            self.sub_manager, model, {"read": True, "write": True, "create": True, "unlink": True}
        )
        self._assert_access(
            self.portal_user,
            model,
            {"read": True, "write": False, "create": False, "unlink": False},
        )
        self._assert_access(
            self.internal_user,
            model,
            {"read": False, "write": False, "create": False, "unlink": False},
        )
        sub = self._new_subscription().with_user(self.sub_user)
        sub.action_start()
        self.assertEqual(sub.state, "active", "a user runs the lifecycle")
        with self.assertRaises(AccessError):
            self.env["subscription.subscription"].with_user(self.internal_user).search([])

    @mute_logger("odoo.models")
    def test_event_ledger_is_read_only_for_everyone(self):
        event = self.sub_a.event_ids[:1]
        for user in (self.sub_user, self.sub_manager):
            self._assert_access(
                user,
                "subscription.event",
                {"read": True, "write": False, "create": False, "unlink": False},
            )
            with self.assertRaises(AccessError):
                self.env["subscription.event"].with_user(user).create(
                    {"subscription_id": self.sub_a.id, "event_type": "renewed"}
                )
            with self.assertRaises(UserError):  # AccessError is a UserError
                event.with_user(user).write({"mrr_after": 1e6})
            with self.assertRaises(UserError):  # AccessError is a UserError
                event.with_user(user).unlink()
        # Not even the superuser can rewrite history.
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            event.sudo().write({"mrr_after": 1e6})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            event.sudo().unlink()
        self.assertTrue(event.exists())

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_portal_user_sees_only_own_commercial_entity(self):
        Sub = self.env["subscription.subscription"].with_user(self.portal_user)
        self.assertEqual(Sub.search([]), self.sub_a)
        # The ledger is staff data: the portal pages read it in sudo mode.
        with self.assertRaises(AccessError):
            self.env["subscription.event"].with_user(self.portal_user).search([])
        with self.assertRaises(AccessError):
            self.sub_b.with_user(self.portal_user).read(["name"])
        with self.assertRaises(AccessError):
            self.sub_b.with_user(self.portal_user).action_cancel(self.reason.id)
        # Even their own subscription is changed only through the portal pages.
        with self.assertRaises(AccessError):
            self.sub_a.with_user(self.portal_user).change_plan(quantity=5)
        with self.assertRaises(AccessError):
            self.sub_a.with_user(self.portal_user).write({"quantity": 5})
        self.assertEqual(self.sub_a.quantity, 1)
        self.assertEqual(self.sub_b.state, "active")

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_multi_company_rules(self):
        other_company = self.env["res.company"].create({"name": "Subsidiary"})
        user = self.sub_user
        user.write({"company_ids": [(4, self.company.id)], "company_id": self.company.id})
        foreign_tier = self.env["subscription.tier"].create(
            {
                "name": "Foreign",
                "code": "foreign",
                "company_id": other_company.id,
                "product_id": self.tier_basic.product_id.id,
            }
        )
        foreign_sub = (
            self.env["subscription.subscription"]
            .with_company(other_company)
            .create(
                {
                    "partner_id": self.other_customer.id,
                    "tier_id": foreign_tier.id,
                    "cycle_id": self.monthly.id,
                    "company_id": other_company.id,
                }
            )
        )
        visible = self.env["subscription.subscription"].with_user(user).search([])
        self.assertNotIn(foreign_sub, visible)
        self.assertIn(self.sub_a, visible)
        with self.assertRaises(AccessError):
            foreign_sub.with_user(user).read(["name"])
