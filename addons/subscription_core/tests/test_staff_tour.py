# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, tagged

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestStaffTour(SubscriptionCommon, HttpCase):
    def test_staff_flow_tour(self):
        """A subscription user in the web client: create, start, change plan
        with the preview, pause until a date, resume, cancel with a reason,
        undo the cancellation."""
        Sub = self.env["subscription.subscription"]
        before = Sub.search([])
        # start_tour logs in with the login as password.
        self.sub_user.password = self.sub_user.login
        self.start_tour(
            "/odoo/action-subscription_core.subscription_subscription_action",
            "subscription_staff_flow",
            login=self.sub_user.login,
        )
        sub = Sub.search([]) - before
        self.assertEqual(len(sub), 1)
        self.assertEqual((sub.partner_id, sub.tier_id), (self.customer, self.tier_pro))
        self.assertEqual((sub.state, sub.cancel_at_period_end), ("active", False))
        events = sub.event_ids.sorted("id")
        self.assertEqual(
            events.mapped("event_type"),
            [
                "created",
                "activated",
                "upgraded",
                "paused",
                "resumed",
                "cancel_scheduled",
                "reactivated",
            ],
        )
        paused = events.filtered(lambda e: e.event_type == "paused")
        self.assertEqual(paused.user_id, self.sub_user)
        cancelled = events.filtered(lambda e: e.event_type == "cancel_scheduled")
        self.assertEqual((cancelled.reason_id, cancelled.note), (self.reason, "Budget cut"))
