# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestPortalTour(SubscriptionCommon, HttpCase):
    def test_portal_change_plan_tour(self):
        """A customer moves their subscription to a higher tier from the
        portal: list, detail, change form, preview, confirmation."""
        subscription = self._started_subscription(on=fields.Date.today(), quantity=2)
        # start_tour logs in with the login as password.
        self.portal_user.password = self.portal_user.login
        self.start_tour(
            "/my/subscriptions", "subscription_portal_change_plan", login=self.portal_user.login
        )
        subscription.invalidate_recordset()
        self.assertEqual(subscription.tier_id, self.tier_pro)
        self.assertEqual(subscription.event_ids.sorted("id")[-1].event_type, "upgraded")
