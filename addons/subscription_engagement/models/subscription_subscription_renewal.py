# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, models

from .subscription_event import DEFER_KEY


class SubscriptionSubscription(models.Model):
    _inherit = "subscription.subscription"

    @api.model
    def _cron_process_due(self, batch_size=None):
        """The renewal engine's batch with the messages of its ledger events
        (first renewal, reactivation, resume...) sent together at its end:
        rendering a template once per subscription was more than half of a
        renewal's time (profiled, ``bin/bench --only billing``)."""
        if self.env.context.get(DEFER_KEY) is not None:
            return super()._cron_process_due(batch_size=batch_size)
        deferred = defaultdict(list)  # (occasion, template id, once, marketing) -> event ids
        result = super(
            SubscriptionSubscription, self.with_context(**{DEFER_KEY: deferred})
        )._cron_process_due(batch_size=batch_size)
        self.env["subscription.event"]._engagement_send_deferred(deferred)
        return result
