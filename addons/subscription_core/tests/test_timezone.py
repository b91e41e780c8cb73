# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime

from odoo.tests import freeze_time, tagged

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestCompanyTimezone(SubscriptionCommon):
    """ "Today" for the renewal engine is the company's date in its
    subscription timezone, on both sides of midnight UTC."""

    def _run_engine(self, moment):
        with freeze_time(moment):
            return self.env["subscription.subscription"]._cron_process_due()

    def _triggers(self):
        cron = self.env.ref("subscription_core.ir_cron_subscription_process_due")
        return self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])

    def test_default_timezone(self):
        self.company.subscription_tz = False
        self.company.partner_id.tz = "Europe/Brussels"
        self.assertEqual(self.company._subscription_tz(), "Europe/Brussels")
        self.company.partner_id.tz = False
        self.assertEqual(self.company._subscription_tz(), "UTC")
        self.company.subscription_tz = "Asia/Jakarta"
        self.assertEqual(self.company._subscription_tz(), "Asia/Jakarta")
        with freeze_time("2026-03-01 17:00:00"):
            self.assertEqual(self.company._subscription_today(), date(2026, 3, 2))

    def test_jakarta_renews_before_midnight_utc(self):
        self.company.subscription_tz = "Asia/Jakarta"  # UTC+7
        before = self._triggers()
        sub = self._started_subscription(on=date(2026, 2, 2))
        self.assertEqual(sub.current_period_end, date(2026, 3, 2))
        # 16:59 UTC on 1 March is 23:59 in Jakarta: not yet.
        self.assertEqual(self._run_engine("2026-03-01 16:59:00")["done"], 0)
        self.assertEqual(sub.current_period_start, date(2026, 2, 2))
        self.assertIn(datetime(2026, 3, 1, 17, 0), self._triggers().mapped("call_at"))
        # 17:00 UTC, still 1 March in UTC, is midnight on 2 March in Jakarta.
        self.assertEqual(self._run_engine("2026-03-01 17:00:00")["done"], 1)
        self.assertEqual(sub.current_period_start, date(2026, 3, 2))
        renewed = sub.event_ids.filtered(lambda e: e.event_type == "renewed")
        self.assertEqual(renewed.effective_date, date(2026, 3, 2))
        # Every later run is set at a Jakarta midnight (17:00 UTC).
        new = (self._triggers() - before).mapped("call_at")
        self.assertTrue(new)
        self.assertEqual({moment.time() for moment in new}, {datetime(2026, 1, 1, 17).time()})

    def test_los_angeles_waits_for_its_own_midnight(self):
        self.company.subscription_tz = "America/Los_Angeles"  # UTC-8 in winter
        with freeze_time("2026-02-02 20:00:00"):
            sub = self._new_subscription(date_start=date(2026, 2, 2))
            sub.action_start()
        # 07:59 UTC on 2 March is still 1 March in Los Angeles.
        self.assertEqual(self._run_engine("2026-03-02 07:59:00")["done"], 0)
        self.assertEqual(sub.current_period_start, date(2026, 2, 2))
        self.assertIn(datetime(2026, 3, 2, 8, 0), self._triggers().mapped("call_at"))
        self.assertEqual(self._run_engine("2026-03-02 08:00:00")["done"], 1)
        self.assertEqual(sub.current_period_start, date(2026, 3, 2))

    def test_companies_each_on_their_own_date(self):
        self.company.subscription_tz = "Asia/Jakarta"
        other = self.env["res.company"].create(
            {"name": "LA Subscriptions", "subscription_tz": "America/Los_Angeles"}
        )
        self.env.user.company_ids |= other
        # A 28-day trial: nothing is invoiced at the start (this company has
        # no accounting when subscription_billing is installed).
        tier = self.env["subscription.tier"].create(
            {
                "name": "LA Basic",
                "code": "la-basic",
                "product_id": self.tier_basic.product_id.id,
                "company_id": other.id,
                "trial_days": 28,
            }
        )
        self.env["subscription.price"].create(
            {
                "tier_id": tier.id,
                "cycle_id": self.monthly.id,
                "currency_id": other.currency_id.id,
                "amount": 10.0,
            }
        )
        jakarta = self._started_subscription(on=date(2026, 2, 2))
        la = self._started_subscription(
            on=date(2026, 2, 2), tier=tier, company_id=other.id, currency_id=other.currency_id.id
        )
        # 18:00 UTC on 1 March: 2 March in Jakarta, 1 March in Los Angeles.
        result = self._run_engine("2026-03-01 18:00:00")
        self.assertEqual(result["done"], 1)
        self.assertEqual(jakarta.current_period_start, date(2026, 3, 2))
        self.assertEqual(la.state, "trial")
        result = self._run_engine("2026-03-02 08:00:00")
        self.assertEqual(result["done"], 1)
        self.assertEqual((la.state, la.current_period_start), ("active", date(2026, 3, 2)))
