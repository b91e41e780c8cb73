# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged

from odoo.addons.subscription_core.tests.common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestReportSettings(SubscriptionCommon):
    """The gross margin setting and each company's timezone in the daily job."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        sub = cls.env["subscription.subscription"].create(
            {
                "partner_id": cls.customer.id,
                "tier_id": cls.tier_basic.id,
                "cycle_id": cls.monthly.id,
            }
        )
        cls.env["subscription.event"].sudo().create(
            {
                "subscription_id": sub.id,
                "event_type": "activated",
                "effective_date": date(2026, 4, 1),
                "mrr_before": 0.0,
                "mrr_after": 10.0,
            }
        )

    def _last_snapshot(self):
        return max(
            self.env["subscription.metric.snapshot"]
            .search([("company_id", "=", self.company.id), ("dimension", "=", "total")])
            .mapped("date")
        )

    def test_gross_margin_setting(self):
        settings = self.env["res.config.settings"].create({"subscription_gross_margin": 0.8})
        settings.execute()
        param = (
            self.env["ir.config_parameter"].sudo().get_param("subscription_reports.gross_margin")
        )
        self.assertEqual(float(param), 0.8)
        with freeze_time("2026-04-30"):
            kpis = self.env["subscription.metrics"].get_kpis("2026-04-01", "2026-04-30")
        self.assertEqual(kpis["gross_margin"], 0.8)
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"subscription_gross_margin": 80})

    def test_daily_job_uses_each_company_timezone(self):
        Snapshot = self.env["subscription.metric.snapshot"]
        # 12:00 UTC on 15 April is already the 16th in Kiritimati (UTC+14).
        self.company.subscription_tz = "Pacific/Kiritimati"
        with freeze_time("2026-04-15 12:00:00"):
            Snapshot._cron_build_snapshots()
        self.assertEqual(self._last_snapshot(), date(2026, 4, 16))
        # 05:00 UTC on 15 April is still the 14th in Pago Pago (UTC-11):
        # rebuilt up to the 14th only, the 15th and 16th are not its days yet.
        self.company.subscription_tz = "Pacific/Pago_Pago"
        with freeze_time("2026-04-15 05:00:00"):
            Snapshot._rebuild_all()
        self.assertEqual(self._last_snapshot(), date(2026, 4, 14))
        health = self.env["subscription.metric.health"].search(
            [("company_id", "=", self.company.id)]
        )
        self.assertEqual(set(health.mapped("date")), {date(2026, 4, 14)})
