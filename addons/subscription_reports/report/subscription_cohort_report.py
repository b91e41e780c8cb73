# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models, tools
from odoo.tools import SQL


class SubscriptionCohortReport(models.Model):
    """Cohort retention: one row per customer and month from the month of its
    first MRR (its cohort) to the current month, with whether it is active
    and its MRR at the end of that month, as
    in ``tools/metrics.py:cohorts``: a view of the customer months stored by
    the snapshot builder (the current month is measured on the last built
    day). A pivot of cohorts by age is the retention triangle, in logos and
    in MRR."""

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
    month_number = fields.Integer(
        string="Month of Life",
        readonly=True,
        aggregator="max",
        help="Months since start + 1: 1 = the cohort month (the dashboard's triangle columns).",
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
        return """
            SELECT cm.id, cm.company_id, c.currency_id, cm.partner_id,
                   cm.cohort_date, cm.month_date,
                   ((EXTRACT(YEAR FROM cm.month_date) - EXTRACT(YEAR FROM cm.cohort_date)) * 12
                    + EXTRACT(MONTH FROM cm.month_date)
                    - EXTRACT(MONTH FROM cm.cohort_date))::int AS age,
                   ((EXTRACT(YEAR FROM cm.month_date) - EXTRACT(YEAR FROM cm.cohort_date)) * 12
                    + EXTRACT(MONTH FROM cm.month_date)
                    - EXTRACT(MONTH FROM cm.cohort_date))::int + 1 AS month_number,
                   1 AS customer_count,
                   (cm.mrr_end > 0)::int AS retained_count,
                   CASE WHEN cm.mrr_end > 0 THEN 100.0 ELSE 0.0 END AS retention_rate,
                   cm.start_mrr, cm.mrr_end AS mrr
              FROM subscription_metric_customer_month cm
              JOIN res_company c ON c.id = cm.company_id
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), SQL(self._query())
            )
        )
