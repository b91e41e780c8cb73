# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date
from unittest.mock import patch

from odoo.tests import freeze_time, tagged

from odoo.addons.queue_job.job import Job

from .common import QueueJobCommon

WHEN = "2026-05-06 10:00:00"
RENEWAL_LOGGER = "odoo.addons.subscription_core.models.subscription_subscription_renewal"


@tagged("post_install", "-at_install")
class TestQueueJobsRun(QueueJobCommon):
    """Performing the jobs renews, invoices and charges exactly as the
    scheduled actions do without them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        days = [date(2026, 4, day) for day in (1, 2, 3, 4)]
        cls.subs = cls._start_subscriptions(
            days, payment_token_id=cls.token_ok.id, billing_mode="auto_charge"
        ) | cls._start_subscriptions(
            [date(2026, 4, 5)],
            payment_token_id=cls.token_fail.id,
            billing_mode="auto_charge",
        )
        params = cls.env["ir.config_parameter"].sudo()
        for name in (
            "subscription_core.batch_size",
            "subscription_billing.invoice_batch_size",
            "subscription_billing.attempt_batch_size",
        ):
            params.set_param(name, 2)
        with freeze_time("2026-04-05 12:00:00"):
            cls.env["subscription.payment.attempt"]._cron_process_attempts(batch_size=100)

    def _snapshot(self):
        """What the subscriptions look like, without database ids."""
        self.env.invalidate_all()
        return [
            (
                sub.state,
                sub.current_period_start,
                sub.current_period_end,
                [
                    (inv.subscription_period_start, inv.amount_total, inv.payment_state)
                    for inv in sub.invoice_ids.sorted("subscription_period_start")
                ],
                [
                    (attempt.state, attempt.amount, attempt.decline_code)
                    for attempt in sub.payment_attempt_ids.sorted("id")
                ],
                sub.event_ids.sorted("id").mapped("event_type"),
            )
            for sub in self.subs
        ]

    def _run_crons(self):
        """The three scheduled actions, each called until nothing remains."""
        with freeze_time(WHEN):
            for model, method in (
                ("subscription.subscription", "_cron_process_due"),
                ("subscription.billing.period", "_cron_invoice_periods"),
                ("subscription.payment.attempt", "_cron_process_attempts"),
            ):
                for _call in range(10):
                    if not getattr(self.env[model], method)()["remaining"]:
                        break

    def test_jobs_do_what_the_scheduled_actions_do(self):
        before = self._snapshot()
        savepoint = self.env.cr.savepoint()
        self._set_mode("cron")
        self._run_crons()
        expected = self._snapshot()
        savepoint.close(rollback=True)
        self.env.registry.clear_cache()
        self.assertEqual(self._snapshot(), before, "rolled back")
        self.assertEqual(
            [state for state, *_rest in expected],
            ["active"] * 4 + ["past_due"],
            "4 renewed and charged, 1 declined",
        )

        self._set_mode("queue")
        with freeze_time(WHEN):
            result = self.env["subscription.subscription"]._cron_process_due()
        self.assertEqual((result["done"], result["jobs"]), (0, 3), "5 due, batches of 2")
        performed = self._perform_waiting_jobs(WHEN)
        self.assertEqual(performed["renewal"], 3)
        self.assertGreaterEqual(performed["invoicing"], 3)
        self.assertGreaterEqual(performed["charging"], 3)
        self.assertEqual(self._snapshot(), expected)
        self.assertFalse(
            self._stage_jobs("renewal", ("pending", "enqueued", "started", "failed"))
            | self._stage_jobs("invoicing", ("pending", "enqueued", "started", "failed"))
            | self._stage_jobs("charging", ("pending", "enqueued", "started", "failed"))
        )
        # The scheduled actions run again: nothing to queue, nothing changes.
        self._run_crons()
        self.assertFalse(self.env["queue.job"].sudo().search([("state", "=", "pending")]))
        self.assertEqual(self._snapshot(), expected)

    def test_one_failing_subscription_keeps_the_others(self):
        self._set_mode("queue")
        bad = self.subs[1]
        Sub = type(self.subs)
        original = Sub._on_period_started

        def on_period_started(records, event):
            if records == bad:
                raise ValueError("tax service down")
            return original(records, event)

        with freeze_time(WHEN):
            self.subs._cron_process_due()
        with (
            patch.object(Sub, "_on_period_started", on_period_started),
            self.assertLogs(RENEWAL_LOGGER, "WARNING") as logs,
        ):
            self._perform_waiting_jobs(WHEN)
        self.assertIn("tax service down", logs.output[0])
        jobs = self._stage_jobs("renewal", ("done", "failed"))
        self.assertEqual(set(jobs.mapped("state")), {"done"}, "no job failed")
        self.assertEqual(sum(job.result.count("'failed': 1") for job in jobs), 1)
        self.assertIn("tax service down", bad.process_error)
        self.assertEqual(bad.current_period_start, date(2026, 4, 2), "not renewed")
        self.assertEqual(len(bad.invoice_ids), 1)
        for good in self.subs - bad:
            self.assertEqual(good.current_period_start.month, 5, good.name)
            self.assertEqual(len(good.invoice_ids), 2, good.name)

    def test_a_job_that_dies_is_run_again_without_doing_twice(self):
        self._set_mode("queue")
        with freeze_time(WHEN):
            self.subs._cron_process_due()
            first = self._stage_jobs("renewal")[0]
            # The worker dies after the batch, before its commit: everything
            # the job did is rolled back, queue_job finds the job dead
            # (its lock released) and queues it again.
            with self.assertRaisesRegex(RuntimeError, "worker killed"):
                with self.env.cr.savepoint():
                    Job.load(self.env, first.uuid).perform()
                    self.assertEqual(
                        len(self.subs.filtered(lambda s: s.current_period_start.month == 5)), 2
                    )
                    raise RuntimeError("worker killed")
        self.env.invalidate_all()
        self.assertFalse(self.subs.filtered(lambda s: s.current_period_start.month == 5))
        self._perform_waiting_jobs(WHEN)
        for sub in self.subs:
            self.assertEqual(sub.current_period_start.month, 5, sub.name)
            self.assertEqual(sub.event_ids.mapped("event_type").count("renewed"), 1, sub.name)
            self.assertEqual(len(sub.invoice_ids), 2, sub.name)

    def test_a_job_stops_at_its_time_limit_and_queues_the_rest(self):
        """A job is one bounded batch: at most its size and its seconds
        (here 0: one subscription per job); what it leaves is queued."""
        self._set_mode("queue")
        self.env["ir.config_parameter"].sudo().set_param("subscription_core.batch_seconds", 0)
        with freeze_time(WHEN):
            result = self.subs._cron_process_due()
        self.assertEqual(result["jobs"], 3)
        performed = self._perform_waiting_jobs(WHEN)
        self.assertGreaterEqual(performed["renewal"], 5, "one subscription per job")
        jobs = self._stage_jobs("renewal", ("done",))
        self.assertTrue(
            all("'done': 1," in job.result or "'done': 0," in job.result for job in jobs)
        )
        for sub in self.subs:
            self.assertEqual(sub.event_ids.mapped("event_type").count("renewed"), 1, sub.name)
            self.assertEqual(len(sub.invoice_ids), 2, sub.name)
