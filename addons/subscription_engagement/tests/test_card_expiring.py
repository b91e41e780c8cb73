# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime

from odoo.tests import tagged

from .common import EngagementCommon


@tagged("post_install", "-at_install")
class TestCardExpiring(EngagementCommon):
    """30 days before the card expires, once per expiry, even if opted out."""

    def setUp(self):
        super().setUp()
        provider = self.env.ref("payment.payment_provider_demo").sudo()
        if provider.company_id != self.company:
            provider = provider.copy({"company_id": self.company.id})
        provider.write({"state": "test", "allow_tokenization": True})
        self.token = (
            self.env["payment.token"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                    "partner_id": self.customer.id,
                    "payment_details": "4242",
                    "provider_ref": "card-expiring-test",
                }
            )
        )
        self.sub = self._started_subscription(on=date(2026, 1, 1), payment_token_id=self.token.id)
        self.template = self.env.ref("subscription_engagement.mail_template_card_expiring")

    def test_notice_30_days_before_once_per_expiry(self):
        self.customer.subscription_marketing_opt_out = True  # transactional all the same
        self.token.subscription_card_expiry = self.env["payment.token"]._subscription_card_expiry(
            5, 2026
        )
        self.assertEqual(self.sub.payment_card_expiry, date(2026, 5, 31))
        self._run_automation_cron(datetime(2026, 4, 30, 12, 0))
        self.assertFalse(self._logs(self.sub, "card_expiring"))
        self._run_automation_cron(datetime(2026, 5, 1, 1, 0))
        mail = self._mails(self.sub, self.template)
        self.assertEqual(len(mail), 1)
        self.assertIn("4242", mail.body_html)
        self.assertIn(f"/my/subscriptions/{self.sub.id}/payment_method/update", mail.body_html)
        self.env.ref("subscription_engagement.automation_card_expiring").sudo().last_run = False
        self._run_automation_cron(datetime(2026, 5, 2, 1, 0))
        self.assertEqual(len(self._logs(self.sub, "card_expiring")), 1)
        # A new card with a later expiry is warned about in its turn.
        self.token.subscription_card_expiry = date(2028, 2, 29)
        self._run_automation_cron(datetime(2028, 1, 30, 1, 0))
        self.assertEqual(len(self._logs(self.sub, "card_expiring")), 2)

    def test_expiry_parsing(self):
        Token = self.env["payment.token"]
        self.assertEqual(Token._subscription_card_expiry(12, 2031), date(2031, 12, 31))
        self.assertEqual(Token._subscription_card_expiry("2", "2028"), date(2028, 2, 29))
        for month, year in ((13, 2030), (0, 2030), (None, 2030), ("x", 2030), (5, 99)):
            self.assertFalse(Token._subscription_card_expiry(month, year))
