# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import health
from .subscription_metric_health import BANDS

DAILY_DAYS_PARAM = "subscription_reports.health_history_daily_days"


class SubscriptionMetricHealthHistory(models.Model):
    """Health scores over time: one row per live subscription per day the
    daily job ran, written with the latest scores
    (``subscription.metric.health._build``). Rows of the last 90 days are
    all kept; older ones only for the last run of each month
    (``tools/health.py``, ``history_days_to_drop``): at 100,000
    subscriptions about 9 million rows for the daily window plus 1.2
    million a year, instead of 36.5 million a year for every day."""

    _name = "subscription.metric.health.history"
    _description = "Subscription Health History"
    _order = "date desc, id desc"
    _rec_name = "subscription_id"
    _log_access = False

    date = fields.Date(required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    subscription_id = fields.Many2one(
        "subscription.subscription", required=True, readonly=True, ondelete="cascade"
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    tier_id = fields.Many2one(related="subscription_id.tier_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    mrr = fields.Monetary(string="MRR", readonly=True)
    score = fields.Integer(string="Health", readonly=True, aggregator="avg")
    band = fields.Selection(BANDS, readonly=True)

    _sql_constraints = [
        (
            "subscription_date_uniq",
            "UNIQUE (subscription_id, date)",
            "One health row per subscription and day.",
        )
    ]

    def init(self):
        cr = self.env.cr
        cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS subscription_metric_health_history_company_date_idx"
                " ON subscription_metric_health_history (company_id, date)"
            )
        )
        cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS subscription_metric_health_history_partner_date_idx"
                " ON subscription_metric_health_history (partner_id, date)"
            )
        )

    @api.model
    def _record(self, day, companies):
        """Copy the latest health rows of ``companies`` (just built for
        ``day``) into the history, replacing that day's rows, then drop the
        rows the retention no longer keeps."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "DELETE FROM subscription_metric_health_history"
                " WHERE company_id IN %s AND date = %s",
                tuple(companies.ids),
                day,
            )
        )
        cr.execute(
            SQL(
                """
                INSERT INTO subscription_metric_health_history
                       (date, company_id, subscription_id, partner_id, mrr, score, band)
                SELECT date, company_id, subscription_id, partner_id, mrr, score, band
                  FROM subscription_metric_health
                 WHERE company_id IN %s AND date = %s
                """,
                tuple(companies.ids),
                day,
            )
        )
        for company in companies:
            self._prune(company, day)
        self.invalidate_model()

    @api.model
    def _run_days(self, company, before):
        """The days before ``before`` with history rows of ``company``, read
        by a loose index scan of (company_id, date): one index probe per day,
        not a scan of the rows."""
        self.env.cr.execute(
            SQL(
                """
                WITH RECURSIVE run AS (
                    (SELECT date FROM subscription_metric_health_history
                      WHERE company_id = %(company)s AND date < %(before)s
                      ORDER BY date LIMIT 1)
                    UNION ALL
                    SELECT (SELECT h.date FROM subscription_metric_health_history h
                             WHERE h.company_id = %(company)s AND h.date > run.date
                               AND h.date < %(before)s
                             ORDER BY h.date LIMIT 1)
                      FROM run WHERE run.date IS NOT NULL
                )
                SELECT date FROM run WHERE date IS NOT NULL
                """,
                company=company.id,
                before=before,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _daily_days(self):
        """Days of daily rows kept: the system parameter
        ``subscription_reports.health_history_daily_days`` (default 90)."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(DAILY_DAYS_PARAM, health.HISTORY_DAILY_DAYS)
        )
        try:
            days = int(value)
        except (TypeError, ValueError):
            days = -1
        return days if days >= 0 else health.HISTORY_DAILY_DAYS

    @api.model
    def _prune(self, company, today):
        """Delete the rows of ``company`` that the retention drops as of
        ``today``: daily rows for 90 days (``_daily_days``), then the last
        run of each month."""
        run_days = self._run_days(company, today + timedelta(days=1))
        drop = health.history_days_to_drop(run_days, today, self._daily_days())
        if drop:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM subscription_metric_health_history"
                    " WHERE company_id = %s AND date IN %s",
                    company.id,
                    tuple(drop),
                )
            )
        return drop
