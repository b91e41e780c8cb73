# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class SubscriptionEvent(models.Model):
    _inherit = "subscription.event"

    def _engagement_send(self, occasion, template, once=False, marketing=False):
        """Queue ``template`` (on subscriptions) for the subscriptions of
        these ledger events: once per event (a plan change, a pause...), or
        with ``once`` once in each subscription's life (the first renewal).
        Called by the automation rules on new events; see
        ``subscription.subscription._engagement_send``."""
        subscriptions = self.subscription_id
        if once:
            return subscriptions._engagement_send(occasion, template, marketing=marketing)
        keys = {event.subscription_id.id: f"event-{event.id}" for event in self.sorted("id")}
        return subscriptions._engagement_send(
            occasion, template, marketing=marketing, period_keys=keys
        )
