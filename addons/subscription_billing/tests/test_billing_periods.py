# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import importlib.util
import os
from datetime import date, datetime
from unittest.mock import patch

import psycopg2

from odoo.exceptions import UserError, ValidationError
from odoo.modules.module import get_module_path
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from ..models import subscription_billing_period as period_module
from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestBillingPeriods(BillingCommon):
    """Every period that has started is billed once, oldest first: outages,
    backdated starts, batches, re-issue of a cancelled invoice."""

    def _period_invoices(self, sub, live=True):
        moves = sub.invoice_ids.filtered(lambda m: m.subscription_invoice_kind == "period")
        if live:
            moves = moves.filtered(lambda m: m.state != "cancel")
        return moves.sorted("id")

    def _invoice_periods(self, when, batch_size=None):
        with freeze_time(when):
            return self.env["subscription.billing.period"]._cron_invoice_periods(
                batch_size=batch_size
            )

    def test_three_month_outage_is_caught_up_in_order_once(self):
        sub = self._billed_subscription(on=date(2026, 1, 10), quantity=2)
        self.assertEqual(len(self._period_invoices(sub)), 1)
        # The scheduled actions did not run from 10 February to 15 April.
        with freeze_time("2026-04-15"):
            result = self.env["subscription.subscription"]._cron_process_due()
        self.assertEqual(result["done"], 1)
        self.assertEqual(sub.current_period_start, date(2026, 4, 10))
        self.assertEqual(len(self._period_invoices(sub)), 1, "invoicing is its own job")
        result = self._invoice_periods("2026-04-15")
        self.assertEqual((result["done"], result["remaining"]), (3, 0))
        invoices = self._period_invoices(sub)
        self.assertEqual(
            invoices.mapped("subscription_period_start"),
            [date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 10), date(2026, 4, 10)],
            "one invoice per period, created oldest first",
        )
        self.assertEqual(invoices.mapped("amount_untaxed"), [20.0] * 4)
        self.assertEqual(set(sub.billing_period_ids.mapped("state")), {"invoiced"})
        renewed = sub.event_ids.filtered(lambda e: e.event_type == "renewed")
        self.assertEqual(
            sorted(renewed.mapped("effective_date")),
            [date(2026, 2, 10), date(2026, 3, 10), date(2026, 4, 10)],
        )
        # Re-runs add nothing.
        self._renew("2026-04-15")
        self.assertEqual(self._invoice_periods("2026-04-15")["done"], 0)
        self.assertEqual(len(self._period_invoices(sub)), 4)
        self.assertFalse(sub.invoice_pending)

    def test_period_bills_the_plan_it_was_served_on(self):
        sub = self._billed_subscription(on=date(2026, 1, 10), quantity=3)
        with freeze_time("2026-01-20"):
            sub.change_plan(quantity=1)  # a downgrade: at the end of the period
        self._renew("2026-03-15")
        self._invoice_periods("2026-03-15")
        self.assertEqual(
            self._period_invoices(sub).mapped("amount_untaxed"),
            [30.0, 10.0, 10.0],
            "the change applies from the renewal of 10 February",
        )

    def test_batch_limit_spreads_the_catch_up_over_several_calls(self):
        subs = [self._billed_subscription(on=date(2026, 1, 10)) for _i in range(3)]
        with freeze_time("2026-04-15"):
            self.env["subscription.subscription"]._cron_process_due()
        calls = [self._invoice_periods("2026-04-15", batch_size=4) for _i in range(4)]
        self.assertEqual(
            [(c["done"], c["remaining"]) for c in calls], [(4, 5), (4, 1), (1, 0), (0, 0)]
        )
        for sub in subs:
            invoices = self._period_invoices(sub)
            self.assertEqual(len(invoices), 4)
            self.assertEqual(
                invoices.mapped("subscription_period_start"),
                sorted(invoices.mapped("subscription_period_start")),
                "each subscription billed in order",
            )

    def test_a_batch_claims_its_periods_once_then_invoices_in_chunks(self):
        """One claim per batch, at the start of its transaction (a later
        claim in the same transaction could meet rows another worker billed
        since the snapshot and fail to serialize), then a create and post per
        chunk, oldest first."""
        subs = [self._billed_subscription(on=date(2026, 1, 10)) for _i in range(3)]
        with freeze_time("2026-04-15"):
            self.env["subscription.subscription"]._cron_process_due()
        Period = type(self.env["subscription.billing.period"])
        claim, invoice = Period._claim, Period._invoice
        claims, chunks = [], []

        def claim_spy(periods, company, today, limit):
            claimed = claim(periods, company, today, limit)
            claims.append((limit, len(claimed)))
            return claimed

        def invoice_spy(periods, raise_errors=True):
            chunks.append(periods.mapped("date_start"))
            return invoice(periods, raise_errors=raise_errors)

        with (
            patch.object(Period, "_claim", claim_spy),
            patch.object(Period, "_invoice", invoice_spy),
            patch.object(period_module, "CHUNK_SIZE", 3),
        ):
            result = self._invoice_periods("2026-04-15", batch_size=8)
        self.assertEqual((result["done"], result["remaining"]), (8, 1))
        companies = self.env["subscription.subscription"]._get_engine_companies()
        self.assertEqual(len(claims), len(companies), "one claim per company")
        self.assertEqual([c for c in claims if c[1]], [(8, 8)], "the batch claimed at once")
        self.assertEqual([len(chunk) for chunk in chunks], [3, 3, 2])
        starts = [start for chunk in chunks for start in chunk]
        self.assertEqual(starts, sorted(starts), "oldest first")
        self.assertEqual(sum(len(self._period_invoices(sub)) for sub in subs), 3 + 8)

    def test_a_twelve_month_outage_stays_within_the_batch_limits(self):
        sub = self._billed_subscription(on=date(2026, 1, 10), cycle=self.weekly)
        with freeze_time("2027-01-12"):
            self.env["subscription.subscription"]._cron_process_due()
        self.assertEqual(len(sub.billing_period_ids), 53)
        result = self._invoice_periods("2027-01-12", batch_size=20)
        self.assertEqual((result["done"], result["remaining"]), (20, 32))
        while result["remaining"]:
            result = self._invoice_periods("2027-01-12", batch_size=20)
        self.assertEqual(len(self._period_invoices(sub)), 53)

    def test_backdated_start_bills_the_elapsed_periods(self):
        with freeze_time("2026-04-15"):
            sub = self._new_subscription(date_start=date(2026, 1, 10))
            sub.action_start()
        self.assertEqual(sub.current_period_start, date(2026, 4, 10))
        self.assertEqual(
            self._period_invoices(sub).mapped("subscription_period_start"),
            [date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 10), date(2026, 4, 10)],
        )

    def test_backdated_start_billed_from_the_current_period(self):
        with freeze_time("2026-04-15"):
            sub = self._new_subscription(date_start=date(2026, 1, 10))
            sub.action_start(bill_from="current")
        self.assertEqual(sub.start_billing, "current")
        invoices = self._period_invoices(sub)
        self.assertEqual(invoices.subscription_period_start, date(2026, 4, 10))
        not_billed = sub.billing_period_ids.filtered(lambda p: p.state == "not_billed")
        self.assertEqual(
            sorted(not_billed.mapped("date_start")),
            [date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 10)],
        )
        self.assertTrue(all(not_billed.mapped("note")))
        self.assertIn("not billed", sub.message_ids[0].body)
        # The engine and the invoicing job leave them alone.
        self._renew("2026-04-16")
        self._invoice_periods("2026-04-16")
        self.assertEqual(self._period_invoices(sub), invoices)

    def test_backdated_start_option_on_the_form(self):
        with freeze_time("2026-04-15"):
            sub = self._new_subscription(date_start=date(2026, 3, 1), start_billing="current")
            sub.action_start()
        self.assertEqual(self._period_invoices(sub).subscription_period_start, date(2026, 4, 1))

    def test_bad_bill_from_is_refused(self):
        sub = self._new_subscription(date_start=date(2026, 1, 10))
        with self.assertRaises(UserError):
            sub.action_start(bill_from="next")
        self.assertEqual(sub.state, "draft")
        self.assertFalse(sub.billing_period_ids)

    def test_cancelled_period_invoice_is_reissued_once(self):
        sub = self._billed_subscription(on=date(2026, 4, 1), quantity=2)
        invoice = self._period_invoices(sub)
        with self.assertRaises(UserError):
            invoice.action_reissue_period_invoice()  # still live
        # A second live invoice for the period is refused by the database.
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation):
            with self.env.cr.savepoint():
                invoice.copy(
                    {
                        "subscription_id": sub.id,
                        "subscription_invoice_kind": "period",
                        "subscription_period_start": invoice.subscription_period_start,
                    }
                )
        with freeze_time("2026-04-03"):
            invoice.button_draft()
            invoice.button_cancel()
            self.assertEqual(invoice.state, "cancel")
            action = invoice.action_reissue_period_invoice()
        new = self._period_invoices(sub)
        self.assertEqual(len(new), 1)
        self.assertNotEqual(new, invoice)
        self.assertEqual(action["res_id"], new.id)
        self.assertEqual(new.state, "posted")
        self.assertEqual(
            (new.subscription_period_start, new.subscription_period_end),
            (date(2026, 4, 1), date(2026, 5, 1)),
        )
        self.assertEqual(new.amount_untaxed, 20.0)
        period = sub.billing_period_ids
        self.assertEqual((period.state, period.invoice_id), ("invoiced", new))
        # The cancelled one cannot be issued a second time.
        with self.assertRaises(UserError):
            invoice.action_reissue_period_invoice()
        self.assertEqual(len(self._period_invoices(sub)), 1)

    def test_invoice_date_is_the_company_date(self):
        self.company.subscription_tz = "Asia/Jakarta"
        sub = self._billed_subscription(on=date(2026, 2, 2))
        # 17:30 UTC on 1 March is 00:30 on 2 March in Jakarta: renewal day.
        self._renew("2026-03-01 17:30:00")
        self.assertEqual(sub.current_period_start, date(2026, 3, 2))
        self.assertEqual(self._period_invoices(sub)[-1].invoice_date, date(2026, 3, 2))

    def test_renewal_engine_wakes_the_invoicing_job(self):
        self._billed_subscription(on=date(2026, 1, 10))
        cron = self.env.ref("subscription_billing.ir_cron_subscription_invoice_periods")
        Trigger = self.env["ir.cron.trigger"]
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        with freeze_time("2026-02-10"):
            self.env["subscription.subscription"]._cron_process_due()
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 1)


@tagged("post_install", "-at_install")
class TestDunningPolicyDefault(BillingCommon):
    def test_company_has_a_default_policy(self):
        standard = self.env.ref("subscription_billing.dunning_policy_default")
        self.assertEqual(self.company.subscription_dunning_policy_id, standard)
        company = self.env["res.company"].create({"name": "Later Company"})
        self.assertEqual(company.subscription_dunning_policy_id, standard)
        with self.assertRaises(ValidationError):
            self.company.subscription_dunning_policy_id = False

    def test_subscription_without_policy_follows_its_company(self):
        sub = self._billed_subscription(token=self.token_fail)
        sub.sudo().dunning_policy_id = False
        strict = self.env["subscription.dunning.policy"].create(
            {
                "name": "Strict",
                "step_ids": [(0, 0, {"day_offset": 0, "retry": False, "final_action": "suspend"})],
            }
        )
        self.company.subscription_dunning_policy_id = strict
        with self._declines_as("insufficient_funds"):
            self._process_attempts(datetime(2026, 4, 1, 10))
        self.assertEqual(sub._get_dunning_policy(), strict)
        self.assertEqual(sub.state, "suspended", "the company's policy ran")

    def test_upgrade_from_18_0_1_0_0(self):
        """The migration gives companies a default policy and records the
        periods already invoiced."""
        sub = self._billed_subscription(on=date(2026, 4, 1))
        invoice = sub.invoice_ids
        self.env.flush_all()
        self.env.cr.execute(
            "DELETE FROM subscription_billing_period WHERE subscription_id = %s", [sub.id]
        )
        self.env.cr.execute(
            "UPDATE res_company SET subscription_dunning_policy_id = NULL WHERE id = %s",
            [self.company.id],
        )
        self.env.invalidate_all()
        path = os.path.join(
            get_module_path("subscription_billing"), "migrations", "18.0.1.1.0", "post-migrate.py"
        )
        spec = importlib.util.spec_from_file_location("subscription_billing_post_migrate", path)
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        script.migrate(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()
        self.assertEqual(
            self.company.subscription_dunning_policy_id,
            self.env.ref("subscription_billing.dunning_policy_default"),
        )
        period = sub.billing_period_ids
        self.assertEqual((period.state, period.invoice_id), ("invoiced", invoice))
        self.assertEqual(period.date_start, date(2026, 4, 1))
