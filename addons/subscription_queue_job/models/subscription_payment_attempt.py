# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

# The charging job's default batch size (subscription_billing's own): each
# job is given its size explicitly, so the count and the jobs always agree.
DEFAULT_BATCH_SIZE = 200


class SubscriptionPaymentAttempt(models.Model):
    """Charging as queue jobs."""

    _inherit = "subscription.payment.attempt"

    @api.model
    def _cron_process_attempts(self, batch_size=None):
        """When the scheduled actions queue jobs, queue one charging job per
        batch of due payment attempts instead of charging them here."""
        dispatcher = self.env["subscription.queue.dispatcher"]
        if dispatcher._use_jobs():
            return dispatcher._dispatch("charging", batch_size=batch_size)
        return super()._cron_process_attempts(batch_size=batch_size)

    @api.model
    def _job_process_attempts(self, batch_size=None):
        """Charge one batch of due payment attempts (queue job): the charging
        job's own batch, attempts locked with ``FOR UPDATE SKIP LOCKED`` and
        run in two committed phases (the job function allows commits). Then
        queues the jobs for what is left."""
        # The scheduled action's own batch (the parent's), not the override
        # above, which would queue jobs again.
        # pylint: disable-next=super-method-mismatch
        result = super()._cron_process_attempts(batch_size=batch_size)
        self.env["subscription.queue.dispatcher"]._after_batch("charging", result)
        return result

    @api.model
    def _queue_job_batch_size(self):
        return self.env["subscription.subscription"]._get_batch_limits(
            prefix="subscription_billing.attempt_batch", default_size=DEFAULT_BATCH_SIZE
        )[0]

    @api.model
    def _queue_job_due_count(self):
        return self.search_count(self._get_due_domain(fields.Datetime.now()))

    @api.model
    def _queue_job_description(self, number, count):
        return self.env._(
            "Subscriptions: charges, batch %(number)s of %(count)s",
            number=number,
            count=count,
        )
