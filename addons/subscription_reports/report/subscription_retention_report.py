# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..models.res_config_settings import GROSS_MARGIN_PARAM


class SubscriptionRetentionReport(models.Model):
    """Churn, retention, ARPU and LTV per company and month, as defined in
    ``tools/metrics.py`` (``logo_churn_rate``, ``revenue_churn_rate``,
    ``retention_monthly``, ``retention_trailing_12``, ``arpu``, ``ltv``).
    A view of the monthly sums stored by the snapshot builder; the current
    month is measured on the last built day. Rates are percentages; grouped over
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
            WITH rates AS (
                SELECT m.*,
                       CASE WHEN m.opening_customers > 0
                            THEN 100.0 * m.churned_customers / m.opening_customers
                       END AS logo_churn_rate,
                       CASE WHEN m.closing_customers > 0
                            THEN m.closing_mrr / m.closing_customers END AS arpu
                  FROM subscription_metric_month m
            )
            SELECT r.id, r.company_id, c.currency_id, r.month_date,
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
