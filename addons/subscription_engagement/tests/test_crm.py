# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged

from .common import EngagementCommon


@tagged("post_install", "-at_install")
class TestCrmOpportunities(EngagementCommon):
    """Renewal, expansion and save opportunities, each once per occasion."""

    def _opportunities(self, sub, kind=None):
        domain = [("subscription_id", "=", sub.id)]
        if kind:
            domain.append(("subscription_opportunity_kind", "=", kind))
        return self.env["crm.lead"].with_context(active_test=False).search(domain)

    def test_renewal_opportunity_60_days_before_a_yearly_end(self):
        yearly = self._started_subscription(
            on=date(2026, 1, 1), cycle=self.yearly, user_id=self.sub_user.id
        )
        monthly = self._started_subscription(on=date(2026, 1, 1), user_id=self.sub_user.id)
        self.assertEqual(yearly.current_period_end, date(2027, 1, 1))
        self._run_automation_cron(datetime(2026, 11, 1, 12, 0))
        self.assertFalse(self._opportunities(yearly))
        self._run_automation_cron(datetime(2026, 11, 2, 1, 0))
        lead = self._opportunities(yearly)
        self.assertEqual(len(lead), 1)
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.subscription_opportunity_kind, "renewal")
        self.assertEqual(lead.partner_id, self.customer)
        self.assertEqual(lead.user_id, self.sub_user)
        self.assertEqual(lead.date_deadline, date(2027, 1, 1))
        self.assertEqual(lead.expected_revenue, self.currency.round(yearly.mrr_company * 12))
        self.assertEqual(yearly.opportunity_count, 1)
        self.assertFalse(self._opportunities(monthly), "monthly subscriptions get none")
        # Re-runs and a lost last run create nothing more.
        self._run_automation_cron(datetime(2026, 11, 3, 1, 0))
        self.env.ref("subscription_engagement.automation_crm_renewal").sudo().last_run = False
        self._run_automation_cron(datetime(2026, 11, 3, 2, 0))
        self.assertEqual(len(self._opportunities(yearly)), 1)
        # Won or lost shows on the opportunity the subscription lists.
        lead.action_set_lost()
        self.assertEqual(yearly.opportunity_ids.subscription_outcome, "lost")

    def test_save_opportunity_above_threshold_once(self):
        self.company.subscription_save_opportunity_mrr = 50
        big = self._started_subscription(on=date(2026, 1, 1), quantity=10, user_id=self.sub_user.id)
        small = self._started_subscription(on=date(2026, 1, 1), quantity=1)
        self.assertEqual(big.mrr_company, 100)
        with freeze_time("2026-01-10"):
            (big | small).action_cancel(self.reason.id)
        lead = self._opportunities(big, "save")
        self.assertEqual(len(lead), 1)
        self.assertIn("Too expensive", lead.description)
        self.assertFalse(self._opportunities(small))
        # Undone and scheduled again in the same period: still one.
        with freeze_time("2026-01-11"):
            big.action_undo_cancel()
            big.action_cancel(self.reason.id)
        self.assertEqual(len(self._opportunities(big, "save")), 1)

    def test_no_save_opportunity_without_threshold(self):
        self.company.subscription_save_opportunity_mrr = 0
        sub = self._started_subscription(on=date(2026, 1, 1), quantity=10)
        with freeze_time("2026-01-10"):
            sub.action_cancel(self.reason.id)
        self.assertFalse(self._opportunities(sub))

    def test_expansion_for_promoters_below_the_top_tier(self):
        basic = self._started_subscription(on=date(2026, 1, 1))
        nps = self.env.ref("subscription_engagement.survey_nps")
        question = nps.question_ids.filtered(lambda q: q.question_type == "scale")
        for score, expected in ((8, 0), (10, 1), (9, 1)):
            answer = self.env["survey.user_input"].create(
                {"survey_id": nps.id, "partner_id": self.customer.id, "subscription_id": basic.id}
            )
            answer._save_lines(question, str(score))
            answer._mark_done()
            with self.subTest(score=score):
                self.assertEqual(len(self._opportunities(basic, "expansion")), expected)
        lead = self._opportunities(basic, "expansion")
        self.assertIn(self.tier_pro.name, lead.name)

    def test_rights(self):
        sub = self._started_subscription(on=date(2026, 1, 1), cycle=self.yearly)
        lead = sub._crm_create_opportunities("renewal")
        self.assertEqual(len(lead), 1)
        self.assertFalse(sub._crm_create_opportunities("renewal"), "never twice")
        # A subscription user without CRM rights still opens the subscription.
        self.assertFalse(self.sub_user.has_group("sales_team.group_sale_salesman"))
        self.assertEqual(sub.with_user(self.sub_user).opportunity_count, 1)
        with self.assertRaises(AccessError):
            lead.with_user(self.portal_user).read(["name"])
        with self.assertRaises(AccessError):
            lead.with_user(self.internal_user).read(["subscription_id"])
