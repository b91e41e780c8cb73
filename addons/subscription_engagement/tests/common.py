# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import freeze_time

from odoo.addons.subscription_core.tests.common import SubscriptionCommon


class EngagementCommon(SubscriptionCommon):
    """The suite's catalog and users, plus the shipped templates and rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.tmpl_welcome = ref("subscription_engagement.mail_template_welcome")
        cls.tmpl_trial_ending = ref("subscription_engagement.mail_template_trial_ending")
        cls.tmpl_reminder = ref("subscription_engagement.mail_template_renewal_reminder")
        cls.tmpl_cancellation = ref("subscription_engagement.mail_template_cancellation")
        cls.Log = cls.env["subscription.engagement.log"]

    def _run_automation_cron(self, when):
        """What the cron 'Automation Rules: check and execute' does at ``when``."""
        with freeze_time(when):
            self.env["base.automation"]._check()

    def _logs(self, sub, occasion=None):
        domain = [("subscription_id", "=", sub.id)]
        if occasion:
            domain.append(("occasion", "=", occasion))
        return self.Log.search(domain)

    def _mails(self, sub, template):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "subscription.subscription"),
                ("res_id", "=", sub.id),
                ("subject", "=", template._render_field("subject", sub.ids)[sub.id]),
            ]
        )
