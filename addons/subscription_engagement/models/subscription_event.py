# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import api, models

_logger = logging.getLogger(__name__)

#: Context key under which the renewal engine's batch collects the messages
#: of its ledger events (see ``subscription.subscription._cron_process_due``).
DEFER_KEY = "subscription_engagement_deferred"


class SubscriptionEvent(models.Model):
    _inherit = "subscription.event"

    def _engagement_send(self, occasion, template, once=False, marketing=False):
        """Queue ``template`` (on subscriptions, a record or its XML id) for
        the subscriptions of these ledger events: once per event (a plan
        change, a pause...), or with ``once`` once in each subscription's
        life (the first renewal).
        Called by the automation rules on new events; see
        ``subscription.subscription._engagement_send``.

        Inside a batch of the renewal engine the events are only collected
        (nothing is returned): the batch sends them all at its end
        (``_engagement_send_deferred``), one template rendering for the
        batch instead of one per subscription."""
        deferred = self.env.context.get(DEFER_KEY)
        if deferred is not None:
            # An XML id is kept as it is: read once, when the batch sends.
            key = template if isinstance(template, str) else template.id
            deferred[(occasion, key, once, marketing)].extend(self.ids)
            return self.env["subscription.subscription"]
        subscriptions = self.subscription_id
        if once:
            return subscriptions._engagement_send(occasion, template, marketing=marketing)
        keys = {event.subscription_id.id: f"event-{event.id}" for event in self.sorted("id")}
        return subscriptions._engagement_send(
            occasion, template, marketing=marketing, period_keys=keys
        )

    @api.model
    def _engagement_send_deferred(self, deferred):
        """Send the messages collected in ``deferred`` for the events that
        still exist (a subscription whose renewal failed had its events
        rolled back with it), one batch per occasion and template. A batch
        that fails is logged and left: the renewals stand, the message is
        not sent."""
        env = self.env(context={k: v for k, v in self.env.context.items() if k != DEFER_KEY})
        for (occasion, template_id, once, marketing), ids in deferred.items():
            events = env["subscription.event"].browse(ids).exists()
            if not events:
                continue
            template = (
                template_id
                if isinstance(template_id, str)
                else env["mail.template"].browse(template_id)
            )
            try:
                with env.cr.savepoint():
                    events._engagement_send(occasion, template, once=once, marketing=marketing)
            except Exception:  # noqa: BLE001 - the renewals of the batch stand
                _logger.exception(
                    "Engagement %s: %d message(s) of a renewal batch not sent",
                    occasion,
                    len(events),
                )
