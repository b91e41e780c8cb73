# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo import http
from odoo.tests import HttpCase, tagged

from .common import EngagementCommon


@tagged("post_install", "-at_install")
class TestEngagementOptOut(EngagementCommon, HttpCase):
    """Marketing-type messages honour the customer's opt-out (portal
    preference, signed unsubscribe link, Odoo's blacklist); transactional
    ones always go."""

    def setUp(self):
        super().setUp()
        self.sub = self._started_subscription(on=date(2026, 1, 1))

    def _post(self, url, data=None):
        if not getattr(self, "session", None):
            self.authenticate(None, None)
        payload = {"csrf_token": http.Request.csrf_token(self), **(data or {})}
        return self.url_open(url, data=payload, allow_redirects=False)

    def _send(self, occasion, marketing):
        return self.sub._engagement_send(occasion, self.tmpl_reminder, marketing=marketing)

    def test_marketing_skipped_transactional_sent(self):
        self.customer.subscription_marketing_opt_out = True
        self.assertFalse(self._send("test_marketing", marketing=True))
        self.assertFalse(self._logs(self.sub, "test_marketing"))
        self.assertEqual(self._send("test_transactional", marketing=False), self.sub)
        # Opting back in lets the message go (nothing was logged meanwhile).
        self.customer.subscription_marketing_opt_out = False
        self.assertEqual(self._send("test_marketing", marketing=True), self.sub)

    def test_company_opt_out_and_blacklist(self):
        self.assertTrue(self.customer_contact._subscription_marketing_allowed())
        self.customer.subscription_marketing_opt_out = True
        self.assertFalse(self.customer_contact._subscription_marketing_allowed())
        self.customer.subscription_marketing_opt_out = False
        self.env["mail.blacklist"].sudo()._add(self.customer.email)
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer._subscription_marketing_allowed())

    def test_portal_preference(self):
        self.authenticate(self.portal_user.login, self.portal_user.login + "_password")
        page = self.url_open("/my/subscriptions/preferences")
        self.assertEqual(page.status_code, 200)
        self.assertIn('name="marketing"', page.text)
        self.assertIn("checked", page.text)
        # Unticked box: opted out, on the contact and on its company (the account).
        response = self._post("/my/subscriptions/preferences")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(self.customer_contact.subscription_marketing_opt_out)
        self.assertTrue(self.customer.subscription_marketing_opt_out)
        self.assertFalse(self._send("test_marketing", marketing=True))
        self.assertIn("Opted out", self.customer.message_ids[0].body)
        # Ticked again: opted in.
        self._post("/my/subscriptions/preferences", {"marketing": "1"})
        self.assertFalse(self.customer.subscription_marketing_opt_out)
        self.assertTrue(self._send("test_marketing", marketing=True))

    def test_preferences_need_login(self):
        response = self.url_open("/my/subscriptions/preferences", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    def test_unsubscribe_link(self):
        url = self.customer._subscription_unsubscribe_url()
        self.assertTrue(url.startswith(self.customer.get_base_url()))
        path = url[len(self.customer.get_base_url()) :]
        # A GET (a mail scanner following the link) changes nothing.
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Unsubscribe", page.text)
        self.assertFalse(self.customer.subscription_marketing_opt_out)
        response = self._post(path)
        self.assertEqual(response.status_code, 200)
        self.assertIn("You are unsubscribed", response.text)
        self.assertTrue(self.customer.subscription_marketing_opt_out)

    def test_unsubscribe_tampered_link(self):
        token = self.customer._subscription_unsubscribe_token()
        for path in (
            f"/subscription/unsubscribe/{self.other_customer.id}/{token}",
            f"/subscription/unsubscribe/{self.customer.id}/{token[:-1]}x",
            f"/subscription/unsubscribe/999999999/{token}",
        ):
            with self.subTest(path=path):
                response = self._post(path)
                self.assertEqual(response.status_code, 403)
                self.assertIn("This link is not valid", response.text)
        self.assertFalse(self.other_customer.subscription_marketing_opt_out)
        self.assertFalse(self.customer.subscription_marketing_opt_out)
