# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.metrics import MONTH_DAYS


class SubscriptionMetricCustomerMonth(models.Model):
    """One row per customer and month, from the month of its first MRR (its
    cohort) to the month of the last snapshot: its MRR at the end of the
    month (on the last built day for the current month), at the end of the
    month before and twelve months before, and its cohort and first churn.

    A table kept by the daily snapshot builder, month after month from the
    movements (``subscription.metric.movement``); the cohort report, the
    churn and retention report and ``get_kpis`` read it instead of the
    ledger.
    """

    _name = "subscription.metric.customer.month"
    _description = "Customer Month-End MRR"
    _order = "month_date desc, id"
    _rec_name = "month_date"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    month_date = fields.Date(string="Month", required=True, readonly=True)
    cohort_date = fields.Date(string="Cohort", required=True, readonly=True)
    start_date = fields.Date(readonly=True, help="Day of the customer's new movement.")
    start_mrr = fields.Float(readonly=True, digits=(16, 2))
    churn_date = fields.Date(
        readonly=True, help="The customer's first churn day, if it was on or before this month."
    )
    mrr_end = fields.Float(readonly=True, digits=(16, 2))
    mrr_start = fields.Float(readonly=True, digits=(16, 2), help="MRR at the end of last month.")
    mrr_start_12 = fields.Float(
        readonly=True, digits=(16, 2), help="MRR at the end of the same month a year before."
    )

    def init(self):
        cr = self.env.cr
        for name, columns in (
            ("month", "company_id, month_date, partner_id"),
            ("cohort", "company_id, cohort_date"),
        ):
            cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON subscription_metric_customer_month (%s)",
                    SQL.identifier(f"subscription_metric_customer_month_{name}_idx"),
                    SQL(columns),
                )
            )

    @api.model
    def _build_month(self, company_id, month_date):
        """Replace the rows of ``company_id`` for the month starting on
        ``month_date`` from the rows of the month before and the month's
        movements (which must be built)."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "DELETE FROM subscription_metric_customer_month"
                " WHERE company_id = %s AND month_date = %s",
                company_id,
                month_date,
            )
        )
        cr.execute(
            SQL(
                """
                WITH prev AS (
                    SELECT * FROM subscription_metric_customer_month
                     WHERE company_id = %(company)s
                       AND month_date = (%(month)s::date - INTERVAL '1 month')::date
                ), moves AS (
                    SELECT partner_id,
                           (ARRAY_AGG(mrr_after ORDER BY date DESC))[1] AS mrr_end,
                           MIN(date) FILTER (WHERE kind = 'new') AS start_date,
                           (ARRAY_AGG(amount) FILTER (WHERE kind = 'new'))[1] AS start_mrr,
                           MIN(date) FILTER (
                               WHERE kind IN ('churn_voluntary', 'churn_involuntary'))
                               AS churn_date
                      FROM subscription_metric_movement
                     WHERE company_id = %(company)s
                       AND date >= %(month)s
                       AND date < (%(month)s::date + INTERVAL '1 month')::date
                     GROUP BY partner_id
                ), year_ago AS (
                    SELECT partner_id, mrr_end FROM subscription_metric_customer_month
                     WHERE company_id = %(company)s
                       AND month_date = (%(month)s::date - INTERVAL '12 months')::date
                ), merged AS (
                    SELECT COALESCE(prev.partner_id, moves.partner_id) AS partner_id,
                           COALESCE(prev.cohort_date, %(month)s) AS cohort_date,
                           COALESCE(prev.start_date, moves.start_date) AS start_date,
                           COALESCE(prev.start_mrr, moves.start_mrr) AS start_mrr,
                           COALESCE(prev.churn_date, moves.churn_date) AS churn_date,
                           COALESCE(moves.mrr_end, prev.mrr_end) AS mrr_end,
                           COALESCE(prev.mrr_end, 0) AS mrr_start
                      FROM prev
                      FULL JOIN moves ON moves.partner_id = prev.partner_id
                     WHERE prev.partner_id IS NOT NULL OR moves.start_date IS NOT NULL
                )
                INSERT INTO subscription_metric_customer_month (
                    company_id, partner_id, month_date, cohort_date, start_date, start_mrr,
                    churn_date, mrr_end, mrr_start, mrr_start_12)
                SELECT %(company)s, merged.partner_id, %(month)s, merged.cohort_date,
                       merged.start_date, merged.start_mrr, merged.churn_date, merged.mrr_end,
                       merged.mrr_start, COALESCE(year_ago.mrr_end, 0)
                  FROM merged
                  LEFT JOIN year_ago ON year_ago.partner_id = merged.partner_id
                """,
                company=company_id,
                month=month_date,
            )
        )
        return cr.rowcount

    @api.model
    def _survival_counts(self, company_id, day, by_cohort=False):
        """``(deaths, censored)``: dicts month index -> customers, of the
        lifetimes of the company's customers as of ``day`` (see
        ``tools/metrics.py:lifetimes`` and ``kaplan_meier``), in SQL. With
        ``by_cohort``, a dict cohort month -> ``(deaths, censored)`` of its
        customers."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                WITH life AS (
                    SELECT cohort_date,
                           churn_date IS NOT NULL AND churn_date <= %(day)s AS churned,
                           (CASE WHEN churn_date IS NOT NULL AND churn_date <= %(day)s
                                 THEN churn_date ELSE %(day)s END - start_date)
                               / %(month_days)s AS months
                      FROM subscription_metric_customer_month
                     WHERE company_id = %(company)s
                       AND month_date = DATE_TRUNC('month', %(day)s::date)::date
                       AND start_date <= %(day)s
                )
                SELECT cohort_date, churned,
                       FLOOR(months)::int + CASE WHEN churned THEN 1 ELSE 0 END AS t,
                       COUNT(*)
                  FROM life GROUP BY 1, 2, 3
                """,
                company=company_id,
                day=day,
                month_days=MONTH_DAYS,
            )
        )
        counts = {}
        for cohort, churned, t, count in cr.fetchall():
            deaths, censored = counts.setdefault(cohort if by_cohort else None, ({}, {}))
            cell = deaths if churned else censored
            cell[t] = cell.get(t, 0) + count
        if by_cohort:
            return counts
        return counts.get(None, ({}, {}))
