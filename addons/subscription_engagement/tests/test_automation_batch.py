# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime

from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged

from .common import EngagementCommon

LOGGER = "odoo.addons.subscription_engagement.models.base_automation"
# Server action code noting an expression's value as a partner tag.
NOTE = "env['res.partner.category'].create({'name': %s})"


@tagged("post_install", "-at_install")
class TestAutomationBatch(EngagementCommon):
    """Time-based rules flagged 'Run in Batch': same window as Odoo's, one call a chunk."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Batch customer {i}", "email": f"batch{i}@example.com"} for i in range(6)]
        )
        with freeze_time("2026-03-01"):
            cls.subs = cls.env["subscription.subscription"]
            for seats, customer in enumerate(cls.customers, start=1):
                sub = cls._new_subscription(
                    cls, partner=customer, quantity=seats, date_start=date(2026, 3, 1)
                )
                sub.action_start()
                cls.subs |= sub
        # Only this rule runs in the tests below.
        cls.env["base.automation"].search([("trigger", "=", "on_time")]).active = False

    def _rule(self, code, batch=True, **vals):
        return self.env["base.automation"].create(
            {
                "name": "Test batch rule",
                "model_id": self.env.ref("subscription_core.model_subscription_subscription").id,
                "trigger": "on_time",
                "trg_date_id": self.env.ref(
                    "subscription_core.field_subscription_subscription__current_period_end"
                ).id,
                "trg_date_range": -2,
                "trg_date_range_type": "day",
                "filter_domain": repr([("id", "in", self.subs.ids)]),
                "batch_process": batch,
                "action_server_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Test batch action",
                            "model_id": self.env.ref(
                                "subscription_core.model_subscription_subscription"
                            ).id,
                            "state": "code",
                            "code": code,
                        },
                    )
                ],
                **vals,
            }
        )

    def _logged(self, prefix):
        # The actions note what they did as partner tags (in the test's transaction).
        return sorted(
            self.env["res.partner.category"]
            .search([("name", "=like", prefix + " %")])
            .mapped("name")
        )

    def test_one_call_for_all_due_records_in_odoo_window(self):
        self._rule(NOTE % "'calls %s' % len(records)")
        # Periods end on 04-01: due two days before, from 03-30 00:00.
        self._run_automation_cron(datetime(2026, 3, 29, 23, 0))
        self.assertEqual(self._logged("calls"), [])
        self._run_automation_cron(datetime(2026, 3, 30, 1, 0))
        self.assertEqual(self._logged("calls"), ["calls 6"])
        # The window moved on: nothing again.
        self._run_automation_cron(datetime(2026, 3, 30, 5, 0))
        self.assertEqual(self._logged("calls"), ["calls 6"])

    def test_same_records_as_odoo_loop(self):
        batch = self._rule(NOTE % "'batch %s' % ','.join(map(str, records.ids))")
        loop = self._rule(NOTE % "'loop %s' % records.id", batch=False)
        self._run_automation_cron(datetime(2026, 3, 30, 1, 0))
        loop_ids = sorted(int(m.split()[1]) for m in self._logged("loop"))
        batch_ids = sorted(int(i) for m in self._logged("batch") for i in m.split()[1].split(","))
        self.assertEqual(loop_ids, sorted(self.subs.ids))
        self.assertEqual(batch_ids, loop_ids)
        self.assertTrue(batch.last_run and loop.last_run)

    def test_failing_record_stays_its_own(self):
        bad = self.subs[2]
        self._rule(
            "for rec in records:\n"
            f"    if rec.id == {bad.id}:\n"
            "        raise UserError('bad record')\n"
            "    " + NOTE % "'done %s' % rec.id"
        )
        with self.assertLogs(LOGGER, level="WARNING") as logs:
            self._run_automation_cron(datetime(2026, 3, 30, 1, 0))
        done = sorted(int(m.split()[1]) for m in self._logged("done"))
        self.assertEqual(done, sorted((self.subs - bad).ids))
        self.assertTrue(any("one by one" in line for line in logs.output))
        self.assertTrue(any("failed on" in line for line in logs.output))

    def test_batch_only_for_dated_time_rules(self):
        with self.assertRaises(ValidationError):
            self._rule("pass", trigger="on_create_or_write", trg_date_id=False)
        with self.assertRaises(ValidationError):
            self._rule("pass", trg_date_id=False)

    def test_shipped_time_rules_run_in_batch(self):
        for xmlid in ("automation_trial_ending", "automation_renewal_reminder"):
            self.assertTrue(self.env.ref(f"subscription_engagement.{xmlid}").batch_process)
