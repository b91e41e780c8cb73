# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models, tools
from odoo.tools import SQL

from .subscription_mrr_movement_report import customer_day_query, month_filled_ctes

GROSS_MARGIN_PARAM = "subscription_reports.gross_margin"


class SubscriptionRetentionReport(models.Model):
    """Churn, retention, ARPU and LTV per company and month, as defined in
    ``tools/metrics.py`` (``logo_churn_rate``, ``revenue_churn_rate``,
    ``retention_monthly``, ``retention_trailing_12``, ``arpu``, ``ltv``).
    The current month is measured today. Rates are percentages; grouped over
    several months they are averaged."""

    _name = "subscription.retention.report"
    _description = "Churn and Retention"
    _auto = False
    _rec_name = "month_date"
    _order = "month_date desc, company_id"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    month_date = fields.Date(string="Month", readonly=True)
    opening_customers = fields.Integer(readonly=True, help="Active at the end of the month before.")
    churned_customers = fields.Integer(readonly=True)
    logo_churn_rate = fields.Float(string="Logo Churn (%)", readonly=True, aggregator="avg")
    opening_mrr = fields.Monetary(string="Opening MRR", readonly=True)
    lost_mrr = fields.Monetary(string="Churned and Contracted MRR", readonly=True)
    revenue_churn_rate = fields.Float(string="Revenue Churn (%)", readonly=True, aggregator="avg")
    retained_mrr = fields.Monetary(string="Retained MRR", readonly=True)
    grr = fields.Float(string="GRR (%)", readonly=True, aggregator="avg")
    nrr = fields.Float(string="NRR (%)", readonly=True, aggregator="avg")
    grr_12 = fields.Float(string="GRR 12 Months (%)", readonly=True, aggregator="avg")
    nrr_12 = fields.Float(string="NRR 12 Months (%)", readonly=True, aggregator="avg")
    closing_mrr = fields.Monetary(string="Closing MRR", readonly=True, aggregator="max")
    closing_customers = fields.Integer(readonly=True, aggregator="max")
    arpu = fields.Monetary(string="ARPU", readonly=True, aggregator="avg")
    ltv = fields.Monetary(
        string="LTV",
        readonly=True,
        aggregator="avg",
        help="ARPU x gross margin (system parameter subscription_reports.gross_margin, "
        "a fraction, 1 by default) / monthly logo churn rate; empty without churn.",
    )

    @api.model
    def _query(self):
        return f"""
            WITH moves AS ({customer_day_query()}),
            first_month AS (
                SELECT company_id, customer_id, DATE_TRUNC('month', MIN(day))::date AS first_month
                  FROM moves GROUP BY company_id, customer_id
            ), grid AS (
                SELECT f.company_id, f.customer_id, g.month::date AS month_date
                  FROM first_month f
                 CROSS JOIN LATERAL generate_series(
                     f.first_month, DATE_TRUNC('month', CURRENT_DATE), INTERVAL '1 month') g(month)
            ), {month_filled_ctes()}
            ), carried AS (
                SELECT company_id, customer_id, month_date,
                       COALESCE(FIRST_VALUE(month_mrr) OVER (
                           PARTITION BY company_id, customer_id, known ORDER BY month_date), 0)
                           AS mrr_end
                  FROM filled
            ), lagged AS (
                SELECT carried.*,
                       COALESCE(LAG(mrr_end) OVER w, 0) AS mrr_start,
                       COALESCE(LAG(mrr_end, 12) OVER w, 0) AS mrr_start_12
                  FROM carried
                WINDOW w AS (PARTITION BY company_id, customer_id ORDER BY month_date)
            ), per_month AS (
                SELECT company_id, month_date,
                       COUNT(*) FILTER (WHERE mrr_start > 0) AS opening_customers,
                       SUM(mrr_start) AS opening_mrr,
                       SUM(mrr_end) FILTER (WHERE mrr_start > 0) AS retained_mrr,
                       SUM(LEAST(mrr_end, mrr_start)) FILTER (WHERE mrr_start > 0) AS capped_mrr,
                       SUM(mrr_start_12) AS opening_mrr_12,
                       SUM(mrr_end) FILTER (WHERE mrr_start_12 > 0) AS retained_mrr_12,
                       SUM(LEAST(mrr_end, mrr_start_12)) FILTER (WHERE mrr_start_12 > 0)
                           AS capped_mrr_12,
                       SUM(mrr_end) AS closing_mrr,
                       COUNT(*) FILTER (WHERE mrr_end > 0) AS closing_customers
                  FROM lagged GROUP BY company_id, month_date
            ), month_moves AS (
                SELECT company_id, DATE_TRUNC('month', day)::date AS month_date,
                       COUNT(DISTINCT customer_id) FILTER (
                           WHERE kind IN ('churn_voluntary', 'churn_involuntary'))
                           AS churned_customers,
                       -COALESCE(SUM(delta) FILTER (
                           WHERE kind IN ('churn_voluntary', 'churn_involuntary', 'contraction')),
                           0) AS lost_mrr
                  FROM moves GROUP BY company_id, DATE_TRUNC('month', day)
            ), rates AS (
                SELECT p.*, COALESCE(mm.churned_customers, 0) AS churned_customers,
                       COALESCE(mm.lost_mrr, 0) AS lost_mrr,
                       CASE WHEN p.opening_customers > 0
                            THEN 100.0 * COALESCE(mm.churned_customers, 0) / p.opening_customers
                       END AS logo_churn_rate,
                       CASE WHEN p.closing_customers > 0
                            THEN p.closing_mrr / p.closing_customers END AS arpu
                  FROM per_month p
                  LEFT JOIN month_moves mm ON mm.company_id = p.company_id
                       AND mm.month_date = p.month_date
            )
            SELECT ROW_NUMBER() OVER (ORDER BY r.company_id, r.month_date) AS id,
                   r.company_id, c.currency_id, r.month_date,
                   r.opening_customers, r.churned_customers, r.logo_churn_rate,
                   r.opening_mrr, r.lost_mrr,
                   CASE WHEN r.opening_mrr > 0 THEN 100.0 * r.lost_mrr / r.opening_mrr END
                       AS revenue_churn_rate,
                   r.retained_mrr,
                   CASE WHEN r.opening_mrr > 0 THEN 100.0 * r.capped_mrr / r.opening_mrr END
                       AS grr,
                   CASE WHEN r.opening_mrr > 0 THEN 100.0 * r.retained_mrr / r.opening_mrr END
                       AS nrr,
                   CASE WHEN r.opening_mrr_12 > 0
                        THEN 100.0 * r.capped_mrr_12 / r.opening_mrr_12 END AS grr_12,
                   CASE WHEN r.opening_mrr_12 > 0
                        THEN 100.0 * r.retained_mrr_12 / r.opening_mrr_12 END AS nrr_12,
                   r.closing_mrr, r.closing_customers, r.arpu,
                   CASE WHEN r.logo_churn_rate > 0
                        THEN r.arpu * COALESCE((SELECT value::numeric FROM ir_config_parameter
                                                 WHERE key = '{GROSS_MARGIN_PARAM}'), 1)
                             / (r.logo_churn_rate / 100.0)
                   END AS ltv
              FROM rates r
              JOIN res_company c ON c.id = r.company_id
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), SQL(self._query())
            )
        )
