# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import threading
import time
import uuid
from datetime import date
from unittest.mock import patch

import psycopg2.errors

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import TransactionCase, freeze_time, tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.controllers.main import RunJobController

CHANNELS = "root.subscription.%"


@tagged("post_install", "-at_install")
class TestQueueWorkers(TransactionCase):
    """Two job workers on two real database connections take the renewal
    and invoicing jobs at the same time, through queue_job's own job
    controller: every subscription is renewed once and every period billed
    once. The data is committed for real (on the main company, which gets
    the generic chart of accounts if it has none), then removed."""

    COUNT = 8

    def setUp(self):
        super().setUp()
        self.dbname = self.env.cr.dbname
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            company = env.ref("base.main_company")
            if not env["account.journal"].search_count(
                [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
            ):
                env["account.chart.template"].try_loading(
                    "generic_coa", company=company, install_demo=False
                )
            partners = env["res.partner"].create([{"name": f"Queue worker {i}"} for i in range(4)])
            product = env["product.product"].create({"name": "Queue workers", "type": "service"})
            tier = env["subscription.tier"].create(
                {
                    "name": "Queue workers",
                    "code": f"queue-{uuid.uuid4().hex}",
                    "product_id": product.id,
                    "company_id": company.id,
                }
            )
            cycle = env["subscription.cycle"].create(
                {
                    "name": "Queue workers monthly",
                    "interval_unit": "month",
                    "interval_count": 1,
                }
            )
            env["subscription.price"].create(
                {
                    "tier_id": tier.id,
                    "cycle_id": cycle.id,
                    "currency_id": company.currency_id.id,
                    "amount": 10.0,
                }
            )
            with freeze_time("2026-01-10"):
                subs = (
                    env["subscription.subscription"]
                    .with_company(company)
                    .create(
                        [
                            {
                                "partner_id": partners[i % 4].id,
                                "tier_id": tier.id,
                                "cycle_id": cycle.id,
                                "company_id": company.id,
                                "date_start": date(2026, 1, 10),
                            }
                            for i in range(self.COUNT)
                        ]
                    )
                )
                subs.action_start()
            # commit: the workers' connections must see the data
            cr.commit()  # pylint: disable=invalid-commit
            self.ids = {
                "partners": partners.ids,
                "tier": tier.id,
                "cycle": cycle.id,
                "product": product.id,
                "subs": subs.ids,
            }
        self.addCleanup(self._remove_committed_data)

    def _cursor(self):
        cr = sql_db.db_connect(self.dbname).cursor()
        cr.transaction = api.Transaction(self.registry)
        return cr

    def _remove_committed_data(self):
        with self._cursor() as cr:
            subs = self.ids["subs"]
            cr.execute("DELETE FROM queue_job WHERE channel LIKE %s", [CHANNELS])
            cr.execute("DELETE FROM account_move WHERE subscription_id = ANY(%s)", [subs])
            # The ledger restricts deleting its subscriptions (test data only).
            cr.execute("DELETE FROM subscription_event WHERE subscription_id = ANY(%s)", [subs])
            cr.execute("DELETE FROM subscription_subscription WHERE id = ANY(%s)", [subs])
            cr.execute("DELETE FROM subscription_price WHERE tier_id = %s", [self.ids["tier"]])
            cr.execute("DELETE FROM subscription_tier WHERE id = %s", [self.ids["tier"]])
            cr.execute("DELETE FROM subscription_cycle WHERE id = %s", [self.ids["cycle"]])
            cr.execute("DELETE FROM product_product WHERE id = %s", [self.ids["product"]])
            cr.execute("DELETE FROM res_partner WHERE id = ANY(%s)", [self.ids["partners"]])

    def _fetch(self, query, params):
        with self._cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall()

    def _worker(self, name, start, performed, errors):
        """A job worker: takes the enqueued subscription jobs one at a time
        through queue_job's controller (which locks the job), as the job
        runner's HTTP requests make Odoo workers do, until none is left.
        Jobs the other worker holds or ran are skipped; a serialization
        failure outside the job is rolled back and tried again, as Odoo's
        HTTP layer does (inside the job, the controller postpones it)."""
        try:
            start.wait(timeout=30)
            for _round in range(300):
                with self._cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    try:
                        taken = self._take_one_job(env, name, performed)
                    except psycopg2.errors.SerializationFailure:
                        cr.rollback()
                        continue
                    if taken is None:
                        return
                    if not taken:
                        time.sleep(0.05)  # the other worker holds what is left
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    def _take_one_job(self, env, name, performed):
        """Run one enqueued job: True, False if none could be taken, None
        when no subscription job is left at all."""
        cr = env.cr
        # The job runner's part: pending jobs become enqueued.
        cr.execute(
            "UPDATE queue_job SET state = 'enqueued', date_enqueued = now() "
            "WHERE state = 'pending' AND channel LIKE %s",
            [CHANNELS],
        )
        # commit: the workers' own cursors must see the enqueued jobs.
        cr.commit()  # pylint: disable=invalid-commit
        cr.execute(
            "SELECT uuid, state FROM queue_job WHERE channel LIKE %s "
            "AND state IN ('pending', 'enqueued', 'started') ORDER BY id",
            [CHANNELS],
        )
        rows = cr.fetchall()
        if not rows:
            return None
        for job_uuid, state in rows:
            if state != "enqueued":
                continue
            job = RunJobController._acquire_job(env, job_uuid)
            if job:
                RunJobController._runjob(env, job)
                # commit: what the controller does outside tests
                cr.commit()  # pylint: disable=invalid-commit
                if job.state == "done":  # not postponed by a serialization failure
                    performed.append((name, job_uuid))
                return True
        return False

    def test_two_workers_take_batches_at_once(self):
        subs = self.ids["subs"]
        performed, errors = [], []
        Dispatcher = type(self.env["subscription.queue.dispatcher"])
        with (
            freeze_time("2026-02-10"),
            patch.object(Dispatcher, "_use_jobs", lambda self: True),
            patch.object(type(self.env["ir.cron"]), "_notify_progress"),
            # The cursors queue_job opens for itself (to postpone a job hit
            # by a serialization failure): ready-made transactions, as the
            # registry lock is held by the test runner.
            patch.object(self.registry, "cursor", self._cursor),
            # a job both workers reach is taken by one; the other is told
            mute_logger("odoo.sql_db", "odoo.addons.queue_job.controllers.main"),
        ):
            with self._cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                result = env["subscription.subscription"]._cron_process_due(batch_size=3)
                # commit: as the cron runner does after the scheduled action
                cr.commit()  # pylint: disable=invalid-commit
            self.assertEqual(result["jobs"], 3, "8 due subscriptions, batches of 3")
            start = threading.Barrier(2)
            threads = [
                threading.Thread(target=self._worker, args=(name, start, performed, errors))
                for name in ("worker-1", "worker-2")
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=180)
        self.assertFalse(errors)
        self.assertEqual(
            len({job_uuid for _name, job_uuid in performed}),
            len(performed),
            "each job run once",
        )
        states = self._fetch(
            "SELECT state, count(*) FROM queue_job WHERE channel LIKE %s GROUP BY state",
            [CHANNELS],
        )
        self.assertEqual([state for state, _count in states], ["done"], "every job done")
        renewals = self._fetch(
            "SELECT subscription_id, count(*) FROM subscription_event "
            "WHERE subscription_id = ANY(%s) AND event_type = 'renewed' GROUP BY subscription_id",
            [subs],
        )
        self.assertEqual(sorted(count for _sub, count in renewals), [1] * self.COUNT)
        invoices = self._fetch(
            "SELECT count(*), count(DISTINCT (subscription_id, subscription_period_start)) "
            "FROM account_move WHERE subscription_id = ANY(%s) "
            "AND subscription_invoice_kind = 'period'",
            [subs],
        )
        self.assertEqual(invoices, [(2 * self.COUNT, 2 * self.COUNT)], "each period billed once")
