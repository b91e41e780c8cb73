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

    def test_every_template_renders_in_english_and_indonesian(self):
        sub = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_enterprise)
        english = self.env["res.partner"].create(
            {"name": "English customer", "email": "en@example.com", "lang": "en_US"}
        )
        sub_en = self._started_subscription(on=date(2026, 1, 1), partner=english)
        templates = self.env["mail.template"].browse(
            self.env["ir.model.data"]
            .search([("module", "=", "subscription_engagement"), ("model", "=", "mail.template")])
            .mapped("res_id")
        )
        self.assertGreater(len(templates), 15)
        for template in templates.filtered(lambda t: t.model == "subscription.subscription"):
            with self.subTest(template=template.name):
                bodies = {}
                for record in (sub, sub_en):
                    body = template._render_field("body_html", record.ids, compute_lang=True)
                    subject = template._render_field("subject", record.ids, compute_lang=True)
                    self.assertTrue(subject[record.id])
                    bodies[record] = str(body[record.id])
                    self.assertIn(record.partner_id.name, bodies[record])
                # The Indonesian text is not the English one.
                english_words = {"Dear", "Thank you"}
                self.assertFalse(english_words & set(bodies[sub].split()), template.name)
