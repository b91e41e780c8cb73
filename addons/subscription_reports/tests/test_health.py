# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged
from odoo.tests.common import new_test_user
from odoo.tools import mute_logger

from ..tools import health
from .common import AS_OF, ReportsHistoryCommon


@tagged("post_install", "-at_install")
@freeze_time(AS_OF)
class TestHealth(ReportsHistoryCommon):
    """Health scores built by the daily job on the generated history, their
    backtest, and the customer's health on the partner form."""

    def _rows(self):
        return self.env["subscription.metric.health"].search(
            [("subscription_id", "in", self.subs.ids)]
        )

    def test_scores_follow_the_documented_formula(self):
        rows = self._rows()
        # Live subscriptions only: C's trial was cancelled, A was cancelled.
        self.assertNotIn(self.sub_c, rows.subscription_id)
        self.assertNotIn(self.sub_a, rows.subscription_id)
        self.assertIn(self.sub_e, rows.subscription_id)  # reactivated
        for row in rows:
            signals = health.Signals(
                row.failures_90,
                row.failures_30,
                row.in_dunning,
                row.downgrades_180,
                row.paused_180,
                row.cancel_scheduled,
                row.tenure_months,
                None,
            )
            self.assertEqual(row.score, health.score(signals), row.subscription_id.name)
            self.assertEqual(row.band, health.band(row.score))
            self.assertEqual(row.date, AS_OF)
            self.assertAlmostEqual(row.mrr, row.subscription_id.mrr_company, 2)
        by_sub = {row.subscription_id: row for row in rows}
        # F failed a charge on 20 February (within 90 days), then recovered.
        self.assertGreaterEqual(by_sub[self.sub_f].failures_90, 1)
        self.assertFalse(by_sub[self.sub_f].in_dunning)
        # B was downgraded on 5 March; D was paused in February.
        self.assertEqual(by_sub[self.sub_b].downgrades_180, 1)
        self.assertTrue(by_sub[self.sub_d].paused_180)
        self.assertLess(by_sub[self.sub_f].score, by_sub[self.sub_g].score)

    def test_backtest_ranks_the_churners(self):
        # As of 20 February: F (suspended 1 March), A and E (cancelled
        # 20 March) churned within 90 days; D's pause is not churn.
        result = self.env["subscription.metric.health"]._backtest(date(2026, 2, 20))
        self.assertEqual(result["churned"], 3)
        self.assertGreater(result["subscriptions"], 3)
        self.assertTrue(0 <= result["auc"] <= 1)
        # Nobody churns after the end of the history: no AUC is made up.
        later = self.env["subscription.metric.health"]._backtest(AS_OF)
        self.assertEqual(later["churned"], 0)
        self.assertIsNone(later["auc"])

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_health_on_the_partner_form(self):
        reader = new_test_user(
            self.env,
            login="health_reader",
            groups="base.group_user,subscription_reports.group_subscription_reports_reader",
        )
        customer = self.partners[5].with_user(reader)
        row = self._rows().filtered(lambda r: r.subscription_id == self.sub_f)
        self.assertEqual(customer.subscription_health, row.score)
        self.assertEqual(customer.subscription_health_band, row.band)
        action = customer.action_view_subscription_health()
        found = self.env[action["res_model"]].with_user(reader).search(action["domain"])
        self.assertEqual(found.subscription_id, self.sub_f)
        # A customer without a live subscription shows no health.
        self.assertFalse(self.partners[7].with_user(reader).subscription_health_band)
        with self.assertRaises(AccessError):
            self.env["subscription.metric.health"].with_user(self.sub_user).search([])
