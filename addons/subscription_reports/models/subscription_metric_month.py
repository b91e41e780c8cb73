# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL


class SubscriptionMetricMonth(models.Model):
    """The sums behind the churn and retention report, one row per company
    and month, kept by the daily snapshot builder from the customer months
    and the movements. The report (a view on this table) turns them into
    rates."""

    _name = "subscription.metric.month"
    _description = "Monthly Retention Sums"
    _order = "month_date desc, company_id"
    _rec_name = "month_date"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    month_date = fields.Date(string="Month", required=True, readonly=True)
    opening_customers = fields.Integer(readonly=True)
    churned_customers = fields.Integer(readonly=True)
    opening_mrr = fields.Float(readonly=True, digits=(16, 2))
    lost_mrr = fields.Float(readonly=True, digits=(16, 2))
    retained_mrr = fields.Float(readonly=True, digits=(16, 2))
    capped_mrr = fields.Float(readonly=True, digits=(16, 2))
    opening_mrr_12 = fields.Float(readonly=True, digits=(16, 2))
    retained_mrr_12 = fields.Float(readonly=True, digits=(16, 2))
    capped_mrr_12 = fields.Float(readonly=True, digits=(16, 2))
    closing_mrr = fields.Float(readonly=True, digits=(16, 2))
    closing_customers = fields.Integer(readonly=True)

    _sql_constraints = [
        ("company_month_uniq", "UNIQUE (company_id, month_date)", "One row per company and month."),
    ]

    @api.model
    def _build_month(self, company_id, month_date):
        """Replace the row of ``company_id`` for the month of ``month_date``
        (its customer months and movements must be built)."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "DELETE FROM subscription_metric_month WHERE company_id = %s AND month_date = %s",
                company_id,
                month_date,
            )
        )
        cr.execute(
            SQL(
                """
                WITH cm AS (
                    SELECT
                        COUNT(*) FILTER (WHERE mrr_start > 0) AS opening_customers,
                        COALESCE(SUM(mrr_start), 0) AS opening_mrr,
                        COALESCE(SUM(mrr_end) FILTER (WHERE mrr_start > 0), 0) AS retained_mrr,
                        COALESCE(SUM(LEAST(mrr_end, mrr_start)) FILTER (WHERE mrr_start > 0), 0)
                            AS capped_mrr,
                        COALESCE(SUM(mrr_start_12), 0) AS opening_mrr_12,
                        COALESCE(SUM(mrr_end) FILTER (WHERE mrr_start_12 > 0), 0)
                            AS retained_mrr_12,
                        COALESCE(SUM(LEAST(mrr_end, mrr_start_12))
                                 FILTER (WHERE mrr_start_12 > 0), 0) AS capped_mrr_12,
                        COALESCE(SUM(mrr_end), 0) AS closing_mrr,
                        COUNT(*) FILTER (WHERE mrr_end > 0) AS closing_customers
                      FROM subscription_metric_customer_month
                     WHERE company_id = %(company)s AND month_date = %(month)s
                ), mv AS (
                    SELECT COUNT(DISTINCT partner_id) FILTER (
                               WHERE kind IN ('churn_voluntary', 'churn_involuntary'))
                               AS churned_customers,
                           -COALESCE(SUM(amount) FILTER (
                               WHERE kind IN ('churn_voluntary', 'churn_involuntary',
                                              'contraction')), 0) AS lost_mrr
                      FROM subscription_metric_movement
                     WHERE company_id = %(company)s
                       AND date >= %(month)s
                       AND date < (%(month)s::date + INTERVAL '1 month')::date
                )
                INSERT INTO subscription_metric_month (
                    company_id, month_date, opening_customers, churned_customers, opening_mrr,
                    lost_mrr, retained_mrr, capped_mrr, opening_mrr_12, retained_mrr_12,
                    capped_mrr_12, closing_mrr, closing_customers)
                SELECT %(company)s, %(month)s, cm.opening_customers, mv.churned_customers,
                       cm.opening_mrr, mv.lost_mrr, cm.retained_mrr, cm.capped_mrr,
                       cm.opening_mrr_12, cm.retained_mrr_12, cm.capped_mrr_12,
                       cm.closing_mrr, cm.closing_customers
                  FROM cm, mv
                """,
                company=company_id,
                month=month_date,
            )
        )
