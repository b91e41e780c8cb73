# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from collections import namedtuple

import odoo
from odoo import api, models

from ..tools import batching

_logger = logging.getLogger(__name__)

MODE_PARAM = "subscription_queue_job.mode"
MAX_JOBS_PARAM = "subscription_queue_job.max_jobs"
DEFAULT_MAX_JOBS = 1000

Stage = namedtuple("Stage", "model method next_stage")

#: The scheduled actions turned into jobs: the model, its job method (one
#: bounded batch) and the stage its batches give work to.
STAGES = {
    "renewal": Stage("subscription.subscription", "_job_process_due", "invoicing"),
    "invoicing": Stage("subscription.billing.period", "_job_invoice_periods", "charging"),
    "charging": Stage("subscription.payment.attempt", "_job_process_attempts", None),
}


class SubscriptionQueueDispatcher(models.AbstractModel):
    """Turns the renewal, invoicing and charging scheduled actions into
    ``queue.job`` records, one per batch.

    Each stage's model provides ``_queue_job_due_count()`` (records due
    now), ``_queue_job_batch_size()`` (records per batch, the system
    parameters of its scheduled action) and ``_queue_job_description()``;
    its job method runs one batch of the scheduled action's own code, which
    takes its rows with ``FOR UPDATE SKIP LOCKED``: two jobs running at the
    same time, on any server, never take the same record."""

    _name = "subscription.queue.dispatcher"
    _description = "Subscription Queue Jobs Dispatcher"

    @api.model
    def _use_jobs(self):
        """Whether the scheduled actions queue jobs (system parameter
        ``subscription_queue_job.mode``, see ``tools/batching.MODES``)."""
        value = self.env["ir.config_parameter"].sudo().get_param(MODE_PARAM, "auto")
        mode = batching.parse_mode(value)
        if mode is None:
            _logger.warning(
                "System parameter %s: unknown mode %r (auto, queue or cron): using auto",
                MODE_PARAM,
                value,
            )
            mode = "auto"
        return batching.use_jobs(mode, odoo.conf.server_wide_modules or ())

    @api.model
    def _max_jobs(self):
        value = self.env["ir.config_parameter"].sudo().get_param(MAX_JOBS_PARAM)
        return max(1, int(value or DEFAULT_MAX_JOBS))

    @api.model
    def _stage_jobs(self, stage, states):
        return (
            self.env["queue.job"]
            .sudo()
            .search_fetch(
                [
                    ("identity_key", "=like", batching.stage_key_pattern(stage)),
                    ("state", "in", states),
                ],
                ["identity_key"],
            )
        )

    @api.model
    def _dispatch(self, stage, batch_size=None, from_job=False):
        """Queue one job per batch of the records ``stage`` has due, each
        with an identity key: jobs already waiting for a batch are not
        queued again, and running jobs count for their batch (except the
        job calling, ``from_job``: its batch is over). Returns the
        scheduled action's result: nothing done here, the records due in
        ``remaining`` and the number of jobs added in ``jobs``."""
        spec = STAGES[stage]
        model = self.env[spec.model]
        size = batch_size or model._queue_job_batch_size()
        due = model._queue_job_due_count()
        waiting = self._stage_jobs(stage, ["wait_dependencies", "pending", "enqueued"])
        started = len(self._stage_jobs(stage, ["started"])) - (1 if from_job else 0)
        needed = batching.jobs_needed(due, size, self._max_jobs(), started=started)
        slots = batching.free_slots(needed, {batching.slot_of(job.identity_key) for job in waiting})
        total = len(waiting) + len(slots)
        for slot in slots:
            delayed = model.with_delay(
                identity_key=batching.identity_key(stage, slot),
                description=model._queue_job_description(slot + 1, max(total, slot + 1)),
            )
            getattr(delayed, spec.method)(batch_size=size)
        self.env["ir.cron"]._notify_progress(done=len(slots), remaining=0)
        return {"done": 0, "failed": 0, "remaining": due, "jobs": len(slots)}

    @api.model
    def _after_batch(self, stage, result):
        """After a job's batch: when it did something, queue the jobs for
        what is left of its stage and for the stage it gave work to. Each
        job that ends with work left does so: the last one to end leaves
        jobs waiting for all of it (work held by other transactions, that a
        job could not take, is left to the next run of the scheduled action)."""
        if not result.get("done"):
            return
        if result.get("remaining"):
            self._dispatch(stage, from_job=True)
        next_stage = STAGES[stage].next_stage
        if next_stage:
            self._dispatch(next_stage)
