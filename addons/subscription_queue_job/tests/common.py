# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import common as odoo_test_common
from odoo.tests import freeze_time

# queue_job 18.0.3+ registers its method patcher in Odoo's SETATTR_SOURCES,
# which Odoo 18 builds from before June 2025 do not have yet (it only
# quietens a test warning): give those builds an empty one.
if not hasattr(odoo_test_common, "SETATTR_SOURCES"):
    odoo_test_common.SETATTR_SOURCES = {}

from odoo.addons.queue_job.job import Job  # noqa: E402
from odoo.addons.queue_job.tests.common import JobMixin  # noqa: E402
from odoo.addons.subscription_billing.tests.common import BillingCommon  # noqa: E402

MODE_PARAM = "subscription_queue_job.mode"


class QueueJobCommon(BillingCommon, JobMixin):
    """Billing fixtures (see BillingCommon) with helpers to run the
    scheduled actions as queue jobs and perform the jobs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A job whose function allows commits (charging) runs in a cursor of
        # its own: in test mode that cursor is this test's transaction.
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)

    @classmethod
    def _start_subscriptions(cls, days, **vals):
        """Subscriptions started on each of ``days`` (dates), monthly."""
        subs = cls.env["subscription.subscription"]
        for day in days:
            with freeze_time(day):
                sub = subs.create(
                    {
                        "partner_id": cls.customer.id,
                        "tier_id": cls.tier_basic.id,
                        "cycle_id": cls.monthly.id,
                        "date_start": day,
                        **vals,
                    }
                )
                sub.action_start()
            subs |= sub
        return subs

    def _set_mode(self, mode):
        self.env["ir.config_parameter"].sudo().set_param(MODE_PARAM, mode)

    def _stage_jobs(self, stage, states=("pending",)):
        return (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("identity_key", "=like", f"subscription_queue_job:{stage}:%"),
                    ("state", "in", list(states)),
                ],
                order="id",
            )
        )

    def _perform_waiting_jobs(self, when, rounds=20):
        """Perform the subscription jobs waiting in the queue, and the ones
        they queue, as a job runner would (in this transaction). Returns the
        number of jobs performed per stage."""
        performed = {}
        with freeze_time(when):
            for _round in range(rounds):
                records = (
                    self.env["queue.job"]
                    .sudo()
                    .search(
                        [
                            ("channel", "=like", "root.subscription.%"),
                            ("state", "=", "pending"),
                        ],
                        order="id",
                    )
                )
                if not records:
                    return performed
                for record in records:
                    job = Job.load(self.env, record.uuid)
                    job.set_started()
                    job.store()
                    job.perform()
                    job.set_done()
                    job.store()
                    stage = record.identity_key.split(":")[1]
                    performed[stage] = performed.get(stage, 0) + 1
        raise AssertionError(f"jobs still queued after {rounds} rounds")
