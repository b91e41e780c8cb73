# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..tools import metrics


class SubscriptionQuickRatioReport(models.Model):
    """Quick ratio per company and month, as ``tools/metrics.py:quick_ratio``:
    the MRR gained (new, expansion, reactivation, resumed) over the MRR lost
    (contraction, voluntary and involuntary churn, paused). A view of the
    daily snapshots' movement columns summed per month (the current month up
    to the last built day), for the company (``total``) and per customer
    country, salesperson and segment (the snapshot's dimension rows: one
    breakdown at a time, the *Company* filter by default). Grouped over
    several months the ratio is averaged; the gained and lost MRR are
    summed."""

    _name = "subscription.quick.ratio.report"
    _description = "Quick Ratio"
    _auto = False
    _rec_name = "month_date"
    _order = "month_date desc, company_id"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    month_date = fields.Date(string="Month", readonly=True)
    dimension = fields.Selection(
        [
            ("total", "Company"),
            ("country", "Country"),
            ("salesperson", "Salesperson"),
            ("segment", "Segment"),
        ],
        string="Breakdown",
        readonly=True,
    )
    country_id = fields.Many2one("res.country", readonly=True, help="The customer's country.")
    user_id = fields.Many2one(
        "res.users", string="Salesperson", readonly=True, help="The subscription's salesperson."
    )
    category_id = fields.Many2one(
        "res.partner.category", string="Segment", readonly=True, help="A tag of the customer."
    )
    gained_mrr = fields.Monetary(
        string="Gained MRR", readonly=True, help="New + expansion + reactivation + resumed MRR."
    )
    lost_mrr = fields.Monetary(
        string="Lost MRR",
        readonly=True,
        help="Contraction + voluntary and involuntary churn + paused MRR, as a positive amount.",
    )
    net_new_mrr = fields.Monetary(string="Net New MRR", readonly=True)
    quick_ratio = fields.Float(
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
        help="Gained MRR / lost MRR; empty when nothing was lost (the ratio is infinite).",
    )

    @api.model
    def _query(self):
        gains = " + ".join(f"COALESCE(SUM(s.{kind}_mrr), 0)" for kind in metrics.GAINS)
        losses = " + ".join(f"COALESCE(SUM(s.{kind}_mrr), 0)" for kind in metrics.LOSSES)
        return f"""
            SELECT MIN(s.id) AS id, s.company_id, c.currency_id,
                   DATE_TRUNC('month', s.date)::date AS month_date,
                   s.dimension, s.country_id, s.user_id, s.category_id,
                   {gains} AS gained_mrr,
                   -({losses}) AS lost_mrr,
                   COALESCE(SUM(s.net_new_mrr), 0) AS net_new_mrr,
                   CASE WHEN -({losses}) > {metrics.EPSILON}
                        THEN ({gains}) / -({losses}) END AS quick_ratio
              FROM subscription_metric_snapshot s
              JOIN res_company c ON c.id = s.company_id
             WHERE s.dimension IN ('total', 'country', 'salesperson', 'segment')
             GROUP BY s.company_id, c.currency_id, DATE_TRUNC('month', s.date), s.dimension,
                      s.country_id, s.user_id, s.category_id
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), SQL(self._query())
            )
        )
