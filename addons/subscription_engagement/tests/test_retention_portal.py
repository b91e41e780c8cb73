# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, http
from odoo.tests import HttpCase, tagged

from .common_retention import RetentionCommon


@tagged("post_install", "-at_install")
class TestRetentionPortal(RetentionCommon, HttpCase):
    def setUp(self):
        super().setUp()
        self.sub = self._started_subscription(on=fields.Date.today(), tier=self.tier_pro)
        self.sub_b = self._started_subscription(
            on=fields.Date.today(), tier=self.tier_pro, partner=self.other_customer
        )

    def _login(self, user):
        self.authenticate(user.login, user.login + "_password")

    def _post(self, url, data=None):
        payload = {"csrf_token": http.Request.csrf_token(self), **(data or {})}
        return self.url_open(url, data=payload, allow_redirects=False)

    def _saved(self, sub):
        return sub.event_ids.filtered(lambda e: e.event_type == "saved_by_offer")

    def test_cancel_shows_only_matching_offers(self):
        self._login(self.portal_user)
        response = self._post(
            f"/my/subscriptions/{self.sub.id}/cancel",
            {"reason_id": self.reason_other.id, "feedback": "Missing an API", "when": "period_end"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Take a break", response.text)
        self.assertIn("Switch to Basic", response.text)
        self.assertNotIn("20% off for 3 months", response.text)
        self.assertNotIn("Other company discount", response.text)
        self.assertFalse(self.sub.cancel_at_period_end, "nothing cancelled before the answer")

    def test_offer_not_shown_cannot_be_taken(self):
        self._login(self.portal_user)
        for offer in (self.offer_discount, self.offer_company_b):
            with self.subTest(offer=offer.name):
                response = self._post(
                    f"/my/subscriptions/{self.sub.id}/cancel/offer",
                    {"offer_id": offer.id, "reason_id": self.reason_other.id},
                )
                self.assertEqual(response.status_code, 200)
                self.assertIn("This offer is not available", response.text)
        response = self._post(
            f"/my/subscriptions/{self.sub.id}/cancel/offer",
            {"offer_id": "abc", "reason_id": self.reason.id},
        )
        self.assertIn("This offer is not available", response.text)
        # An involuntary reason is not the customer's to give.
        response = self._post(
            f"/my/subscriptions/{self.sub.id}/cancel/offer",
            {"offer_id": self.offer_pause.id, "reason_id": self.reason_involuntary.id},
        )
        self.assertIn("Please tell us why", response.text)
        self.assertFalse(self._saved(self.sub))
        self.assertFalse(self.Acceptance.search([("subscription_id", "=", self.sub.id)]))
        self.assertEqual(self.sub.state, "active")

    def test_another_customers_subscription_is_refused(self):
        self._login(self.portal_user)
        response = self._post(
            f"/my/subscriptions/{self.sub_b.id}/cancel/offer",
            {"offer_id": self.offer_discount.id, "reason_id": self.reason.id},
        )
        self.assertNotEqual(response.status_code, 200)
        response = self._post(
            f"/my/subscriptions/{self.sub_b.id}/feedback", {"text": "Forged feedback"}
        )
        self.assertNotEqual(response.status_code, 200)
        self.assertFalse(self._saved(self.sub_b))
        self.assertFalse(self.sub_b.feedback_ids)

    def test_accept_by_access_token(self):
        self.authenticate(None, None)
        token = self.sub._portal_ensure_token()
        response = self._post(
            f"/my/subscriptions/{self.sub.id}/cancel/offer",
            {"offer_id": self.offer_pause.id, "reason_id": self.reason.id, "access_token": token},
        )
        error = response.text.split("o_subscription_error", 1)[-1][:400]
        self.assertEqual(response.status_code, 303, error)
        self.assertIn("message=offer_accepted", response.headers["Location"])
        self.assertEqual(self.sub.state, "paused")
        self.assertEqual(self._saved(self.sub).retention_offer_id, self.offer_pause)

    def test_feedback_form(self):
        self._login(self.portal_user)
        response = self.url_open(f"/my/subscriptions/{self.sub.id}/feedback")
        self.assertEqual(response.status_code, 200)
        self.assertIn("subscription_feedback_text", response.text)
        response = self._post(f"/my/subscriptions/{self.sub.id}/feedback", {"text": "   "})
        self.assertIn("Please write your feedback", response.text)
        response = self._post(f"/my/subscriptions/{self.sub.id}/feedback", {"text": "x" * 10001})
        self.assertIn("limited to", response.text)
        self.assertFalse(self.sub.feedback_ids)
        response = self._post(
            f"/my/subscriptions/{self.sub.id}/feedback",
            {"text": "The new dashboard is great, thank you!"},
        )
        self.assertEqual(response.status_code, 303)
        feedback = self.sub.feedback_ids
        self.assertEqual(feedback.kind, "portal")
        self.assertEqual(feedback.partner_id, self.customer_contact)
        self.assertEqual(feedback.sentiment_label, "positive")
        # The customer reads their own feedback, not another's.
        other = self.env["subscription.feedback"].create(
            {"subscription_id": self.sub_b.id, "text": "Other customer's"}
        )
        Feedback = self.env["subscription.feedback"].with_user(self.portal_user)
        self.assertEqual(Feedback.search([("id", "in", (feedback | other).ids)]), feedback)

    def test_tour_offer_accepted(self):
        self.portal_user.password = self.portal_user.login
        self.start_tour(
            f"/my/subscriptions/{self.sub.id}",
            "subscription_retention_accept",
            login=self.portal_user.login,
        )
        self.sub.invalidate_recordset()
        self.assertEqual(self.sub.state, "active")
        self.assertFalse(self.sub.cancel_at_period_end)
        self.assertEqual(self._saved(self.sub).retention_offer_id, self.offer_discount)
        self.assertEqual(self.sub.feedback_ids.text, "The price is too high for our small team")

    def test_tour_offer_declined(self):
        self.portal_user.password = self.portal_user.login
        self.start_tour(
            f"/my/subscriptions/{self.sub.id}",
            "subscription_retention_decline",
            login=self.portal_user.login,
        )
        self.sub.invalidate_recordset()
        self.assertTrue(self.sub.cancel_at_period_end)
        self.assertEqual(self.sub.cancel_reason_id, self.reason)
        self.assertFalse(self._saved(self.sub))
        self.assertEqual(self.sub.feedback_ids.text, "We are moving to another tool")

    def test_refused_pages_answer_odoo_pages(self):
        self._login(self.portal_user)
        for url in (
            f"/my/subscriptions/{self.sub_b.id}/feedback",
            f"/my/subscriptions/{self.sub_b.id}/cancel/offer",
        ):
            with self.subTest(url=url):
                response = self._post(url, {"text": "x", "offer_id": self.offer_pause.id})
                self.assertEqual(response.status_code, 403)
                self.assertNotIn("Location", response.headers)
        response = self.url_open("/my/subscriptions/999999/feedback", allow_redirects=False)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.sub_b.feedback_ids)
        self.assertFalse(self._saved(self.sub_b))
