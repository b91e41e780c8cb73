# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.tests import tagged

from .common import EngagementCommon


@tagged("post_install", "-at_install")
class TestEngagementTranslations(EngagementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("id_ID")
        cls.env["ir.module.module"]._load_module_terms(["subscription_engagement"], ["id_ID"])
        cls.customer.lang = "id_ID"

    def test_templates_render_in_indonesian(self):
        sub = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_enterprise)
        # The welcome went out in the customer's language.
        welcome = self.env["mail.mail"].search(
            [("model", "=", sub._name), ("res_id", "=", sub.id)], limit=1
        )
        self.assertIn("Selamat datang di Enterprise", welcome.subject)
        self.assertIn("Selamat bergabung!", welcome.body_html)
        expected = {
            self.tmpl_welcome: "Masa uji coba gratis Anda berlaku hingga",
            self.tmpl_trial_ending: "Setelah itu langganan dikenakan biaya",
            self.tmpl_reminder: "diperpanjang pada",
            self.tmpl_cancellation: "Kami mengonfirmasi pembatalan langganan Anda",
        }
        for template, text in expected.items():
            with self.subTest(template=template.name):
                body = template._render_field("body_html", sub.ids, compute_lang=True)[sub.id]
                subject = template._render_field("subject", sub.ids, compute_lang=True)[sub.id]
                self.assertIn(text, str(body))
                self.assertIn(sub.get_portal_url(), str(body))
                self.assertTrue(subject)
