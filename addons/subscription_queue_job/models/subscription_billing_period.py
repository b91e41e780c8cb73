# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models

from odoo.addons.subscription_billing.models.subscription_billing_period import (
    DEFAULT_BATCH_SIZE,
)


class SubscriptionBillingPeriod(models.Model):
    """Period invoicing as queue jobs."""

    _inherit = "subscription.billing.period"

    @api.model
    def _cron_invoice_periods(self, batch_size=None):
        """When the scheduled actions queue jobs, queue one invoicing job per
        batch of periods to invoice instead of invoicing them here."""
        dispatcher = self.env["subscription.queue.dispatcher"]
        if dispatcher._use_jobs():
            return dispatcher._dispatch("invoicing", batch_size=batch_size)
        return super()._cron_invoice_periods(batch_size=batch_size)

    @api.model
    def _job_invoice_periods(self, batch_size=None):
        """Invoice one batch of started periods (queue job): the invoicing
        job's own batch, periods claimed with ``FOR UPDATE SKIP LOCKED``,
        oldest first per subscription. Then queues the jobs for what is
        left and for charging the invoices it made."""
        # The scheduled action's own batch (the parent's), not the override
        # above, which would queue jobs again.
        # pylint: disable-next=super-method-mismatch
        result = super()._cron_invoice_periods(batch_size=batch_size)
        self.env["subscription.queue.dispatcher"]._after_batch("invoicing", result)
        return result

    @api.model
    def _queue_job_batch_size(self):
        return self.env["subscription.subscription"]._get_batch_limits(
            prefix="subscription_billing.invoice_batch", default_size=DEFAULT_BATCH_SIZE
        )[0]

    @api.model
    def _queue_job_due_count(self):
        """Periods to invoice now, each company on its own date."""
        due = 0
        for company in self.env["subscription.subscription"]._get_engine_companies():
            periods = company._subscription_env(self)
            due += periods.search_count(
                [
                    ("company_id", "=", company.id),
                    *self._get_due_domain(company._subscription_today()),
                ]
            )
        return due

    @api.model
    def _queue_job_description(self, number, count):
        return self.env._(
            "Subscriptions: period invoices, batch %(number)s of %(count)s",
            number=number,
            count=count,
        )
