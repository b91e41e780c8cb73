# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import EngagementCommon


@tagged("post_install", "-at_install")
class TestEngagementAccess(EngagementCommon):
    def setUp(self):
        super().setUp()
        self.sub = self._started_subscription(on=date(2026, 1, 1))
        self.company_b = self.env["res.company"].create({"name": "Company B (engagement)"})
        # A catalog shared by the companies.
        self.tier_basic.company_id = False
        self.sub_b = self.env["subscription.subscription"].create(
            {
                "partner_id": self.other_customer.id,
                "tier_id": self.tier_basic.id,
                "cycle_id": self.monthly.id,
                "company_id": self.company_b.id,
            }
        )
        self.sub_b._engagement_send("test_company", self.tmpl_welcome)
        self.log_a = self.Log.search([("subscription_id", "=", self.sub.id)])
        self.log_b = self.Log.search([("subscription_id", "=", self.sub_b.id)])

    def test_portal_user_cannot_read_the_log(self):
        self.assertTrue(self.log_a)
        Log = self.Log.with_user(self.portal_user)
        with self.assertRaises(AccessError):
            Log.search([])
        with self.assertRaises(AccessError):
            self.log_a.with_user(self.portal_user).read(["occasion"])

    def test_users_read_their_companies_logs_only(self):
        self.assertTrue(self.log_b)
        Log = self.Log.with_user(self.sub_user)
        self.assertEqual(Log.search([("id", "in", (self.log_a | self.log_b).ids)]), self.log_a)
        with self.assertRaises(AccessError):
            self.log_b.with_user(self.sub_user).read(["occasion"])

    def test_nobody_edits_the_log(self):
        for user in (self.sub_user, self.sub_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.log_a.with_user(user).write({"period_key": "x"})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.Log.with_user(user).create(
                    {
                        "subscription_id": self.sub.id,
                        "company_id": self.sub.company_id.id,
                        "occasion": "forged",
                        "period_key": "once",
                    }
                )
        with self.assertRaises(AccessError):
            self.log_a.with_user(self.sub_user).unlink()
        # An administrator may delete a row so that the message can go again.
        self.log_a.with_user(self.sub_manager).unlink()
        self.assertFalse(self.log_a.exists())

    def test_internal_user_without_subscription_rights(self):
        with self.assertRaises(AccessError):
            self.Log.with_user(self.internal_user).search([])

    def test_form_shows_messages_sent_to_users(self):
        views = (
            self.env["subscription.subscription"]
            .with_user(self.sub_user)
            .get_views([(False, "form")])
        )
        arch = views["views"]["form"]["arch"]
        self.assertIn("engagement_log_ids", arch)
        self.assertIn("renewal_reminder_date", arch)
