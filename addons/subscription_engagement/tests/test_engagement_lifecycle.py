# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime
from unittest.mock import patch

from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import EngagementCommon


@tagged("post_install", "-at_install")
class TestEngagementLifecycle(EngagementCommon):
    """Onboarding (day 3, day 7) and lifecycle messages: each on its day or
    event, once, and not again on re-runs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.tmpl = {
            name: ref(f"subscription_engagement.mail_template_{name}")
            for name in (
                "getting_started",
                "check_in",
                "trial_converted",
                "first_renewal",
                "plan_change",
                "plan_change_scheduled",
                "paused",
                "resumed",
                "reactivated",
            )
        }
        cls.Sub = cls.env["subscription.subscription"]

    def _occasions(self, sub):
        return sorted(self._logs(sub).mapped("occasion"))

    def _count(self, sub, occasion):
        return len(self._logs(sub, occasion))

    def test_onboarding_on_day_3_and_day_7_once(self):
        sub = self._started_subscription(on=date(2026, 1, 1))
        self._run_automation_cron(datetime(2026, 1, 3, 23, 0))
        self.assertEqual(self._occasions(sub), ["welcome"])
        self._run_automation_cron(datetime(2026, 1, 4, 1, 0))
        self.assertEqual(self._count(sub, "getting_started"), 1)
        self.assertEqual(len(self._mails(sub, self.tmpl["getting_started"])), 1)
        self._run_automation_cron(datetime(2026, 1, 7, 23, 0))
        self.assertEqual(self._count(sub, "check_in"), 0)
        self._run_automation_cron(datetime(2026, 1, 8, 1, 0))
        self.assertEqual(self._count(sub, "check_in"), 1)
        mail = self._mails(sub, self.tmpl["check_in"])
        self.assertEqual(len(mail), 1)
        self.assertIn(self.customer._subscription_unsubscribe_url(), mail.body_html)
        # Re-runs, later runs and lost last runs send nothing more.
        self._run_automation_cron(datetime(2026, 1, 8, 5, 0))
        for xmlid in ("automation_getting_started", "automation_check_in"):
            self.env.ref(f"subscription_engagement.{xmlid}").sudo().last_run = False
        self._run_automation_cron(datetime(2026, 1, 9, 1, 0))
        self.assertEqual(self._count(sub, "getting_started"), 1)
        self.assertEqual(self._count(sub, "check_in"), 1)
        self.assertEqual(len(self._mails(sub, self.tmpl["check_in"])), 1)

    def test_onboarding_not_for_old_customers(self):
        """A rule run for the first time (or after its last run was lost)
        does not onboard subscriptions that started long ago."""
        old = self._started_subscription(on=date(2025, 6, 1))
        for xmlid in ("automation_getting_started", "automation_check_in"):
            self.env.ref(f"subscription_engagement.{xmlid}").sudo().last_run = False
        self._run_automation_cron(datetime(2026, 1, 8, 1, 0))
        self.assertFalse(self._logs(old, "getting_started"))
        self.assertFalse(self._logs(old, "check_in"))

    def test_check_in_honours_opt_out(self):
        self.customer.subscription_marketing_opt_out = True
        sub = self._started_subscription(on=date(2026, 1, 1))
        self._run_automation_cron(datetime(2026, 1, 8, 1, 0))
        # The getting-started guide is part of the service; the check-in is not.
        self.assertTrue(self._logs(sub, "getting_started"))
        self.assertFalse(self._logs(sub, "check_in"))
        self.assertFalse(self._mails(sub, self.tmpl["check_in"]))

    def test_trial_converted_once(self):
        sub = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_enterprise)
        self.assertEqual(self._count(sub, "trial_converted"), 0)
        with freeze_time(sub.trial_end_date):
            self.Sub._cron_process_due()
            self.Sub._cron_process_due()
        self.assertEqual(sub.state, "active")
        self.assertEqual(self._count(sub, "trial_converted"), 1)
        self.assertEqual(len(self._mails(sub, self.tmpl["trial_converted"])), 1)
        self.assertEqual(self._count(sub, "welcome"), 1)

    def test_no_trial_converted_without_trial(self):
        sub = self._started_subscription(on=date(2026, 1, 1))
        self.assertEqual(self._occasions(sub), ["welcome"])

    def test_first_renewal_thanks_only_first(self):
        sub = self._started_subscription(on=date(2026, 1, 1))
        with freeze_time("2026-02-01"):
            self.Sub._cron_process_due()
            self.Sub._cron_process_due()
        self.assertEqual(sub.current_period_start, date(2026, 2, 1))
        self.assertEqual(self._count(sub, "first_renewal"), 1)
        with freeze_time("2026-03-01"):
            self.Sub._cron_process_due()
        self.assertEqual(sub.current_period_start, date(2026, 3, 1))
        self.assertEqual(self._count(sub, "first_renewal"), 1)
        self.assertEqual(len(self._mails(sub, self.tmpl["first_renewal"])), 1)

    def test_renewal_batch_sends_its_messages_together(self):
        """The engine's batch renders the first-renewal template once for
        all its renewals; a subscription whose renewal fails (rolled back)
        gets no message, and the others still renew and get theirs."""
        subs = self.Sub.browse()
        for _i in range(3):
            subs |= self._started_subscription(on=date(2026, 1, 1))
        broken = subs[1]
        template = self.tmpl["first_renewal"]
        Template = type(self.env["mail.template"])
        Sub = type(self.Sub)
        send_mail_batch, renew = Template.send_mail_batch, Sub._renew
        calls = []

        def counting_send(template_self, res_ids, *args, **kwargs):
            if template_self == template:
                calls.append(list(res_ids))
            return send_mail_batch(template_self, res_ids, *args, **kwargs)

        def failing_renew(sub, on_date):
            events = renew(sub, on_date)  # the event and its automation ran
            if sub == broken:
                raise ValueError("renewal broke after its event")
            return events

        with (
            patch.object(Template, "send_mail_batch", counting_send),
            patch.object(Sub, "_renew", failing_renew),
            mute_logger("odoo.addons.subscription_core.models.subscription_subscription_renewal"),
            freeze_time("2026-02-01"),
        ):
            self.Sub._cron_process_due()
        self.assertEqual(sorted(map(sorted, calls)), [sorted((subs - broken).ids)], "one batch")
        for sub in subs - broken:
            self.assertEqual(sub.current_period_start, date(2026, 2, 1))
            self.assertEqual(len(self._mails(sub, template)), 1)
        self.assertTrue(broken.process_error)
        self.assertEqual(broken.current_period_start, date(2026, 1, 1))
        self.assertFalse(self._logs(broken, "first_renewal"))
        self.assertFalse(self._mails(broken, template))
        # The next day's run renews it (both periods) and thanks it once.
        with freeze_time("2026-03-01"):
            self.Sub._cron_process_due()
        self.assertEqual(len(self._mails(broken, template)), 1)

    def test_plan_change_confirmed_per_change(self):
        sub = self._started_subscription(on=date(2026, 1, 1))
        with freeze_time("2026-01-10"):
            sub.change_plan(tier_id=self.tier_pro.id)
            sub.change_plan(quantity=3)
        logs = self._logs(sub, "plan_change")
        self.assertEqual(len(logs), 2)
        events = sub.event_ids.filtered(
            lambda e: e.event_type in ("upgraded", "quantity_changed")
        ).sorted("id")
        self.assertEqual(sorted(logs.mapped("period_key")), sorted(f"event-{e.id}" for e in events))
        body = self.tmpl["plan_change"]._render_field("body_html", sub.ids)[sub.id]
        self.assertIn("Pro", str(body))
        # Sending again for the same events is a no-op.
        self.assertFalse(events._engagement_send("plan_change", self.tmpl["plan_change"]))

    def test_scheduled_plan_change_confirmed_once_per_period(self):
        sub = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_pro)
        with freeze_time("2026-01-10"):
            sub.change_plan(tier_id=self.tier_basic.id)
        self.assertTrue(sub.has_pending_change)
        log = self._logs(sub, "plan_change_scheduled")
        self.assertEqual(log.period_key, "2026-02-01")
        mail = self._mails(sub, self.tmpl["plan_change_scheduled"])
        self.assertEqual(len(mail), 1)
        self.assertIn("Basic", mail.body_html)
        self.assertFalse(self._logs(sub, "plan_change"))
        # Withdrawn and scheduled again in the same period: no second mail.
        with freeze_time("2026-01-11"):
            sub.action_cancel_pending_change()
            sub.change_plan(tier_id=self.tier_basic.id, quantity=2)
        self.assertEqual(len(self._logs(sub, "plan_change_scheduled")), 1)
        # When it applies at the renewal, the change itself is confirmed.
        with freeze_time("2026-02-01"):
            self.Sub._cron_process_due()
        self.assertEqual(sub.tier_id, self.tier_basic)
        self.assertEqual(len(self._logs(sub, "plan_change")), 1)

    def test_pause_resume_reactivation(self):
        sub = self._started_subscription(on=date(2026, 1, 1))
        with freeze_time("2026-01-10"):
            sub.action_pause(until=date(2026, 2, 1))
        self.assertEqual(self._count(sub, "paused"), 1)
        mail = self._mails(sub, self.tmpl["paused"])
        self.assertEqual(len(mail), 1)
        self.assertIn("resumes by itself", mail.body_html)
        with freeze_time("2026-01-20"):
            sub.action_resume()
        self.assertEqual(self._count(sub, "resumed"), 1)
        # Withdrawing a scheduled cancellation is no reactivation...
        with freeze_time("2026-01-21"):
            sub.action_cancel(self.reason.id)
            sub.action_reactivate()
        self.assertEqual(self._count(sub, "reactivated"), 0)
        # ...starting again after the end is one.
        with freeze_time("2026-01-22"):
            sub.action_cancel(self.reason.id, at_period_end=False)
            sub.action_reactivate()
        self.assertEqual(sub.state, "active")
        self.assertEqual(self._count(sub, "reactivated"), 1)
        self.assertEqual(len(self._mails(sub, self.tmpl["reactivated"])), 1)

    def test_templates_render(self):
        sub = self._started_subscription(
            on=date(2026, 1, 1), quantity=2, addons={self.addon_support: 1}
        )
        for name, template in self.tmpl.items():
            with self.subTest(template=name):
                body = str(template._render_field("body_html", sub.ids)[sub.id])
                subject = template._render_field("subject", sub.ids)[sub.id]
                self.assertTrue(subject)
                self.assertIn(sub.get_portal_url(), body)
                self.assertIn("Customer A", body)
                unsubscribe = self.customer._subscription_unsubscribe_url()
                self.assertEqual(unsubscribe in body, name == "check_in")
