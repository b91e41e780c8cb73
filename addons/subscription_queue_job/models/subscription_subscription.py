# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class SubscriptionSubscription(models.Model):
    """The renewal engine as queue jobs."""

    _inherit = "subscription.subscription"

    @api.model
    def _cron_process_due(self, batch_size=None):
        """When the scheduled actions queue jobs (see
        ``subscription.queue.dispatcher._use_jobs``), queue one renewal job
        per batch of due subscriptions instead of renewing them here;
        otherwise renew as without this addon."""
        dispatcher = self.env["subscription.queue.dispatcher"]
        if dispatcher._use_jobs():
            return dispatcher._dispatch("renewal", batch_size=batch_size)
        return super()._cron_process_due(batch_size=batch_size)

    @api.model
    def _job_process_due(self, batch_size=None):
        """Renew one batch of due subscriptions (queue job): the renewal
        engine's own batch, rows taken with ``FOR UPDATE SKIP LOCKED``, a
        failing subscription left alone (``_process_due_batch``). Then
        queues the jobs for what is left and for invoicing the periods it
        started."""
        # The scheduled action's own batch (the parent's), not the override
        # above, which would queue jobs again.
        # pylint: disable-next=super-method-mismatch
        result = super()._cron_process_due(batch_size=batch_size)
        self.env["subscription.queue.dispatcher"]._after_batch("renewal", result)
        return result

    @api.model
    def _queue_job_batch_size(self):
        return self._get_batch_limits()[0]

    @api.model
    def _queue_job_due_count(self):
        """Subscriptions due now, each company on its own date. A company
        with nothing due gets the engine triggered on its next due date,
        as the renewal engine does."""
        due = 0
        for company in self._get_engine_companies():
            today = company._subscription_today()
            engine = company._subscription_env(self)
            left = engine.search_count(
                [("company_id", "=", company.id), *self._get_due_domain(today)]
            )
            due += left
            if not left:
                engine._schedule_next_run(today, company)
        return due

    @api.model
    def _queue_job_description(self, number, count):
        return self.env._(
            "Subscriptions: renewals, batch %(number)s of %(count)s",
            number=number,
            count=count,
        )
