# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import aggregates
from ..tools.metrics import MONTH_DAYS
from .subscription_revenue_report import REVENUE_LINES


class SubscriptionLtvForecastReport(models.Model):
    """LTV forecast per start-month cohort: ARPU x gross margin x expected
    lifetime, the lifetime from the cohort's Kaplan-Meier survival curve with
    a geometric tail and its band from a Poisson bootstrap
    (``tools/aggregates.py:ltv_forecast_counts``). A table replaced for
    each company by the daily snapshot builder, as of its last built day
    and with the gross margin of that run (the survival counts are read from
    the customer months in SQL: a few rows per cohort to read)."""

    _name = "subscription.ltv.forecast.report"
    _description = "LTV Forecast per Cohort"
    _order = "cohort_date desc, company_id"
    _rec_name = "cohort_date"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    date = fields.Date(string="As Of", readonly=True, help="Last day built by the daily job.")
    cohort_date = fields.Date(string="Cohort", readonly=True, help="First day of the start month.")
    customer_count = fields.Integer(string="Customers", readonly=True)
    churned_count = fields.Integer(string="Churned", readonly=True, help="Churned at least once.")
    active_count = fields.Integer(string="Active", readonly=True)
    mrr = fields.Monetary(string="MRR", readonly=True, help="The cohort's MRR on the day.")
    arpu = fields.Monetary(
        string="Starting ARPU",
        readonly=True,
        aggregator="avg",
        help="Average MRR of the cohort's new movements.",
    )
    gross_margin = fields.Float(readonly=True, aggregator="avg", digits=(16, 4))
    lifetime = fields.Float(
        string="Expected Lifetime (Months)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Expected months a customer of the cohort pays; empty without churn (unbounded).",
    )
    ltv = fields.Monetary(string="Forecast LTV", readonly=True, aggregator="avg")
    ltv_low = fields.Monetary(string="Forecast LTV (Low)", readonly=True, aggregator="avg")
    ltv_high = fields.Monetary(string="Forecast LTV (High)", readonly=True, aggregator="avg")

    @api.model
    def _build_all(self):
        """Re-build the forecasts of every company as of its last built day
        (after a change of the gross margin)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT company_id, MAX(date) FROM subscription_metric_snapshot"
                " WHERE dimension = 'total' GROUP BY company_id"
            )
        )
        for company_id, day in self.env.cr.fetchall():
            self._build(company_id, day)

    @api.model
    def _build(self, company_id, day):
        """Replace the forecasts of ``company_id`` (per cohort and per
        customer) with those as of ``day``, whose customer months must be
        built."""
        cr = self.env.cr
        margin = self.env["subscription.metrics"]._get_gross_margin()
        survival = self.env["subscription.metric.customer.month"]._survival_counts(
            company_id, day, by_cohort=True
        )
        cr.execute(
            SQL(
                """
                SELECT cohort_date, COUNT(*),
                       COUNT(*) FILTER (WHERE churn_date <= %(day)s),
                       COUNT(*) FILTER (WHERE mrr_end > 0),
                       COALESCE(SUM(mrr_end), 0), AVG(start_mrr)
                  FROM subscription_metric_customer_month
                 WHERE company_id = %(company)s
                   AND month_date = DATE_TRUNC('month', %(day)s::date)::date
                   AND start_date <= %(day)s
                 GROUP BY cohort_date
                """,
                company=company_id,
                day=day,
            )
        )
        values = []
        for cohort, customers, churned, active, mrr, arpu in cr.fetchall():
            deaths, censored = survival.get(cohort, ({}, {}))
            forecast = aggregates.ltv_forecast_counts(deaths, censored, float(arpu or 0), margin)
            values.append(
                SQL(
                    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    company_id,
                    day,
                    cohort,
                    customers,
                    churned,
                    active,
                    mrr,
                    arpu,
                    margin,
                    forecast["lifetime"],
                    forecast["ltv"],
                    forecast["ltv_low"],
                    forecast["ltv_high"],
                )
            )
        cr.execute(
            SQL("DELETE FROM subscription_ltv_forecast_report WHERE company_id = %s", company_id)
        )
        if values:
            cr.execute(
                SQL(
                    """
                    INSERT INTO subscription_ltv_forecast_report (
                        company_id, date, cohort_date, customer_count, churned_count,
                        active_count, mrr, arpu, gross_margin, lifetime, ltv, ltv_low,
                        ltv_high, currency_id)
                    SELECT v.column1, v.column2::date, v.column3::date, v.column4::int,
                           v.column5::int, v.column6::int, v.column7::numeric,
                           v.column8::numeric, v.column9::float, v.column10::float,
                           v.column11::numeric, v.column12::numeric, v.column13::numeric,
                           c.currency_id
                      FROM (VALUES %s) AS v
                      JOIN res_company c ON c.id = v.column1
                    """,
                    SQL(", ").join(values),
                )
            )
        self.env["subscription.ltv.customer.report"]._build(company_id, day, margin)
        self.invalidate_model()


class SubscriptionLtvCustomerReport(models.Model):
    """LTV to date and forecast per customer: its revenue so far (posted
    subscription invoices net of credit notes, as the invoiced revenue
    report) and, while it pays, its MRR for the months a customer of its
    age is still expected to pay on the company's survival curve
    (``tools/aggregates.py:further_months_band_counts``) that are not
    invoiced yet, times the gross margin
    (``tools/aggregates.py:customer_ltv_forecast``, implemented in SQL
    here). A table replaced with the cohort forecasts by the daily job."""

    _name = "subscription.ltv.customer.report"
    _description = "LTV Forecast per Customer"
    _order = "revenue desc, id"
    _rec_name = "partner_id"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    date = fields.Date(string="As Of", readonly=True, help="Last day built by the daily job.")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    cohort_date = fields.Date(string="Cohort", readonly=True)
    start_date = fields.Date(readonly=True, help="Day of the customer's new movement.")
    age = fields.Integer(
        string="Age (Months)", readonly=True, aggregator="avg", help="Whole months since start."
    )
    mrr = fields.Monetary(string="MRR", readonly=True)
    revenue = fields.Monetary(
        string="LTV to Date",
        readonly=True,
        help="Revenue so far: posted subscription invoices net of credit notes.",
    )
    prepaid_months = fields.Float(
        string="Months Invoiced Ahead",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Months from the day to the end of the invoiced periods of the customer's "
        "subscriptions (weighted by their MRR): already in the LTV to date.",
    )
    further_months = fields.Float(
        string="Expected Further Months",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Months a paying customer of this age is still expected to pay after the "
        "current one; empty without churn (unbounded).",
    )
    gross_margin = fields.Float(readonly=True, aggregator="avg", digits=(16, 4))
    ltv = fields.Monetary(
        string="Forecast LTV",
        readonly=True,
        help="Gross margin x (LTV to date + MRR x (expected further months + the current "
        "one - months invoiced ahead)); tools/aggregates.py:customer_ltv_forecast.",
    )
    ltv_low = fields.Monetary(string="Forecast LTV (Low)", readonly=True)
    ltv_high = fields.Monetary(string="Forecast LTV (High)", readonly=True)

    def init(self):
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS subscription_ltv_customer_report_partner_idx"
                " ON subscription_ltv_customer_report (partner_id, company_id)"
            )
        )

    @api.model
    def _build(self, company_id, day, margin):
        cr = self.env.cr
        deaths, censored = self.env["subscription.metric.customer.month"]._survival_counts(
            company_id, day
        )
        max_age = max(list(deaths) + list(censored) + [0])
        band = aggregates.further_months_band_counts(deaths, censored, max_age) or []
        cr.execute(
            SQL("DELETE FROM subscription_ltv_customer_report WHERE company_id = %s", company_id)
        )
        cr.execute(
            SQL(
                """
                WITH revenue AS (
                    SELECT s.commercial_partner_id AS partner_id, SUM(x.amount) AS amount
                      FROM (%(lines)s) x
                      JOIN subscription_subscription s ON s.id = x.subscription_id
                     WHERE x.company_id = %(company)s AND x.date <= %(day)s
                     GROUP BY s.commercial_partner_id
                ), prepaid AS (
                    SELECT commercial_partner_id AS partner_id,
                           SUM(mrr_company * GREATEST(0, current_period_end - %(day)s::date))
                               / %(month_days)s / SUM(mrr_company) AS months
                      FROM subscription_subscription
                     WHERE company_id = %(company)s AND mrr_company > 0
                       AND current_period_end IS NOT NULL
                     GROUP BY commercial_partner_id
                ), customer AS (
                    SELECT cm.partner_id, cm.cohort_date, cm.start_date,
                           FLOOR((%(day)s::date - cm.start_date) / %(month_days)s)::int AS age,
                           cm.mrr_end AS mrr, COALESCE(r.amount, 0) AS revenue,
                           CASE WHEN cm.mrr_end > 0 THEN COALESCE(p.months, 0) ELSE 0 END
                               AS prepaid
                      FROM subscription_metric_customer_month cm
                      LEFT JOIN revenue r ON r.partner_id = cm.partner_id
                      LEFT JOIN prepaid p ON p.partner_id = cm.partner_id
                     WHERE cm.company_id = %(company)s
                       AND cm.month_date = DATE_TRUNC('month', %(day)s::date)::date
                       AND cm.start_date <= %(day)s
                ), factor AS (
                    SELECT * FROM UNNEST(%(ages)s::int[], %(further)s::float[],
                                         %(low)s::float[], %(high)s::float[])
                        AS f(age, further, low, high)
                )
                INSERT INTO subscription_ltv_customer_report (
                    company_id, currency_id, date, partner_id, cohort_date, start_date, age,
                    mrr, revenue, prepaid_months, further_months, gross_margin, ltv, ltv_low,
                    ltv_high)
                SELECT %(company)s, c.currency_id, %(day)s, x.partner_id, x.cohort_date,
                       x.start_date, x.age, x.mrr, x.revenue, x.prepaid,
                       CASE WHEN x.mrr > 0 THEN f.further END, %(margin)s,
                       %(margin)s * (x.revenue + CASE WHEN x.mrr <= 0 THEN 0
                           WHEN f.further IS NOT NULL
                           THEN x.mrr * GREATEST(0, f.further + 1 - x.prepaid) END),
                       %(margin)s * (x.revenue + CASE WHEN x.mrr <= 0 THEN 0
                           WHEN f.low IS NOT NULL
                           THEN x.mrr * GREATEST(0, f.low + 1 - x.prepaid) END),
                       %(margin)s * (x.revenue + CASE WHEN x.mrr <= 0 THEN 0
                           WHEN f.high IS NOT NULL
                           THEN x.mrr * GREATEST(0, f.high + 1 - x.prepaid) END)
                  FROM customer x
                  JOIN res_company c ON c.id = %(company)s
                  LEFT JOIN factor f ON f.age = LEAST(x.age, %(max_age)s)
                """,
                lines=SQL(REVENUE_LINES),
                company=company_id,
                day=day,
                month_days=MONTH_DAYS,
                ages=list(range(len(band))),
                further=[row[0] for row in band],
                low=[row[1] for row in band],
                high=[row[2] for row in band],
                margin=margin,
                max_age=max_age,
            )
        )
        self.invalidate_model()
