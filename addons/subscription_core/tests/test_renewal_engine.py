# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import contextlib
import threading
import uuid
from datetime import date
from unittest.mock import patch

import psycopg2.errors

from odoo import SUPERUSER_ID, api, fields, sql_db
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import SubscriptionCommon

# SQL queries the renewal engine may spend per subscription renewed (lock,
# savepoint, period update, event insert, webhooks check...). Guarded so a
# change that adds an N+1 query is caught.
RENEWAL_QUERIES_PER_SUBSCRIPTION = 14


@tagged("post_install", "-at_install")
class TestRenewalEngine(SubscriptionCommon):
    def _run_engine(self, day, batch_size=None):
        with freeze_time(day):
            return self.env["subscription.subscription"]._cron_process_due(batch_size=batch_size)

    def test_renewals_keep_day_of_month(self):
        sub = self._started_subscription(on=date(2027, 1, 31))
        ends = []
        for day in ("2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31"):
            self._run_engine(day)
            ends.append(sub.current_period_end)
        self.assertEqual(
            ends, [date(2027, 3, 31), date(2027, 4, 30), date(2027, 5, 31), date(2027, 6, 30)]
        )
        weekly = self._started_subscription(on=date(2027, 1, 1), cycle=self.weekly)
        self._run_engine("2027-01-08")
        self.assertEqual(weekly.current_period_start, date(2027, 1, 8))
        self.assertEqual(weekly.current_period_end, date(2027, 1, 15))

    def test_catches_up_missed_periods(self):
        sub = self._started_subscription(on=date(2026, 1, 31))
        self._run_engine("2026-05-15")
        self.assertEqual(sub.current_period_start, date(2026, 4, 30))
        self.assertEqual(sub.current_period_end, date(2026, 5, 31))
        renewed = sub.event_ids.filtered(lambda e: e.event_type == "renewed")
        self.assertEqual(
            sorted(renewed.mapped("effective_date")),
            [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)],
        )

    def test_trial_end_cancellation_pause_and_auto_renew(self):
        trial = self._started_subscription(on=date(2026, 5, 1), tier=self.tier_enterprise)
        trial_cancel = self._started_subscription(on=date(2026, 5, 1), tier=self.tier_enterprise)
        trial_cancel.action_cancel(self.reason.id)
        cancelling = self._started_subscription(on=date(2026, 4, 15))
        cancelling.action_cancel(self.reason.id)
        paused = self._started_subscription(on=date(2026, 4, 1))
        with freeze_time("2026-04-10"):
            paused.action_pause(until=date(2026, 5, 15))
        no_renew = self._started_subscription(on=date(2026, 4, 15), auto_renew=False)
        self._run_engine("2026-05-15")
        self.assertEqual(trial.state, "active")
        self.assertEqual(trial.current_period_start, date(2026, 5, 15))
        self.assertEqual(trial.current_period_end, date(2026, 6, 15))
        self.assertEqual(trial_cancel.state, "cancelled")
        self.assertEqual(cancelling.state, "cancelled")
        self.assertEqual(cancelling.cancel_date, date(2026, 5, 15))
        self.assertEqual(cancelling.cancel_reason_id, self.reason)
        self.assertEqual(paused.state, "active")
        self.assertEqual(paused.current_period_start, date(2026, 5, 15))
        self.assertEqual(no_renew.state, "expired")
        self.assertLedgerBalanced(trial | trial_cancel | cancelling | paused | no_renew)

    def test_rerun_changes_nothing(self):
        subs = self.env["subscription.subscription"]
        for day in range(1, 6):
            subs |= self._started_subscription(on=date(2026, 1, day))
        result = self._run_engine("2026-02-10")
        self.assertEqual(result["done"], 5)
        events = self.env["subscription.event"].search_count([])
        periods = subs.mapped("current_period_end")
        result = self._run_engine("2026-02-10")
        self.assertEqual(result["done"], 0)
        self.assertEqual(self.env["subscription.event"].search_count([]), events)
        self.assertEqual(subs.mapped("current_period_end"), periods)
        self.assertLedgerBalanced(subs)

    def test_batches_report_progress(self):
        subs = self.env["subscription.subscription"]
        for day in range(1, 8):
            subs |= self._started_subscription(on=date(2026, 1, day))
        with patch.object(type(self.env["ir.cron"]), "_notify_progress") as notify:
            first = self._run_engine("2026-02-10", batch_size=3)
            second = self._run_engine("2026-02-10", batch_size=3)
            third = self._run_engine("2026-02-10", batch_size=3)
        self.assertEqual(
            [(r["done"], r["remaining"]) for r in (first, second, third)],
            [(3, 4), (3, 1), (1, 0)],
        )
        self.assertEqual(notify.call_args_list[0].kwargs, {"done": 3, "remaining": 4})
        self.assertTrue(all(s.current_period_end > date(2026, 2, 10) for s in subs))

    def test_batches_stop_at_their_time_budget(self):
        for day in range(1, 4):
            self._started_subscription(on=date(2026, 1, day))
        self.env["ir.config_parameter"].set_param("subscription_core.batch_seconds", "0")
        results = [self._run_engine("2026-02-10") for _i in range(4)]
        self.assertEqual(
            [(r["done"], r["remaining"]) for r in results], [(1, 2), (1, 1), (1, 0), (0, 0)]
        )

    def test_failing_subscription_stays_its_own(self):
        subs = self.env["subscription.subscription"]
        for day in range(1, 5):
            subs |= self._started_subscription(on=date(2026, 1, day))
        bad = subs[1]
        events_before = len(bad.event_ids)
        original = type(subs)._on_period_started

        def on_period_started(records, event):
            if records == bad:
                records.write({"quantity": 7})  # must be rolled back
                raise ValueError("payment provider exploded")
            return original(records, event)

        with (
            patch.object(type(subs), "_on_period_started", on_period_started),
            mute_logger("odoo.addons.subscription_core.models.subscription_subscription"),
        ):
            result = self._run_engine("2026-02-10")
        self.assertEqual((result["done"], result["failed"]), (4, 1))
        self.assertEqual(bad.current_period_end, date(2026, 2, 2), "rolled back")
        self.assertEqual(bad.quantity, 1, "rolled back")
        self.assertEqual(len(bad.event_ids), events_before)
        self.assertIn("payment provider exploded", bad.process_error)
        self.assertEqual(bad.activity_ids.summary, "Renewal failed")
        for good in subs - bad:
            self.assertGreater(good.current_period_end, date(2026, 2, 10))
            # Renewed once: the batch redone one by one after the failure
            # does not renew again what its first pass had renewed.
            renewed = good.event_ids.filtered(lambda e: e.event_type == "renewed")
            self.assertEqual(len(renewed), len(set(renewed.mapped("effective_date"))))
            self.assertEqual(renewed.mapped("effective_date")[-1], good.current_period_start)
        # Not retried again the same day, so the batch can finish...
        self.assertEqual(self._run_engine("2026-02-10")["done"], 0)
        # ...but the next day, and the flag clears once it works.
        self.assertEqual(self._run_engine("2026-02-11")["done"], 1)
        self.assertFalse(bad.process_error)
        self.assertEqual(bad.current_period_end, date(2026, 3, 2))

    def test_failure_at_flush_stays_its_own(self):
        """A subscription whose changes the database refuses only when they
        are written (here a required column emptied) is rolled back and
        flagged alone, like one that raises."""
        subs = self.env["subscription.subscription"]
        for day in range(1, 4):
            subs |= self._started_subscription(on=date(2026, 1, day))
        bad = subs[2]
        original = type(subs)._on_period_started

        def on_period_started(records, event):
            if records == bad:
                records.sudo().write({"partner_id": False})
            return original(records, event)

        with (
            patch.object(type(subs), "_on_period_started", on_period_started),
            mute_logger(
                "odoo.sql_db", "odoo.addons.subscription_core.models.subscription_subscription"
            ),
        ):
            result = self._run_engine("2026-02-10")
        self.assertEqual((result["done"], result["failed"]), (3, 1))
        bad.invalidate_recordset()
        self.assertTrue(bad.partner_id, "rolled back")
        self.assertEqual(bad.current_period_end, date(2026, 2, 3))
        self.assertIn("partner_id", bad.process_error)
        for good in subs - bad:
            self.assertGreater(good.current_period_end, date(2026, 2, 10))

    def test_batch_without_failure_takes_no_savepoint_per_subscription(self):
        subs = self.env["subscription.subscription"]
        for day in range(1, 9):
            subs |= self._started_subscription(on=date(2026, 1, day))
        executed = []
        original = sql_db.Cursor.execute

        def execute(cr, query, params=None, log_exceptions=True):
            executed.append(str(getattr(query, "code", query)))
            return original(cr, query, params, log_exceptions)

        with patch.object(sql_db.Cursor, "execute", execute):
            result = self._run_engine("2026-02-10")
        self.assertEqual((result["done"], result["failed"]), (8, 0))
        savepoints = [query for query in executed if query.startswith("SAVEPOINT")]
        self.assertLess(len(savepoints), 8, "one savepoint for the batch, not one each")

    def test_next_run_is_triggered(self):
        self._started_subscription(on=date(2026, 1, 31))
        cron = self.env.ref("subscription_core.ir_cron_subscription_process_due")
        self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
        self._run_engine("2026-02-01")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.assertEqual(triggers.mapped("call_at"), [fields.Datetime.to_datetime("2026-02-28")])

    def test_ledger_sums_to_total_mrr(self):
        Sub = self.env["subscription.subscription"]
        subs = self._started_subscription(on=date(2026, 1, 5), quantity=2)
        subs |= self._started_subscription(on=date(2026, 1, 6), tier=self.tier_enterprise)
        subs |= self._started_subscription(on=date(2026, 1, 7), currency_id=self.other_currency.id)
        subs |= self._started_subscription(on=date(2026, 1, 8), cycle=self.yearly)
        with freeze_time("2026-01-15"):
            subs[0].change_plan(tier_id=self.tier_pro.id)
            subs[2].action_cancel(self.reason.id)
            subs[3].action_pause()
        self._run_engine("2026-03-01")
        with freeze_time("2026-03-02"):
            subs[3].action_resume()
            subs[0].change_plan(quantity=1, effective="now")
        self.assertLedgerBalanced(subs)
        total_delta = sum(self.env["subscription.event"].search([]).mapped("mrr_delta"))
        self.assertAlmostEqual(total_delta, sum(Sub.search([]).mapped("mrr_company")), places=2)

    def test_query_budget_is_constant_per_subscription(self):
        def queries_for(count, start_day):
            for i in range(count):
                self._started_subscription(on=date(2026, 1, start_day), quantity=1 + i % 3)
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            # The core engine alone: what the hooks add (invoicing, when
            # subscription_billing is installed) and the automation rules of
            # other addons (subscription_engagement's messages on renewal
            # events) have their own budgets there.
            Sub = type(self.env["subscription.subscription"])
            with contextlib.ExitStack() as stack:
                stack.enter_context(freeze_time(date(2026, 2, start_day)))
                stack.enter_context(
                    patch.object(Sub, "_on_period_started", lambda records, event: None)
                )
                if "base.automation" in self.env:
                    Automation = type(self.env["base.automation"])
                    stack.enter_context(
                        patch.object(
                            Automation,
                            "_get_actions",
                            lambda automation, records, triggers: automation.browse(),
                        )
                    )
                result = self.env["subscription.subscription"]._cron_process_due()
            self.assertEqual(result["done"], count)
            return self.cr.sql_log_count - before

        small = queries_for(5, 3)
        large = queries_for(25, 4)
        per_subscription = (large - small) / 20
        self.assertLessEqual(per_subscription, RENEWAL_QUERIES_PER_SUBSCRIPTION)
        self.assertLessEqual(small, 5 * RENEWAL_QUERIES_PER_SUBSCRIPTION + 20)


@tagged("post_install", "-at_install")
class TestRenewalConcurrency(SubscriptionCommon):
    """Two engines on two real database connections at once never renew a
    subscription twice. The data is committed for real, then removed."""

    COUNT = 12

    def setUp(self):
        super().setUp()
        self.dbname = self.env.cr.dbname
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            partner = env["res.partner"].create({"name": "Concurrency Co"})
            product = env["product.product"].create({"name": "Concurrency tier", "type": "service"})
            tier = env["subscription.tier"].create(
                {
                    "name": "Concurrency",
                    "code": f"concurrency-{uuid.uuid4().hex}",
                    "product_id": product.id,
                }
            )
            cycle = env["subscription.cycle"].create(
                {"name": "Concurrency monthly", "interval_unit": "month", "interval_count": 1}
            )
            env["subscription.price"].create(
                {
                    "tier_id": tier.id,
                    "cycle_id": cycle.id,
                    "currency_id": env.company.currency_id.id,
                    "amount": 0.0,
                }
            )
            with freeze_time("2026-01-10"):
                subs = env["subscription.subscription"].create(
                    [
                        {
                            "partner_id": partner.id,
                            "tier_id": tier.id,
                            "cycle_id": cycle.id,
                            "date_start": date(2026, 1, 10),
                        }
                        for _i in range(self.COUNT)
                    ]
                )
                subs.action_start()
            self.ids = {
                "partner": partner.id,
                "tier": tier.id,
                "cycle": cycle.id,
                "product": product.id,
                "subs": subs.ids,
            }
        self.addCleanup(self._remove_committed_data)

    def _cursor(self):
        """A real cursor on its own connection, bound to the loaded registry
        (looking the registry up again from a thread would wait for the
        registry lock the test runner holds)."""
        cr = sql_db.db_connect(self.dbname).cursor()
        cr.transaction = api.Transaction(self.registry)
        return cr

    def _remove_committed_data(self):
        with self._cursor() as cr:
            # The ledger restricts deleting its subscriptions: test data
            # only, removed below the ORM.
            cr.execute(
                "DELETE FROM subscription_event WHERE subscription_id = ANY(%s)",
                [self.ids["subs"]],
            )
            cr.execute(
                "DELETE FROM subscription_subscription WHERE id = ANY(%s)", [self.ids["subs"]]
            )
            cr.execute("DELETE FROM subscription_price WHERE tier_id = %s", [self.ids["tier"]])
            cr.execute("DELETE FROM subscription_tier WHERE id = %s", [self.ids["tier"]])
            cr.execute("DELETE FROM subscription_cycle WHERE id = %s", [self.ids["cycle"]])
            cr.execute("DELETE FROM product_product WHERE id = %s", [self.ids["product"]])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [self.ids["partner"]])

    def _renewed_count(self):
        with self._cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM subscription_event WHERE event_type = 'renewed' "
                "AND subscription_id = ANY(%s)",
                [self.ids["subs"]],
            )
            return cr.fetchone()[0]

    def test_locked_rows_are_skipped(self):
        with self._cursor() as cr1, self._cursor() as cr2, freeze_time("2026-02-10"):
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            locked = env1["subscription.subscription"]._lock_due(date(2026, 2, 10), 5)
            self.assertEqual(len(locked), 5)
            result = env2["subscription.subscription"]._cron_process_due()
            self.assertEqual(result["done"], self.COUNT - 5, "the locked five are skipped")
            # commit: a real, separate connection, as a second server would
            cr2.commit()
            for sub in locked:
                sub._process_due(date(2026, 2, 10))
            # commit: a real, separate connection, as a second server would
            cr1.commit()
        self.assertEqual(self._renewed_count(), self.COUNT)

    def test_two_engines_in_parallel(self):
        errors = []

        def engine():
            try:
                for _attempt in range(20):
                    with self._cursor() as cr:
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        try:
                            result = env["subscription.subscription"]._cron_process_due(
                                batch_size=3
                            )
                        except psycopg2.errors.SerializationFailure:
                            cr.rollback()  # what the cron runner does: try again later
                            continue
                        # commit: a real, separate connection, as a second server would
                        cr.commit()  # pylint: disable=invalid-commit
                        if not result["remaining"]:
                            return
            except Exception as error:  # noqa: BLE001
                errors.append(error)

        with (
            freeze_time("2026-02-10"),
            patch.object(type(self.env["ir.cron"]), "_notify_progress"),
            mute_logger("odoo.sql_db"),
        ):
            threads = [threading.Thread(target=engine) for _i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        self.assertFalse(errors)
        self.assertEqual(self._renewed_count(), self.COUNT, "each period renewed exactly once")
