# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models, tools
from odoo.tools import SQL

from .subscription_mrr_movement_report import customer_day_query, month_filled_ctes


class SubscriptionCohortReport(models.Model):
    """Cohort retention: one row per customer and month from the month of its
    first MRR (its cohort) to the current month, with whether it is active
    and its MRR at the end of that month (today for the current month), as
    in ``tools/metrics.py:cohorts``. A pivot of cohorts by age is the
    retention triangle, in logos and in MRR."""

    _name = "subscription.cohort.report"
    _description = "Cohort Retention"
    _auto = False
    _rec_name = "cohort_date"
    _order = "cohort_date desc, age"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    cohort_date = fields.Date(string="Cohort", readonly=True, help="First day of the cohort month.")
    month_date = fields.Date(string="Month", readonly=True)
    age = fields.Integer(
        string="Months Since Start", readonly=True, aggregator="max", help="0 = the cohort month."
    )
    customer_count = fields.Integer(string="Cohort Customers", readonly=True)
    retained_count = fields.Integer(string="Retained Customers", readonly=True)
    retention_rate = fields.Float(
        string="Logo Retention (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the cohort's customers active at the end of the month.",
    )
    start_mrr = fields.Monetary(
        string="Starting MRR", readonly=True, help="MRR of the customer's new movement."
    )
    mrr = fields.Monetary(string="Retained MRR", readonly=True)

    @api.model
    def _query(self):
        return f"""
            WITH moves AS ({customer_day_query()}),
            cohort AS (
                SELECT company_id, customer_id,
                       DATE_TRUNC('month', MIN(day) FILTER (WHERE kind = 'new'))::date
                           AS cohort_date,
                       (ARRAY_AGG(delta ORDER BY day) FILTER (WHERE kind = 'new'))[1]
                           AS start_mrr
                  FROM moves
                 GROUP BY company_id, customer_id
                HAVING BOOL_OR(kind = 'new')
            ), grid AS (
                SELECT c.*, g.month::date AS month_date
                  FROM cohort c
                 CROSS JOIN LATERAL generate_series(
                     c.cohort_date, DATE_TRUNC('month', CURRENT_DATE), INTERVAL '1 month') g(month)
            ), {month_filled_ctes()}
            ), carried AS (
                SELECT filled.*,
                       FIRST_VALUE(month_mrr) OVER (PARTITION BY company_id, customer_id, known
                                                    ORDER BY month_date) AS mrr
                  FROM filled
            )
            SELECT ROW_NUMBER() OVER (ORDER BY carried.company_id, carried.customer_id,
                                      carried.month_date) AS id,
                   carried.company_id, c.currency_id, carried.customer_id AS partner_id,
                   carried.cohort_date, carried.month_date,
                   ((EXTRACT(YEAR FROM carried.month_date) - EXTRACT(YEAR FROM carried.cohort_date))
                    * 12 + EXTRACT(MONTH FROM carried.month_date)
                    - EXTRACT(MONTH FROM carried.cohort_date))::int AS age,
                   1 AS customer_count,
                   (carried.mrr > 0)::int AS retained_count,
                   CASE WHEN carried.mrr > 0 THEN 100.0 ELSE 0.0 END AS retention_rate,
                   carried.start_mrr, carried.mrr
              FROM carried
              JOIN res_company c ON c.id = carried.company_id
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), SQL(self._query())
            )
        )
