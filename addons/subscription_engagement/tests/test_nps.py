# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged

from .common import EngagementCommon


@tagged("post_install", "-at_install")
class TestNps(EngagementCommon):
    """NPS and CSAT invitations by rule, once; answers scored on the customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.survey_nps = ref("subscription_engagement.survey_nps")
        cls.survey_csat = ref("subscription_engagement.survey_csat")
        cls.tmpl_nps = ref("subscription_engagement.mail_template_nps_invitation")
        cls.tmpl_csat = ref("subscription_engagement.mail_template_csat_invitation")

    def setUp(self):
        super().setUp()
        self.sub = self._started_subscription(on=date(2026, 1, 1))
        self.sub.user_id = self.sub_user

    def _answer(self, answer, score, comment=None):
        score_q = answer.survey_id.question_ids.filtered(lambda q: q.question_type == "scale")
        answer._save_lines(score_q, str(score))
        if comment:
            text_q = answer.survey_id.question_ids.filtered(lambda q: q.question_type == "text_box")
            answer._save_lines(text_q, comment)
        answer._mark_done()

    def test_first_invitation_30_days_after_start_then_every_90(self):
        self.assertEqual(self.sub.nps_next_date, date(2026, 1, 31))
        self._run_automation_cron(datetime(2026, 1, 30, 12, 0))
        self.assertFalse(self._logs(self.sub, "nps_invitation"))
        self._run_automation_cron(datetime(2026, 1, 31, 1, 0))
        log = self._logs(self.sub, "nps_invitation")
        self.assertEqual(len(log), 1)
        answer = self.sub.survey_answer_ids
        self.assertEqual(answer.survey_id, self.survey_nps)
        self.assertEqual(answer.partner_id, self.customer)
        mail = self._mails(self.sub, self.tmpl_nps)
        self.assertEqual(len(mail), 1)
        self.assertIn(answer.access_token, mail.body_html)
        self.assertIn("/subscription/unsubscribe/", mail.body_html)
        self.assertEqual(self.customer.subscription_nps_invited_date, date(2026, 1, 31))
        self.assertEqual(self.sub.nps_next_date, date(2026, 5, 1))
        # Re-runs and a lost last run send nothing more.
        self._run_automation_cron(datetime(2026, 2, 1, 1, 0))
        self.env.ref("subscription_engagement.automation_nps_invitation").sudo().last_run = False
        self._run_automation_cron(datetime(2026, 2, 1, 2, 0))
        self.assertEqual(len(self._mails(self.sub, self.tmpl_nps)), 1)
        self._run_automation_cron(datetime(2026, 5, 1, 1, 0))
        self.assertEqual(len(self._logs(self.sub, "nps_invitation")), 2)

    def test_never_twice_within_60_days_to_a_customer(self):
        second = self._started_subscription(on=date(2026, 1, 20))
        self.assertEqual(second.nps_next_date, date(2026, 2, 19))
        self._run_automation_cron(datetime(2026, 1, 31, 1, 0))
        self.assertEqual(second.nps_next_date, date(2026, 4, 1), "60 days after the customer's")
        self._run_automation_cron(datetime(2026, 2, 19, 1, 0))
        self.assertFalse(self._logs(second, "nps_invitation"))

    def test_opted_out_customer_is_not_invited(self):
        self.customer.subscription_marketing_opt_out = True
        self._run_automation_cron(datetime(2026, 1, 31, 1, 0))
        self.assertFalse(self._logs(self.sub, "nps_invitation"))
        self.assertFalse(self.sub.survey_answer_ids)

    def test_detractor_answer(self):
        self._run_automation_cron(datetime(2026, 1, 31, 1, 0))
        answer = self.sub.survey_answer_ids
        with freeze_time("2026-02-02"):
            self._answer(answer, 3, "Terrible service, I hate the constant bugs.")
        self.assertTrue(answer.subscription_scored)
        self.assertEqual(answer.subscription_score, 3)
        self.assertEqual(self.customer.subscription_nps_category, "detractor")
        self.assertEqual(self.customer.subscription_nps_score, 3)
        self.assertEqual(self.customer.subscription_nps_date, date(2026, 2, 2))
        activity = self.sub.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.sub_user)
        self.assertIn("3", activity.summary)
        feedback = self.env["subscription.feedback"].search([("survey_answer_id", "=", answer.id)])
        self.assertEqual(feedback.kind, "survey")
        self.assertEqual(feedback.subscription_id, self.sub)
        self.assertEqual(feedback.sentiment_label, "negative")

    def test_promoter_zero_and_configured_follow_up(self):
        self._run_automation_cron(datetime(2026, 1, 31, 1, 0))
        self._answer(self.sub.survey_answer_ids, 10)
        self.assertEqual(self.customer.subscription_nps_category, "promoter")
        self.assertFalse(self.sub.activity_ids)
        self.assertFalse(
            self.env["subscription.feedback"].search(
                [("subscription_id", "=", self.sub.id), ("kind", "=", "survey")]
            )
        )
        # A 0 is an answer, and goes to the configured user.
        self.company.subscription_detractor_user_id = self.sub_manager
        self._run_automation_cron(datetime(2026, 5, 1, 1, 0))
        latest = self.sub.survey_answer_ids.sorted("id")[-1]
        self._answer(latest, 0)
        self.assertTrue(latest.subscription_scored)
        self.assertEqual(self.customer.subscription_nps_score, 0)
        self.assertEqual(self.customer.subscription_nps_category, "detractor")
        self.assertEqual(self.sub.activity_ids.user_id, self.sub_manager)

    def test_csat_after_upgrade_once_per_event(self):
        with freeze_time("2026-01-10"):
            self.sub.change_plan(tier_id=self.tier_pro.id, effective="now")
        events = self.sub.event_ids.filtered(lambda e: e.event_type == "upgraded")
        self.assertEqual(len(events), 1)
        log = self._logs(self.sub, "csat_invitation")
        self.assertEqual(log.period_key, f"event-{events.id}")
        answer = self.sub.survey_answer_ids.filtered(lambda a: a.survey_id == self.survey_csat)
        self.assertEqual(len(answer), 1)
        mail = self._mails(self.sub, self.tmpl_csat)
        self.assertEqual(len(mail), 1)
        self.assertIn(answer.access_token, mail.body_html)
        self._answer(answer, 4, "Smooth upgrade, thanks")
        self.assertEqual(answer.subscription_score, 4)
        self.assertFalse(self.customer.subscription_nps_category, "a CSAT is not an NPS")
        # Sending again for the same event does nothing.
        self.env["subscription.subscription"]._engagement_send_csat(events)
        self.assertEqual(len(self._mails(self.sub, self.tmpl_csat)), 1)

    def test_scores_hidden_from_portal_and_employees(self):
        for user in (self.portal_user, self.internal_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.customer.with_user(user).read(["subscription_nps_score"])
        self.assertEqual(
            self.customer.with_user(self.sub_user).read(["subscription_nps_category"])[0][
                "subscription_nps_category"
            ],
            False,
        )
