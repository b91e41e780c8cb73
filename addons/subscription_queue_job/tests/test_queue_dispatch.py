# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date
from unittest.mock import patch

import odoo
from odoo.tests import freeze_time, tagged

from .common import QueueJobCommon


@tagged("post_install", "-at_install")
class TestQueueDispatch(QueueJobCommon):
    """The scheduled actions queue one job per batch, with identity keys."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.subs = cls._start_subscriptions([date(2026, 4, day) for day in (1, 2, 3, 4, 5)])
        cls.env["ir.config_parameter"].sudo().set_param("subscription_core.batch_size", 2)

    def test_mode_decides_who_does_the_work(self):
        dispatcher = self.env["subscription.queue.dispatcher"]
        self.assertFalse(dispatcher._use_jobs(), "auto: no job runner loaded in tests")
        with patch.object(odoo.conf, "server_wide_modules", ["base", "web", "queue_job"]):
            self.assertTrue(dispatcher._use_jobs(), "auto: queue_job loaded server-wide")
            self._set_mode("cron")
            self.assertFalse(dispatcher._use_jobs())
        self._set_mode("queue")
        self.assertTrue(dispatcher._use_jobs())
        self._set_mode("sometimes")
        with self.assertLogs(
            "odoo.addons.subscription_queue_job.models.subscription_queue_dispatcher",
            "WARNING",
        ) as logs:
            self.assertFalse(dispatcher._use_jobs())
        self.assertIn("unknown mode 'sometimes'", logs.output[0])

    def test_without_jobs_the_cron_renews_itself(self):
        self._set_mode("cron")
        with self.trap_jobs() as trap, freeze_time("2026-05-06"):
            result = self.subs._cron_process_due()
            trap.assert_jobs_count(0)
        self.assertEqual(result["done"], 2, "one batch, as without the addon")
        renewed = self.subs.filtered(lambda s: s.current_period_start.month == 5)
        self.assertEqual(len(renewed), 2)

    def test_one_job_per_batch(self):
        self._set_mode("queue")
        Sub = self.env["subscription.subscription"]
        with self.trap_jobs() as trap, freeze_time("2026-05-06"):
            result = Sub._cron_process_due()
            trap.assert_jobs_count(3, only=Sub._job_process_due)
            for slot in range(3):
                trap.assert_enqueued_job(
                    Sub._job_process_due,
                    kwargs={"batch_size": 2},
                    properties={"identity_key": f"subscription_queue_job:renewal:{slot}"},
                )
        self.assertEqual(result, {"done": 0, "failed": 0, "remaining": 5, "jobs": 3})
        self.assertEqual(
            self.subs.mapped("current_period_start"),
            [date(2026, 4, day) for day in (1, 2, 3, 4, 5)],
            "nothing renewed by the scheduled action itself",
        )

    def test_batch_size_argument_and_job_description(self):
        self._set_mode("queue")
        with freeze_time("2026-05-06"):
            self.env["subscription.subscription"]._cron_process_due(batch_size=4)
        jobs = self._stage_jobs("renewal")
        self.assertEqual(len(jobs), 2)
        self.assertEqual(set(jobs.mapped("channel")), {"root.subscription.renewal"})
        self.assertEqual(
            jobs.mapped("name"),
            [
                "Subscriptions: renewals, batch 1 of 2",
                "Subscriptions: renewals, batch 2 of 2",
            ],
        )
        self.assertEqual(jobs.mapped("kwargs"), [{"batch_size": 4}] * 2)

    def test_running_the_cron_again_adds_no_duplicate(self):
        self._set_mode("queue")
        Sub = self.env["subscription.subscription"]
        with freeze_time("2026-05-06"):
            Sub._cron_process_due()
            second = Sub._cron_process_due()
        self.assertEqual(second["jobs"], 0)
        jobs = self._stage_jobs("renewal")
        self.assertEqual(
            sorted(jobs.mapped("identity_key")),
            [f"subscription_queue_job:renewal:{slot}" for slot in range(3)],
        )
        # A job running holds its batch: still no new job for it.
        jobs[0].state = "started"
        with freeze_time("2026-05-06"):
            self.assertEqual(Sub._cron_process_due()["jobs"], 0)
        # Done jobs free their slot: a new job only for what is still due.
        jobs.state = "done"
        with freeze_time("2026-05-06"):
            self.assertEqual(Sub._cron_process_due()["jobs"], 3)
        self.assertEqual(len(self._stage_jobs("renewal")), 3)

    def test_nothing_due_queues_nothing(self):
        self._set_mode("queue")
        with freeze_time("2026-04-20"):
            result = self.env["subscription.subscription"]._cron_process_due()
            invoicing = self.env["subscription.billing.period"]._cron_invoice_periods()
            charging = self.env["subscription.payment.attempt"]._cron_process_attempts()
        self.assertEqual([result["jobs"], invoicing["jobs"], charging["jobs"]], [0, 0, 0], "no job")
        self.assertFalse(
            self.env["queue.job"].sudo().search([("channel", "=like", "root.subscription%")])
        )

    def test_max_jobs(self):
        self._set_mode("queue")
        self.env["ir.config_parameter"].sudo().set_param("subscription_queue_job.max_jobs", 2)
        with freeze_time("2026-05-06"):
            result = self.env["subscription.subscription"]._cron_process_due(batch_size=1)
        self.assertEqual(result["jobs"], 2, "at most 2 jobs queued at once")

    def test_invoicing_and_charging_queue_their_batches(self):
        self._set_mode("queue")
        Period = self.env["subscription.billing.period"]
        Attempt = self.env["subscription.payment.attempt"]
        subs = self._start_subscriptions(
            [date(2026, 4, 6), date(2026, 4, 7)],
            payment_token_id=self.token_ok.id,
            billing_mode="auto_charge",
        )
        self.assertEqual(len(subs.payment_attempt_ids), 2)
        # Two periods started but not invoiced yet (e.g. after an outage).
        self.subs[:3].billing_period_ids.sudo().write({"state": "to_invoice"})
        with self.trap_jobs() as trap, freeze_time("2026-05-06 10:00:00"):
            invoicing = Period._cron_invoice_periods(batch_size=2)
            charging = Attempt._cron_process_attempts(batch_size=1)
            trap.assert_jobs_count(2, only=Period._job_invoice_periods)
            trap.assert_jobs_count(2, only=Attempt._job_process_attempts)
            for slot in range(2):
                trap.assert_enqueued_job(
                    Period._job_invoice_periods,
                    kwargs={"batch_size": 2},
                    properties={"identity_key": f"subscription_queue_job:invoicing:{slot}"},
                )
                trap.assert_enqueued_job(
                    Attempt._job_process_attempts,
                    kwargs={"batch_size": 1},
                    properties={"identity_key": f"subscription_queue_job:charging:{slot}"},
                )
        self.assertEqual((invoicing["remaining"], charging["remaining"]), (3, 2))
        self.assertEqual(subs.payment_attempt_ids.mapped("state"), ["scheduled"] * 2)

    def test_job_functions_channels_and_commits(self):
        functions = self.env["queue.job.function"].sudo()
        config = {
            method: functions.job_config(functions.job_function_name(model, method))
            for model, method in (
                ("subscription.subscription", "_job_process_due"),
                ("subscription.billing.period", "_job_invoice_periods"),
                ("subscription.payment.attempt", "_job_process_attempts"),
            )
        }
        self.assertEqual(
            {method: (cfg.channel, cfg.allow_commit) for method, cfg in config.items()},
            {
                "_job_process_due": ("root.subscription.renewal", False),
                "_job_invoice_periods": ("root.subscription.invoicing", False),
                "_job_process_attempts": ("root.subscription.charging", True),
            },
        )
