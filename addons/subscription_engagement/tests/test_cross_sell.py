# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime
from urllib.parse import parse_qs, urlparse

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import EngagementCommon


@tagged("post_install", "-at_install")
class TestCrossSell(EngagementCommon, HttpCase):
    """Add-ons of the tier not taken yet, priced, one link away from the change page."""

    def test_suggestions_and_link(self):
        sub = self._started_subscription(on=date(2026, 1, 1), addons={self.addon_storage: 3})
        suggestions = sub._engagement_cross_sell()
        self.assertEqual([s["addon"] for s in suggestions], [self.addon_support])
        self.assertEqual(suggestions[0]["price"].amount, 20.0)
        url = urlparse(suggestions[0]["url"])
        self.assertEqual(url.path, f"/my/subscriptions/{sub.id}/change")
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        self.assertEqual(query[f"addon_{self.addon_support.id}"], "1")
        self.assertEqual(query[f"addon_{self.addon_storage.id}"], "3", "what it has stays")
        self.assertEqual(query["tier_id"], str(self.tier_basic.id))
        self.assertEqual(query["access_token"], sub.access_token)
        # Everything taken, a scheduled change or an ended subscription: nothing.
        sub.change_plan(
            addons={self.addon_storage.id: 3, self.addon_support.id: 1}, effective="now"
        )
        self.assertEqual(sub._engagement_cross_sell(), [])
        other = self._started_subscription(on=date(2026, 1, 1))
        other.action_cancel(self.reason.id, at_period_end=False)
        self.assertEqual(other._engagement_cross_sell(), [])

    def test_renewal_reminder_suggests_add_ons(self):
        sub = self._started_subscription(on=date(2026, 1, 1))
        self._run_automation_cron(datetime(2026, 1, 29, 1, 0))
        mail = self._mails(sub, self.tmpl_reminder)
        self.assertEqual(len(mail), 1)
        self.assertIn("Priority support", mail.body_html)
        self.assertIn(f"addon_{self.addon_support.id}=1", mail.body_html)

    def test_portal_page_and_prefilled_change(self):
        sub = self._started_subscription(on=fields.Date.today())
        self.authenticate(self.portal_user.login, self.portal_user.login + "_password")
        page = self.url_open(f"/my/subscriptions/{sub.id}").text
        self.assertIn("subscription_cross_sell", page)
        self.assertIn("Priority support", page)
        support = next(s for s in sub._engagement_cross_sell() if s["addon"] == self.addon_support)
        link = urlparse(support["url"])
        change = self.url_open(f"{link.path}?{link.query}")
        self.assertEqual(change.status_code, 200)
        self.assertRegex(
            change.text,
            rf'name="addon_{self.addon_support.id}"[^>]*checked|checked[^>]*name="addon_{self.addon_support.id}"',
        )
        # Another customer's subscription shows nothing of it.
        self.authenticate(self.portal_user_b.login, self.portal_user_b.login + "_password")
        refused = self.url_open(f"/my/subscriptions/{sub.id}")
        self.assertNotIn("subscription_cross_sell", refused.text)
