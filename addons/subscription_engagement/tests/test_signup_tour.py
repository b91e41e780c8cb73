# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from .test_signup import SignupCommon


@tagged("post_install", "-at_install")
class TestSignupTour(SignupCommon):
    """The sign-up page in headless Chromium
    (static/tests/tours/subscription_signup_tour.js), as a visitor."""

    def setUp(self):
        super().setUp()
        self.provider.payment_method_ids |= self.env.ref("payment_demo.payment_method_demo")

    def _signed_up(self, email):
        sub = self.Sub.search([("source", "=", "signup")])
        self.assertEqual(len(sub), 1)
        self.assertEqual(sub.partner_id.child_ids.email, email)
        self.assertEqual(sub.quantity, 3)
        self.assertEqual(sub.addon_line_ids.addon_id, self.addon_support)
        return sub

    def test_signup_trial_tour(self):
        self.start_tour(
            "/subscribe/enterprise", "subscription_engagement_signup_trial", timeout=180
        )
        sub = self._signed_up("tour.trial@example.com")
        self.assertEqual(sub.state, "trial")
        self.assertEqual(sub.tier_id, self.tier_enterprise)

    def test_signup_card_tour(self):
        self.start_tour("/subscribe/basic", "subscription_engagement_signup_card", timeout=180)
        sub = self._signed_up("tour.card@example.com")
        self.assertEqual(sub.state, "active")
        self.assertTrue(sub.payment_token_id)
        self.assertEqual(sub.billing_mode, "auto_charge")
        self.assertEqual(len(sub.invoice_ids), 1)
        self.assertIn(sub.invoice_ids.payment_state, ("paid", "in_payment"))
