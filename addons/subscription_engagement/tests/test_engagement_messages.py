# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime, timedelta

from odoo.tests import freeze_time, tagged

from .common import EngagementCommon


@tagged("post_install", "-at_install")
class TestEngagementMessages(EngagementCommon):
    def test_welcome_once_at_trial_start(self):
        sub = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_enterprise)
        self.assertEqual(sub.state, "trial")
        log = self._logs(sub, "welcome")
        self.assertEqual(len(log), 1)
        self.assertEqual(log.period_key, "once")
        self.assertEqual(log.template_id, self.tmpl_welcome)
        self.assertEqual(log.company_id, sub.company_id)
        mail = self._mails(sub, self.tmpl_welcome)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertIn(sub.get_portal_url(), mail.body_html)
        # Converting the trial is not a second welcome.
        with freeze_time("2026-01-05"):
            sub.action_activate()
        self.assertEqual(sub.state, "active")
        self.assertEqual(len(self._logs(sub, "welcome")), 1)
        self.assertEqual(len(self._mails(sub, self.tmpl_welcome)), 1)

    def test_welcome_at_activation(self):
        with freeze_time("2026-01-31"):
            sub = self._new_subscription(date_start=date(2026, 1, 31))
            self.assertFalse(self._logs(sub))
            sub.action_start()
        self.assertEqual(sub.state, "active")
        self.assertEqual(self._logs(sub).mapped("occasion"), ["welcome"])

    def test_trial_ending_three_days_before(self):
        sub = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_enterprise)
        self.assertEqual(sub.trial_end_date, date(2026, 1, 15))
        self._run_automation_cron(datetime(2026, 1, 11, 23, 0))
        self.assertFalse(self._logs(sub, "trial_ending"))
        self._run_automation_cron(datetime(2026, 1, 12, 1, 0))
        log = self._logs(sub, "trial_ending")
        self.assertEqual(len(log), 1)
        self.assertEqual(log.period_key, "2026-01-15")
        self.assertEqual(len(self._mails(sub, self.tmpl_trial_ending)), 1)
        # Re-runs, later runs, and a rule whose last run was lost send nothing more.
        self._run_automation_cron(datetime(2026, 1, 12, 5, 0))
        self._run_automation_cron(datetime(2026, 1, 13, 1, 0))
        self.env.ref("subscription_engagement.automation_trial_ending").sudo().last_run = False
        self._run_automation_cron(datetime(2026, 1, 13, 2, 0))
        self.assertEqual(len(self._logs(sub, "trial_ending")), 1)
        self.assertEqual(len(self._mails(sub, self.tmpl_trial_ending)), 1)

    def test_reminder_days_per_cycle(self):
        ref = self.env.ref
        self.assertEqual(ref("subscription_core.cycle_monthly").reminder_days, 3)
        self.assertEqual(ref("subscription_core.cycle_quarterly").reminder_days, 7)
        self.assertEqual(ref("subscription_core.cycle_yearly").reminder_days, 30)
        self.assertEqual(self.weekly.reminder_days, 1)
        sub = self._started_subscription(on=date(2026, 1, 1), cycle=self.yearly)
        self.assertEqual(sub.current_period_end, date(2027, 1, 1))
        self.assertEqual(sub.renewal_reminder_date, date(2026, 12, 2))
        self.yearly.reminder_days = 45
        self.assertEqual(sub.renewal_reminder_date, date(2026, 11, 17))

    def test_renewal_reminder_on_its_day_once_per_period(self):
        sub = self._started_subscription(on=date(2026, 1, 1), cycle=self.quarterly)
        self.assertEqual(sub.current_period_end, date(2026, 4, 1))
        self.assertEqual(sub.renewal_reminder_date, date(2026, 3, 25))
        self._run_automation_cron(datetime(2026, 3, 24, 22, 0))
        self.assertFalse(self._logs(sub, "renewal_reminder"))
        self._run_automation_cron(datetime(2026, 3, 25, 1, 0))
        self._run_automation_cron(datetime(2026, 3, 25, 5, 0))
        self._run_automation_cron(datetime(2026, 3, 26, 1, 0))
        log = self._logs(sub, "renewal_reminder")
        self.assertEqual(log.mapped("period_key"), ["2026-04-01"])
        self.assertEqual(len(self._mails(sub, self.tmpl_reminder)), 1)
        # The next period gets its own reminder, once.
        with freeze_time("2026-04-01"):
            self.env["subscription.subscription"]._cron_process_due()
        self.assertEqual(sub.current_period_end, date(2026, 7, 1))
        self._run_automation_cron(datetime(2026, 6, 24, 1, 0))
        self._run_automation_cron(datetime(2026, 6, 24, 3, 0))
        logs = self._logs(sub, "renewal_reminder")
        self.assertEqual(sorted(logs.mapped("period_key")), ["2026-04-01", "2026-07-01"])

    def test_no_reminder_when_cancelling(self):
        sub = self._started_subscription(on=date(2026, 1, 1), cycle=self.quarterly)
        with freeze_time("2026-02-01"):
            sub.action_cancel(self.reason.id)
        self._run_automation_cron(datetime(2026, 3, 25, 1, 0))
        self.assertFalse(self._logs(sub, "renewal_reminder"))

    def test_cancellation_confirmation_once(self):
        sub = self._started_subscription(on=date(2026, 1, 1))
        with freeze_time("2026-01-10"):
            sub.action_cancel(self.reason.id, feedback="Too expensive")
        self.assertTrue(sub.cancel_at_period_end)
        log = self._logs(sub, "cancellation")
        self.assertEqual(log.period_key, sub.current_period_end.isoformat())
        mail = self._mails(sub, self.tmpl_cancellation)
        self.assertEqual(len(mail), 1)
        self.assertIn(sub.get_portal_url(), mail.body_html)
        self.assertIn("undo the cancellation", mail.body_html)
        # The cancellation taking effect at the end of the period is not a
        # second confirmation.
        with freeze_time(sub.current_period_end):
            self.env["subscription.subscription"]._cron_process_due()
        self.assertEqual(sub.state, "cancelled")
        self.assertEqual(len(self._logs(sub, "cancellation")), 1)
        self.assertEqual(len(self._mails(sub, self.tmpl_cancellation)), 1)

    def test_immediate_cancellation_confirmed(self):
        sub = self._started_subscription(on=date(2026, 1, 1))
        with freeze_time("2026-01-10"):
            sub.action_cancel(self.reason.id, at_period_end=False)
        self.assertEqual(sub.state, "cancelled")
        self.assertEqual(len(self._logs(sub, "cancellation")), 1)
        mail = self._mails(sub, self.tmpl_cancellation)
        self.assertIn("The service ended on", mail.body_html)

    def test_templates_render(self):
        trial = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_enterprise)
        active = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_pro, quantity=2)
        subs = trial | active
        templates = self.tmpl_welcome | self.tmpl_trial_ending
        templates |= self.tmpl_reminder | self.tmpl_cancellation
        for template in templates:
            subjects = template._render_field("subject", subs.ids)
            bodies = template._render_field("body_html", subs.ids)
            for sub in subs:
                with self.subTest(template=template.name, sub=sub.name):
                    self.assertTrue(subjects[sub.id])
                    body = str(bodies[sub.id])
                    self.assertIn(sub.partner_id.name, body)
                    self.assertIn(sub.tier_id.name, body)
                    self.assertIn(sub.get_portal_url(), body)
        body = str(self.tmpl_reminder._render_field("body_html", active.ids)[active.id])
        self.assertIn("60.00", body)  # 2 seats of Pro at 30.00 a month

    def test_send_claims_each_period_once(self):
        subs = self._started_subscription(on=date(2026, 1, 1))
        subs |= self._started_subscription(on=date(2026, 1, 1), partner=self.other_customer)
        mails_before = self.env["mail.mail"].search_count([])
        with freeze_time("2026-01-20"):
            sent = subs._engagement_send(
                "test_occasion", self.tmpl_reminder, key_field="current_period_end"
            )
            self.assertEqual(sent, subs)
            self.assertFalse(
                subs._engagement_send(
                    "test_occasion", self.tmpl_reminder, key_field="current_period_end"
                )
            )
            # Another occasion or period is another message.
            self.assertEqual(subs[0]._engagement_send("other", self.tmpl_reminder), subs[0])
        self.assertEqual(self.env["mail.mail"].search_count([]), mails_before + 3)
        self.assertEqual(self.Log.search_count([("subscription_id", "in", subs.ids)]), 5)

    def test_send_skips_past_and_empty_dates(self):
        sub = self._started_subscription(on=date(2026, 1, 1))
        end = sub.current_period_end
        with freeze_time(end + timedelta(days=1)):
            self.assertFalse(
                sub._engagement_send(
                    "late", self.tmpl_reminder, key_field="current_period_end", upcoming=True
                )
            )
            self.assertFalse(sub._engagement_send("none", self.tmpl_reminder, "trial_end_date"))
        self.assertFalse(self._logs(sub).filtered(lambda log: log.occasion in ("late", "none")))

    def test_send_bad_input(self):
        sub = self._started_subscription(on=date(2026, 1, 1))
        logs_before = self.Log.search_count([])
        partner_template = self.env["mail.template"].create(
            {"name": "Partner template", "model_id": self.env.ref("base.model_res_partner").id}
        )
        with self.assertRaises(ValueError):
            sub._engagement_send("x", partner_template)
        with self.assertRaises(ValueError):
            sub._engagement_send("", self.tmpl_reminder)
        with self.assertRaises(ValueError):
            sub._engagement_send("x", self.env["mail.template"])
        self.assertEqual(self.Log.search_count([]), logs_before)

    def test_plan_is_data(self):
        """The plan is four automation rules, editable, not updated by upgrades."""
        Data = self.env["ir.model.data"]
        for occasion, template in (
            ("welcome", self.tmpl_welcome),
            ("trial_ending", self.tmpl_trial_ending),
            ("renewal_reminder", self.tmpl_reminder),
            ("cancellation", self.tmpl_cancellation),
        ):
            with self.subTest(occasion=occasion):
                rule = self.env.ref(f"subscription_engagement.automation_{occasion}")
                self.assertTrue(rule.active)
                self.assertEqual(rule.model_id.model, "subscription.subscription")
                action = rule.action_server_ids
                self.assertEqual(len(action), 1)
                self.assertEqual(action.state, "code")
                self.assertIn(f'"{occasion}"', action.code)
                self.assertIn(template.get_external_id()[template.id], action.code)
                for record in (rule, action, template):
                    xmlid = Data.search([("model", "=", record._name), ("res_id", "=", record.id)])
                    self.assertTrue(xmlid.noupdate)

    def test_crash_after_claim_sends_later_once(self):
        """The claim and the mails are one transaction: a crash after the
        claim leaves neither, and the next run sends the message once."""
        sub = self._started_subscription(on=date(2026, 1, 1))
        mails_before = self.env["mail.mail"].search_count([])
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            self.assertEqual(sub._engagement_send("crash_test", self.tmpl_reminder), sub)
            raise RuntimeError("worker killed")
        self.env.invalidate_all()
        self.assertFalse(self._logs(sub, "crash_test"))
        self.assertEqual(self.env["mail.mail"].search_count([]), mails_before)
        self.assertEqual(sub._engagement_send("crash_test", self.tmpl_reminder), sub)
        self.assertFalse(sub._engagement_send("crash_test", self.tmpl_reminder))
        self.assertEqual(self.env["mail.mail"].search_count([]), mails_before + 1)
