# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields, models


class SubscriptionSubscription(models.Model):
    _inherit = "subscription.subscription"

    def _engagement_recent(self, date_field, days):
        """The subscriptions whose ``date_field`` lies within the last
        ``days`` days (today included). A timed rule's first run, or a rule
        added later, finds every old record due: the onboarding rules use
        this so that long-running customers are not 'onboarded' again."""
        today = fields.Date.context_today(self)
        since = today - timedelta(days=days)
        return self.filtered(lambda sub: sub[date_field] and since <= sub[date_field] <= today)
