# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models
from odoo.tools import SQL


class SubscriptionMetricSnapshot(models.Model):
    _inherit = "subscription.metric.snapshot"

    def _build_company(self, company_id, date_from, date_to):
        """After the snapshots and customer months, the LTV forecasts (per
        cohort and per customer) as of the company's last built day."""
        result = super()._build_company(company_id, date_from, date_to)
        self.env.cr.execute(
            SQL(
                "SELECT MAX(date) FROM subscription_metric_snapshot"
                " WHERE company_id = %s AND dimension = 'total'",
                company_id,
            )
        )
        last = self.env.cr.fetchone()[0]
        if last:
            self.env["subscription.ltv.forecast.report"]._build(company_id, last)
        return result
