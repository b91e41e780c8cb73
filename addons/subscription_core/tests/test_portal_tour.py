# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestPortalTour(SubscriptionCommon, HttpCase):
    """Portal flows in headless Chromium at desktop width (see
    TestPortalTourPhone for the same flows on a phone). The tours also check
    that the /my tile, the list's amount and status, and the detail page's
    tables are shown whole at the window's width."""

    def _run_portal_tour(self, url, tour):
        # start_tour logs in with the login as password.
        self.portal_user.password = self.portal_user.login
        self.start_tour(url, tour, login=self.portal_user.login)

    def test_portal_change_plan_tour(self):
        """A customer moves their subscription to a higher tier from the
        portal: /my tile, list, detail, change form, preview, confirmation."""
        subscription = self._started_subscription(
            on=fields.Date.today(), quantity=2, addons={self.addon_storage: 3}
        )
        self._run_portal_tour("/my", "subscription_portal_change_plan")
        subscription.invalidate_recordset()
        self.assertEqual(subscription.tier_id, self.tier_pro)
        self.assertEqual(subscription.event_ids.sorted("id")[-1].event_type, "upgraded")

    def test_portal_undo_downgrade_tour(self):
        """A customer schedules a downgrade (preview, confirmation) and then
        keeps their current plan from the subscription page."""
        subscription = self._started_subscription(on=fields.Date.today(), tier=self.tier_pro)
        self._run_portal_tour("/my/subscriptions", "subscription_portal_undo_downgrade")
        subscription.invalidate_recordset()
        self.assertEqual(subscription.tier_id, self.tier_pro)
        self.assertFalse(subscription.has_pending_change)
        self.assertFalse(subscription.pending_tier_id)


@tagged("post_install", "-at_install")
class TestPortalTourPhone(TestPortalTour):
    """The same tours in a phone-sized window (390 x 844 CSS pixels)."""

    browser_size = "390x844"
    allow_inherited_tests_method = True
