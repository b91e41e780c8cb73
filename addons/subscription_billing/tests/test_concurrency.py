# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import threading
import uuid
from datetime import date
from unittest.mock import patch

import psycopg2.errors

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import TransactionCase, freeze_time, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestBillingConcurrency(TransactionCase):
    """Two renewal engines on two real database connections at once bill each
    period once. The data is committed for real (on the main company, which
    gets the generic chart of accounts if it has none), then removed."""

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
            partners = env["res.partner"].create(
                [{"name": f"Concurrency billing {i}"} for i in range(4)]
            )
            product = env["product.product"].create({"name": "Concurrency", "type": "service"})
            tier = env["subscription.tier"].create(
                {
                    "name": "Concurrency",
                    "code": f"conc-{uuid.uuid4().hex}",
                    "product_id": product.id,
                    "company_id": company.id,
                }
            )
            cycle = env["subscription.cycle"].create(
                {"name": "Concurrency monthly", "interval_unit": "month", "interval_count": 1}
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
            # commit: the second connection must see the data
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
            cr.execute("DELETE FROM account_move WHERE subscription_id = ANY(%s)", [subs])
            # The ledger restricts deleting its subscriptions (test data only).
            cr.execute("DELETE FROM subscription_event WHERE subscription_id = ANY(%s)", [subs])
            cr.execute("DELETE FROM subscription_subscription WHERE id = ANY(%s)", [subs])
            cr.execute("DELETE FROM subscription_price WHERE tier_id = %s", [self.ids["tier"]])
            cr.execute("DELETE FROM subscription_tier WHERE id = %s", [self.ids["tier"]])
            cr.execute("DELETE FROM subscription_cycle WHERE id = %s", [self.ids["cycle"]])
            cr.execute("DELETE FROM product_product WHERE id = %s", [self.ids["product"]])
            cr.execute("DELETE FROM res_partner WHERE id = ANY(%s)", [self.ids["partners"]])

    def _period_invoices(self):
        with self._cursor() as cr:
            cr.execute(
                "SELECT count(*), count(DISTINCT (subscription_id, subscription_period_start)) "
                "FROM account_move WHERE subscription_id = ANY(%s) "
                "AND subscription_invoice_kind = 'period'",
                [self.ids["subs"]],
            )
            return cr.fetchone()

    def test_two_engines_in_parallel_bill_each_period_once(self):
        self.assertEqual(self._period_invoices(), (self.COUNT, self.COUNT))
        errors = []

        def engine():
            try:
                for _attempt in range(30):
                    with self._cursor() as cr:
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        try:
                            result = env["subscription.subscription"]._cron_process_due(
                                batch_size=3
                            )
                            # commit: the invoicing job runs in its own
                            # transaction, as the cron runner calls it
                            cr.commit()  # pylint: disable=invalid-commit
                            invoicing = env["subscription.billing.period"]._cron_invoice_periods(
                                batch_size=3
                            )
                        except psycopg2.errors.SerializationFailure:
                            cr.rollback()  # what the cron runner does: try again later
                            continue
                        # commit: as the cron runner does after each call
                        cr.commit()  # pylint: disable=invalid-commit
                        if not result["remaining"] and not invoicing["remaining"]:
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
                thread.join(timeout=120)
        self.assertFalse(errors)
        self.assertEqual(
            self._period_invoices(), (2 * self.COUNT, 2 * self.COUNT), "each period billed once"
        )
        # A third run, afterwards, bills nothing more.
        with (
            self._cursor() as cr,
            freeze_time("2026-02-10"),
            patch.object(type(self.env["ir.cron"]), "_notify_progress"),
        ):
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["subscription.subscription"]._cron_process_due()
            env["subscription.billing.period"]._cron_invoice_periods()
            # commit: as the cron runner does after each call
            cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(self._period_invoices(), (2 * self.COUNT, 2 * self.COUNT))
