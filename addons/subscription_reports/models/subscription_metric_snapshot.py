# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..report.subscription_mrr_movement_report import customer_day_query

_logger = logging.getLogger(__name__)

WATERMARK_PARAM = "subscription_reports.snapshot_last_event_id"
MOVEMENT_COLUMNS = (
    "new",
    "expansion",
    "contraction",
    "churn_voluntary",
    "churn_involuntary",
    "reactivation",
    "paused",
    "resumed",
)


class SubscriptionMetricSnapshot(models.Model):
    """Daily metrics per company, built from the event ledger.

    One ``total`` row per company and day (MRR, customers, subscriptions and
    the day's movements), plus one ``tier_cycle`` row per tier and billing
    cycle with MRR that day. Rows are only written by the builder (as the
    system): re-building a day replaces its rows, so the table can always be
    rebuilt from the ledger.
    """

    _name = "subscription.metric.snapshot"
    _description = "Subscription Metrics Snapshot"
    _order = "date desc, company_id, dimension, tier_id, cycle_id"
    _rec_name = "date"

    date = fields.Date(required=True, index=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    dimension = fields.Selection(
        [("total", "Company"), ("tier_cycle", "Tier and cycle")],
        required=True,
        readonly=True,
    )
    tier_id = fields.Many2one("subscription.tier", readonly=True)
    cycle_id = fields.Many2one("subscription.cycle", readonly=True)
    mrr = fields.Monetary(string="MRR", readonly=True)
    arr = fields.Monetary(string="ARR", readonly=True, help="12 x MRR.")
    customer_count = fields.Integer(string="Active Customers", readonly=True)
    subscription_count = fields.Integer(string="Active Subscriptions", readonly=True)
    arpu = fields.Monetary(string="ARPU", readonly=True, help="MRR / active customers.")
    new_mrr = fields.Monetary(string="New MRR", readonly=True)
    expansion_mrr = fields.Monetary(string="Expansion MRR", readonly=True)
    contraction_mrr = fields.Monetary(string="Contraction MRR", readonly=True)
    churn_voluntary_mrr = fields.Monetary(string="Voluntary Churn MRR", readonly=True)
    churn_involuntary_mrr = fields.Monetary(string="Involuntary Churn MRR", readonly=True)
    reactivation_mrr = fields.Monetary(string="Reactivation MRR", readonly=True)
    paused_mrr = fields.Monetary(string="Paused MRR", readonly=True)
    resumed_mrr = fields.Monetary(string="Resumed MRR", readonly=True)
    net_new_mrr = fields.Monetary(string="Net New MRR", readonly=True)
    new_customer_count = fields.Integer(string="New Customers", readonly=True)
    churned_customer_count = fields.Integer(string="Churned Customers", readonly=True)

    def init(self):
        # One row per company, day, dimension, tier and cycle (NULLs included).
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS subscription_metric_snapshot_day_uniq"
                " ON subscription_metric_snapshot"
                " (company_id, date, dimension, COALESCE(tier_id, 0), COALESCE(cycle_id, 0))"
            )
        )

    # === BUILDER ===#

    @api.model
    def _cron_build_snapshots(self):
        """Bring the snapshots up to today: back-fill the days after the last
        snapshot, and re-build from the earliest business day of any event
        logged since the last run (events may be dated in the past, e.g. a
        renewal processed late). Re-running changes nothing."""
        today = fields.Date.context_today(self)
        params = self.env["ir.config_parameter"].sudo()
        watermark = int(params.get_param(WATERMARK_PARAM, 0) or 0)
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT MIN(effective_date), MAX(id) FROM subscription_event WHERE id > %s",
                watermark,
            )
        )
        late_day, last_id = cr.fetchone()
        cr.execute(SQL("SELECT MAX(date) FROM subscription_metric_snapshot"))
        last_built = cr.fetchone()[0]
        starts = [today]
        if last_built:
            starts.append(last_built + timedelta(days=1))
        if late_day:
            starts.append(late_day)
        if not last_built:
            cr.execute(SQL("SELECT MIN(effective_date) FROM subscription_event"))
            first = cr.fetchone()[0]
            if first:
                starts.append(first)
        self._build_snapshots(min(starts), today)
        if last_id:
            params.set_param(WATERMARK_PARAM, str(last_id))
        return True

    @api.model
    def _rebuild_all(self):
        """Re-build every snapshot from the first event to today."""
        self.env.cr.execute(SQL("SELECT MIN(effective_date) FROM subscription_event"))
        first = self.env.cr.fetchone()[0]
        today = fields.Date.context_today(self)
        self.env.cr.execute(SQL("DELETE FROM subscription_metric_snapshot"))
        if first:
            self._build_snapshots(first, today)
        return True

    @api.model
    def _build_snapshots(self, date_from, date_to, companies=None):
        """Replace the snapshots of ``date_from``..``date_to`` (both included)
        for ``companies`` (all by default) with rows computed from the ledger,
        in two INSERT ... SELECT statements."""
        date_from = fields.Date.to_date(date_from)
        date_to = fields.Date.to_date(date_to)
        if not date_from or not date_to or date_to < date_from:
            raise UserError(
                _(
                    "Snapshots are built for a range of days: %(start)s to %(end)s is not one.",
                    start=date_from,
                    end=date_to,
                )
            )
        companies = companies or self.env["res.company"].sudo().search([])
        company_ids = tuple(companies.ids)
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                "DELETE FROM subscription_metric_snapshot"
                " WHERE company_id IN %s AND date BETWEEN %s AND %s",
                company_ids,
                date_from,
                date_to,
            )
        )
        args = {
            "date_from": date_from,
            "date_to": date_to,
            "company_ids": company_ids,
            "uid": self.env.uid,
        }
        cr.execute(SQL(self._total_rows_query(), **args))
        total = cr.rowcount
        cr.execute(SQL(self._tier_cycle_rows_query(), **args))
        _logger.info(
            "Subscription snapshots %s..%s: %s company rows, %s tier/cycle rows",
            date_from,
            date_to,
            total,
            cr.rowcount,
        )
        self.invalidate_model()
        return True

    def _total_rows_query(self):
        moves = customer_day_query(
            "e.effective_date <= %(date_to)s AND e.company_id IN %(company_ids)s"
        )
        movement_sums = ",\n".join(
            f"SUM(CASE WHEN kind = '{kind}' THEN delta ELSE 0 END) AS {kind}_mrr"
            for kind in MOVEMENT_COLUMNS
        )
        movement_columns = ", ".join(f"{kind}_mrr" for kind in MOVEMENT_COLUMNS)
        movement_values = ", ".join(
            f"COALESCE(d.{kind}_mrr, 0) AS {kind}_mrr" for kind in MOVEMENT_COLUMNS
        )
        net_new = " + ".join(f"{kind}_mrr" for kind in MOVEMENT_COLUMNS)
        return f"""
            WITH moves AS ({moves}),
            subs AS (
                SELECT e.company_id, e.effective_date AS day, e.subscription_id,
                       SUM(e.mrr_delta) AS delta
                  FROM subscription_event e
                 WHERE e.effective_date <= %(date_to)s AND e.company_id IN %(company_ids)s
                 GROUP BY e.company_id, e.effective_date, e.subscription_id
            ), subs_run AS (
                SELECT company_id, day,
                       (SUM(delta) OVER w > 0)::int
                       - (SUM(delta) OVER w - delta > 0)::int AS active_change
                  FROM subs
                WINDOW w AS (PARTITION BY company_id, subscription_id ORDER BY day)
            ), subs_daily AS (
                SELECT company_id, day, SUM(active_change) AS d_subs
                  FROM subs_run GROUP BY company_id, day
            ), daily AS (
                SELECT company_id, day, SUM(delta) AS d_mrr,
                       SUM((mrr_after > 0)::int - (mrr_before > 0)::int) AS d_customers,
                       {movement_sums},
                       COUNT(*) FILTER (WHERE kind = 'new') AS new_customers,
                       COUNT(*) FILTER (WHERE kind IN ('churn_voluntary', 'churn_involuntary'))
                           AS churned_customers
                  FROM moves GROUP BY company_id, day
            ), calendar AS (
                SELECT c.id AS company_id, c.currency_id, g.day::date AS day
                  FROM res_company c
                 CROSS JOIN generate_series(%(date_from)s::date, %(date_to)s::date,
                                            INTERVAL '1 day') AS g(day)
                 WHERE c.id IN %(company_ids)s
                   AND EXISTS (SELECT 1 FROM subscription_event x
                                WHERE x.company_id = c.id
                                  AND x.effective_date <= %(date_to)s)
            ), opening AS (
                SELECT c.id AS company_id,
                       (SELECT COALESCE(SUM(d_mrr), 0) FROM daily
                         WHERE company_id = c.id AND day < %(date_from)s) AS mrr,
                       (SELECT COALESCE(SUM(d_customers), 0) FROM daily
                         WHERE company_id = c.id AND day < %(date_from)s) AS customers,
                       (SELECT COALESCE(SUM(d_subs), 0) FROM subs_daily
                         WHERE company_id = c.id AND day < %(date_from)s) AS subs
                  FROM res_company c WHERE c.id IN %(company_ids)s
            ), running AS (
                SELECT cal.company_id, cal.currency_id, cal.day,
                       o.mrr + SUM(COALESCE(d.d_mrr, 0)) OVER w AS mrr,
                       o.customers + SUM(COALESCE(d.d_customers, 0)) OVER w AS customers,
                       o.subs + SUM(COALESCE(s.d_subs, 0)) OVER w AS subs,
                       {movement_values},
                       COALESCE(d.new_customers, 0) AS new_customers,
                       COALESCE(d.churned_customers, 0) AS churned_customers
                  FROM calendar cal
                  JOIN opening o ON o.company_id = cal.company_id
                  LEFT JOIN daily d ON d.company_id = cal.company_id AND d.day = cal.day
                  LEFT JOIN subs_daily s ON s.company_id = cal.company_id AND s.day = cal.day
                WINDOW w AS (PARTITION BY cal.company_id ORDER BY cal.day)
            )
            INSERT INTO subscription_metric_snapshot (
                company_id, currency_id, date, dimension, mrr, arr, customer_count,
                subscription_count, arpu, {movement_columns}, net_new_mrr,
                new_customer_count, churned_customer_count,
                create_uid, write_uid, create_date, write_date)
            SELECT company_id, currency_id, day, 'total', mrr, 12 * mrr, customers, subs,
                   CASE WHEN customers > 0 THEN ROUND(mrr / customers, 2) ELSE 0 END,
                   {movement_columns}, {net_new},
                   new_customers, churned_customers,
                   %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM running
        """

    def _tier_cycle_rows_query(self):
        return """
            WITH subs AS (
                SELECT e.company_id, e.effective_date AS day, e.subscription_id,
                       SUM(e.mrr_delta) AS delta,
                       (ARRAY_AGG(e.tier_to_id ORDER BY e.id DESC))[1] AS tier_id
                  FROM subscription_event e
                 WHERE e.effective_date <= %(date_to)s AND e.company_id IN %(company_ids)s
                 GROUP BY e.company_id, e.effective_date, e.subscription_id
            ), subs_run AS (
                SELECT subs.*, s.cycle_id,
                       SUM(subs.delta) OVER w AS mrr_after,
                       LAG(subs.tier_id) OVER w AS tier_before
                  FROM subs
                  JOIN subscription_subscription s ON s.id = subs.subscription_id
                WINDOW w AS (PARTITION BY subs.company_id, subs.subscription_id ORDER BY subs.day)
            ), changes AS (
                SELECT company_id, day, tier_id, cycle_id, mrr_after AS d_mrr,
                       (mrr_after > 0)::int AS d_subs
                  FROM subs_run WHERE mrr_after <> 0
                 UNION ALL
                SELECT company_id, day, tier_before, cycle_id, -(mrr_after - delta),
                       -((mrr_after - delta) > 0)::int
                  FROM subs_run WHERE mrr_after - delta <> 0
            ), daily AS (
                SELECT company_id, day, tier_id, cycle_id,
                       SUM(d_mrr) AS d_mrr, SUM(d_subs) AS d_subs
                  FROM changes GROUP BY company_id, day, tier_id, cycle_id
            ), combos AS (
                SELECT DISTINCT company_id, tier_id, cycle_id FROM daily
            ), opening AS (
                SELECT company_id, tier_id, cycle_id,
                       SUM(d_mrr) AS mrr, SUM(d_subs) AS subs
                  FROM daily WHERE day < %(date_from)s
                 GROUP BY company_id, tier_id, cycle_id
            ), running AS (
                SELECT cb.company_id, c.currency_id, g.day::date AS day,
                       cb.tier_id, cb.cycle_id,
                       COALESCE(o.mrr, 0) + SUM(COALESCE(d.d_mrr, 0)) OVER w AS mrr,
                       COALESCE(o.subs, 0) + SUM(COALESCE(d.d_subs, 0)) OVER w AS subs
                  FROM combos cb
                  JOIN res_company c ON c.id = cb.company_id
                 CROSS JOIN generate_series(%(date_from)s::date, %(date_to)s::date,
                                            INTERVAL '1 day') AS g(day)
                  LEFT JOIN opening o ON o.company_id = cb.company_id
                       AND o.tier_id IS NOT DISTINCT FROM cb.tier_id
                       AND o.cycle_id IS NOT DISTINCT FROM cb.cycle_id
                  LEFT JOIN daily d ON d.company_id = cb.company_id AND d.day = g.day::date
                       AND d.tier_id IS NOT DISTINCT FROM cb.tier_id
                       AND d.cycle_id IS NOT DISTINCT FROM cb.cycle_id
                WINDOW w AS (PARTITION BY cb.company_id, cb.tier_id, cb.cycle_id ORDER BY g.day)
            )
            INSERT INTO subscription_metric_snapshot (
                company_id, currency_id, date, dimension, tier_id, cycle_id, mrr, arr,
                subscription_count, create_uid, write_uid, create_date, write_date)
            SELECT company_id, currency_id, day, 'tier_cycle', tier_id, cycle_id, mrr, 12 * mrr,
                   subs, %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM running
             WHERE mrr <> 0 OR subs <> 0
        """
