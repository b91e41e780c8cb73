# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import freeze_time, tagged

from .common import EngagementCommon


@tagged("post_install", "-at_install")
class TestFeedback(EngagementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Feedback = cls.env["subscription.feedback"]
        cls.env.ref("base.lang_id").active = True
        cls.customer_id_lang = cls.env["res.partner"].create(
            {"name": "Pelanggan", "email": "p@example.com", "lang": "id_ID"}
        )

    def setUp(self):
        super().setUp()
        self.sub = self._started_subscription(on=date(2026, 1, 1))

    def test_sentiment_computed_in_batch_on_create_and_write(self):
        good, bad, other, short_id = self.Feedback.create(
            [
                {
                    "partner_id": self.customer.id,
                    "kind": "call",
                    "text": "I love it, great support!",
                },
                {
                    "subscription_id": self.sub.id,
                    "kind": "portal",
                    "text": "The app is terrible and the support is awful.",
                },
                {
                    "partner_id": self.customer_id_lang.id,
                    "kind": "email",
                    "text": "Harganya terlalu mahal untuk usaha kecil kami",
                },
                {"partner_id": self.customer_id_lang.id, "kind": "chat", "text": "Bagus sekali"},
            ]
        )
        self.assertEqual(good.sentiment_label, "positive")
        self.assertGreater(good.sentiment_score, 0.05)
        self.assertEqual(bad.sentiment_label, "negative")
        self.assertLess(bad.sentiment_score, -0.05)
        self.assertEqual(bad.partner_id, self.customer, "the subscription's customer by default")
        self.assertEqual(bad.company_id, self.sub.company_id)
        for record in (other, short_id):
            self.assertEqual(record.sentiment_label, "not_analysed")
            self.assertFalse(record.sentiment_score)
        bad.text = "Thank you, the new version is excellent and works well."
        self.assertEqual(bad.sentiment_label, "positive")

    def test_bad_input(self):
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.Feedback.create({"partner_id": self.customer.id, "text": "   "})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.Feedback.create({"partner_id": self.customer.id, "text": "x" * 10001})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.Feedback.create(
                {
                    "subscription_id": self.sub.id,
                    "partner_id": self.other_customer.id,
                    "text": "Not my subscription",
                }
            )
        self.assertFalse(self.Feedback.search([("partner_id", "in", self.other_customer.ids)]))

    def test_cancellation_feedback_lands_in_feedback(self):
        with freeze_time("2026-01-10"):
            self.sub.action_cancel(self.reason.id, feedback="  Too expensive for our team  ")
        feedback = self.sub.feedback_ids
        self.assertEqual(len(feedback), 1)
        self.assertEqual(feedback.kind, "cancellation")
        self.assertEqual(feedback.text, "Too expensive for our team")
        self.assertEqual(feedback.cancel_reason_id, self.reason)
        self.assertEqual(feedback.partner_id, self.customer)
        self.assertEqual(self.sub.feedback_count, 1)
        self.assertEqual(self.customer.subscription_feedback_count, 1)
        self.assertEqual(
            self.customer.action_view_subscription_feedback()["domain"][0][2], self.customer.id
        )
        self.assertEqual(
            self.customer_contact.action_view_subscription_feedback()["domain"][0][2],
            self.customer.id,
        )
        self.assertEqual(self.customer.subscription_feedback_ids, feedback)

    def test_cancellation_without_feedback_logs_nothing(self):
        with freeze_time("2026-01-10"):
            self.sub.action_cancel(self.reason.id)
        self.assertFalse(self.sub.feedback_ids)

    def test_log_feedback_action(self):
        action = self.sub.with_user(self.sub_user).action_log_feedback()
        self.assertEqual(action["res_model"], "subscription.feedback")
        self.assertEqual(action["target"], "new")
        self.assertEqual(action["context"]["default_subscription_id"], self.sub.id)
        action = self.customer.action_log_subscription_feedback()
        self.assertEqual(action["context"]["default_partner_id"], self.customer.id)
        feedback = (
            self.Feedback.with_user(self.sub_user)
            .with_context(**action["context"])
            .create({"text": "Called: happy with the new reports."})
        )
        self.assertEqual(feedback.kind, "call")
        self.assertEqual(feedback.user_id, self.sub_user)

    def test_access(self):
        mine = self.Feedback.create({"subscription_id": self.sub.id, "text": "Mine"})
        theirs = self.Feedback.create({"partner_id": self.other_customer.id, "text": "Theirs"})
        # Portal: read their commercial entity's feedback only, never write.
        Portal = self.Feedback.with_user(self.portal_user)
        self.assertEqual(Portal.search([("id", "in", (mine | theirs).ids)]), mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.portal_user).read(["text"])
        with self.assertRaises(AccessError):
            Portal.create({"partner_id": self.customer_contact.id, "text": "Forged"})
        with self.assertRaises(AccessError):
            mine.with_user(self.portal_user).write({"text": "Changed"})
        # Plain employees see nothing; subscription users log but do not delete.
        with self.assertRaises(AccessError):
            self.Feedback.with_user(self.internal_user).search([])
        with self.assertRaises(AccessError):
            mine.with_user(self.sub_user).unlink()
        mine.with_user(self.sub_manager).unlink()

    def test_multi_company(self):
        company_b = self.env["res.company"].create({"name": "Company B (feedback)"})
        theirs = self.Feedback.create(
            {
                "partner_id": self.other_customer.id,
                "text": "Other company",
                "company_id": company_b.id,
            }
        )
        mine = self.Feedback.create({"partner_id": self.customer.id, "text": "This company"})
        Feedback = self.Feedback.with_user(self.sub_user)
        self.assertEqual(Feedback.search([("id", "in", (mine | theirs).ids)]), mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.sub_user).read(["text"])
