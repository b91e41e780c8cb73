# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

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
        # One row per company, day, dimension and key: see
        # subscription_metric_snapshot_dimension.py, which adds the keys.
        self.env.cr.execute(SQL("DROP INDEX IF EXISTS subscription_metric_snapshot_day_uniq"))

    # === BUILDER ===#

    @api.model
    def _cron_build_snapshots(self):
        """Bring the snapshots of each company up to its today (in its
        subscription timezone, ``res.company._subscription_today``): back-fill
        the days after its last snapshot, and re-build from the earliest
        business day of any event logged since the last run (events may be
        dated in the past, e.g. a renewal processed late); then score the
        health of its live subscriptions. Re-running changes nothing."""
        params = self.env["ir.config_parameter"].sudo()
        watermark = int(params.get_param(WATERMARK_PARAM, 0) or 0)
        cr = self.env.cr
        cr.execute(SQL("SELECT MAX(id) FROM subscription_event WHERE id > %s", watermark))
        last_id = cr.fetchone()[0]
        for company in self.env["res.company"].sudo().search([]):
            today = company._subscription_today()
            cr.execute(
                SQL(
                    """
                    SELECT (SELECT MIN(effective_date) FROM subscription_event
                             WHERE company_id = %(company)s AND id > %(watermark)s),
                           (SELECT MAX(date) FROM subscription_metric_snapshot
                             WHERE company_id = %(company)s AND dimension = 'total'),
                           (SELECT MIN(effective_date) FROM subscription_event
                             WHERE company_id = %(company)s)
                    """,
                    company=company.id,
                    watermark=watermark,
                )
            )
            late_day, last_built, first = cr.fetchone()
            if not first:
                continue
            starts = [today, late_day or today]
            starts.append(last_built + timedelta(days=1) if last_built else first)
            self._build_snapshots(min(starts), today, companies=company)
            self.env["subscription.metric.health"]._build(today, companies=company)
        if last_id:
            params.set_param(WATERMARK_PARAM, str(last_id))
        return True

    @api.model
    def _rebuild_all(self):
        """Re-build every snapshot from the first event to each company's
        today."""
        self.env.cr.execute(SQL("DELETE FROM subscription_metric_snapshot"))
        for company in self.env["res.company"].sudo().search([]):
            today = company._subscription_today()
            self.env.cr.execute(
                SQL(
                    "SELECT MIN(effective_date) FROM subscription_event WHERE company_id = %s",
                    company.id,
                )
            )
            first = self.env.cr.fetchone()[0]
            if first:
                self._build_snapshots(first, today, companies=company)
            self.env["subscription.metric.health"]._build(today, companies=company)
        return True

    @api.model
    def _build_snapshots(self, date_from, date_to, companies=None):
        """Replace the snapshots of ``date_from``..``date_to`` (both included)
        for ``companies`` (all by default) with rows computed from the ledger,
        with the tables behind the reports (movements, customer months,
        monthly sums). The build continues from the day before
        ``date_from``: when that day has no snapshot, it starts after the
        last one before it (or at the first event); days after ``date_to``
        that were built already are built again, so that every stored row
        follows from the ledger."""
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
        self.env.flush_all()
        # The estimates of these statements are large (a day series times the
        # combinations): PostgreSQL's JIT would compile each one for seconds.
        self.env.cr.execute(SQL("SET LOCAL jit = off"))
        for company in companies:
            self._build_company(company.id, date_from, date_to)
        for model in (
            "subscription.metric.movement",
            "subscription.metric.customer.month",
            "subscription.metric.month",
        ):
            self.env[model].invalidate_model()
        self.invalidate_model()
        return True

    def _build_company(self, company_id, date_from, date_to):
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT MIN(effective_date) FROM subscription_event WHERE company_id = %s",
                company_id,
            )
        )
        first = cr.fetchone()[0]
        if not first or first > date_to:
            return
        cr.execute(
            SQL(
                "SELECT MAX(date) FILTER (WHERE date < %s), MAX(date)"
                "  FROM subscription_metric_snapshot"
                " WHERE company_id = %s AND dimension = 'total'",
                date_from,
                company_id,
            )
        )
        built_before, last_built = cr.fetchone()
        if date_from > first and built_before != date_from - timedelta(days=1):
            date_from = built_before + timedelta(days=1) if built_before else first
        date_to = max(date_to, last_built or date_to)
        cr.execute(
            SQL(
                "DELETE FROM subscription_metric_snapshot WHERE company_id = %s AND date >= %s",
                company_id,
                date_from,
            )
        )
        moves = self.env["subscription.metric.movement"]._build_range(
            company_id, date_from, date_to
        )
        long_range = (date_to - date_from).days > 62
        if long_range:  # fresh statistics for the statements that read them back
            cr.execute(SQL("ANALYZE subscription_metric_movement"))
        args = {"date_from": date_from, "date_to": date_to, "company": company_id}
        cr.execute(SQL(self._total_rows_query(), **args))
        total = cr.rowcount
        self._store_subscription_runs(args)
        cr.execute(SQL(self._tier_cycle_rows_query(), **args))
        tier_rows = cr.rowcount
        tier_rows += self._build_dimension_rows(args)
        month = date_from.replace(day=1)
        months = 0
        while month <= date_to:
            self.env["subscription.metric.customer.month"]._build_month(company_id, month)
            self.env["subscription.metric.month"]._build_month(company_id, month)
            month = (month + timedelta(days=32)).replace(day=1)
            months += 1
            if long_range and months in (1, 3, 12):
                cr.execute(SQL("ANALYZE subscription_metric_customer_month"))
        _logger.info(
            "Subscription snapshots of company %s, %s..%s: %s days, %s dimension rows, "
            "%s movements, %s months",
            company_id,
            date_from,
            date_to,
            total,
            tier_rows,
            moves,
            months,
        )

    def _store_subscription_runs(self, args):
        """Each subscription's MRR before the range and after each day of it
        (``prior`` and ``subs_run`` of ``_subs_run_ctes("all")``), computed
        once for the statements of the tier/cycle and dimension rows, which
        read them through ``_subs_run_ctes("stored")``."""
        cr = self.env.cr
        cr.execute(SQL("DROP TABLE IF EXISTS subscription_snapshot_prior_tmp"))
        cr.execute(SQL("DROP TABLE IF EXISTS subscription_snapshot_run_tmp"))
        cr.execute(
            SQL(
                "CREATE TEMP TABLE subscription_snapshot_prior_tmp ON COMMIT DROP AS"
                f" WITH {self._subs_run_ctes('all')} SELECT * FROM prior",
                **args,
            )
        )
        cr.execute(
            SQL(
                "CREATE TEMP TABLE subscription_snapshot_run_tmp ON COMMIT DROP AS"
                f" WITH {self._subs_run_ctes('prior_stored')} SELECT * FROM subs_run",
                **args,
            )
        )
        cr.execute(SQL("ANALYZE subscription_snapshot_prior_tmp"))
        cr.execute(SQL("ANALYZE subscription_snapshot_run_tmp"))

    def _subs_run_ctes(self, prior_scope):
        """CTEs ``subs`` (each subscription's net MRR change and last tier of
        each day of the range), ``prior`` (its MRR and tier before the range,
        for ``prior_scope``: the subscriptions of ``subs`` or ``all``) and
        ``subs_run`` (its MRR after each day and its tier before it).
        ``prior_stored``: ``prior`` read from the table that
        ``_store_subscription_runs`` wrote; ``stored``: both tables."""
        if prior_scope == "stored":
            return """
            prior AS (SELECT * FROM subscription_snapshot_prior_tmp),
            subs_run AS (SELECT * FROM subscription_snapshot_run_tmp)"""
        scope = (
            ""
            if prior_scope == "all"
            else "AND e.subscription_id IN (SELECT subscription_id FROM subs)"
        )
        prior = f"""
                SELECT e.subscription_id, SUM(e.mrr_delta) AS mrr,
                       (ARRAY_AGG(e.tier_to_id ORDER BY e.effective_date DESC, e.id DESC))[1]
                           AS tier_id
                  FROM subscription_event e
                 WHERE e.company_id = %(company)s AND e.effective_date < %(date_from)s {scope}
                 GROUP BY e.subscription_id"""
        if prior_scope == "prior_stored":
            prior = "SELECT * FROM subscription_snapshot_prior_tmp"
        return f"""
            subs AS (
                SELECT e.subscription_id, e.effective_date AS day,
                       SUM(e.mrr_delta) AS delta,
                       (ARRAY_AGG(e.tier_to_id ORDER BY e.id DESC))[1] AS tier_id
                  FROM subscription_event e
                 WHERE e.company_id = %(company)s
                   AND e.effective_date BETWEEN %(date_from)s AND %(date_to)s
                 GROUP BY e.subscription_id, e.effective_date
            ), prior AS ({prior}
            ), subs_run AS (
                SELECT subs.*,
                       COALESCE(prior.mrr, 0) + SUM(subs.delta) OVER w AS mrr_after,
                       CASE WHEN ROW_NUMBER() OVER w = 1 THEN prior.tier_id
                            ELSE LAG(subs.tier_id) OVER w END AS tier_before
                  FROM subs
                  LEFT JOIN prior ON prior.subscription_id = subs.subscription_id
                WINDOW w AS (PARTITION BY subs.subscription_id ORDER BY subs.day)
            )"""

    def _total_rows_query(self):
        movement_sums = ",\n".join(
            f"COALESCE(SUM(amount) FILTER (WHERE kind = '{kind}'), 0) AS {kind}_mrr"
            for kind in MOVEMENT_COLUMNS
        )
        movement_columns = ", ".join(f"{kind}_mrr" for kind in MOVEMENT_COLUMNS)
        movement_values = ", ".join(
            f"COALESCE(d.{kind}_mrr, 0) AS {kind}_mrr" for kind in MOVEMENT_COLUMNS
        )
        net_new = " + ".join(f"{kind}_mrr" for kind in MOVEMENT_COLUMNS)
        return f"""
            WITH {self._subs_run_ctes("range")},
            subs_daily AS (
                SELECT day, SUM((mrr_after > 0)::int - (mrr_after - delta > 0)::int) AS d_subs
                  FROM subs_run GROUP BY day
            ), daily AS (
                SELECT date AS day, SUM(amount) AS d_mrr,
                       SUM((mrr_after > 0)::int - (mrr_before > 0)::int) AS d_customers,
                       {movement_sums},
                       COUNT(*) FILTER (WHERE kind = 'new') AS new_customers,
                       COUNT(*) FILTER (WHERE kind IN ('churn_voluntary', 'churn_involuntary'))
                           AS churned_customers
                  FROM subscription_metric_movement
                 WHERE company_id = %(company)s AND date BETWEEN %(date_from)s AND %(date_to)s
                 GROUP BY date
            ), opening AS (
                SELECT COALESCE(s.mrr, 0) AS mrr, COALESCE(s.customer_count, 0) AS customers,
                       COALESCE(s.subscription_count, 0) AS subs
                  FROM (SELECT 1) one
                  LEFT JOIN subscription_metric_snapshot s ON s.company_id = %(company)s
                       AND s.dimension = 'total'
                       AND s.date = (%(date_from)s::date - INTERVAL '1 day')::date
            ), running AS (
                SELECT c.currency_id, g.day::date AS day,
                       o.mrr + SUM(COALESCE(d.d_mrr, 0)) OVER w AS mrr,
                       o.customers + SUM(COALESCE(d.d_customers, 0)) OVER w AS customers,
                       o.subs + SUM(COALESCE(s.d_subs, 0)) OVER w AS subs,
                       {movement_values},
                       COALESCE(d.new_customers, 0) AS new_customers,
                       COALESCE(d.churned_customers, 0) AS churned_customers
                  FROM generate_series(%(date_from)s::date, %(date_to)s::date,
                                       INTERVAL '1 day') AS g(day)
                  JOIN res_company c ON c.id = %(company)s
                 CROSS JOIN opening o
                  LEFT JOIN daily d ON d.day = g.day::date
                  LEFT JOIN subs_daily s ON s.day = g.day::date
                WINDOW w AS (ORDER BY g.day)
            )
            INSERT INTO subscription_metric_snapshot (
                company_id, currency_id, date, dimension, mrr, arr, customer_count,
                subscription_count, arpu, {movement_columns}, net_new_mrr,
                new_customer_count, churned_customer_count,
                create_uid, write_uid, create_date, write_date)
            SELECT %(company)s, currency_id, day, 'total', mrr, 12 * mrr, customers, subs,
                   CASE WHEN customers > 0 THEN ROUND(mrr / customers, 2) ELSE 0 END,
                   {movement_columns}, {net_new},
                   new_customers, churned_customers,
                   {self.env.uid}, {self.env.uid},
                   NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM running
        """

    def _tier_cycle_rows_query(self):
        """Tier and cycle rows: the opening of each combination is summed
        from every subscription's state before the range (its current
        billing cycle), then each day's changes are added."""
        return f"""
            WITH {self._subs_run_ctes("stored")},
            opening AS (
                SELECT prior.tier_id, s.cycle_id,
                       SUM(prior.mrr) AS mrr, SUM((prior.mrr > 0)::int) AS subs
                  FROM prior
                  JOIN subscription_subscription s ON s.id = prior.subscription_id
                 WHERE prior.mrr <> 0
                 GROUP BY prior.tier_id, s.cycle_id
            ), changes AS (
                SELECT r.day, r.tier_id, s.cycle_id, r.mrr_after AS d_mrr,
                       (r.mrr_after > 0)::int AS d_subs
                  FROM subs_run r
                  JOIN subscription_subscription s ON s.id = r.subscription_id
                 WHERE r.mrr_after <> 0
                 UNION ALL
                SELECT r.day, r.tier_before, s.cycle_id, -(r.mrr_after - r.delta),
                       -((r.mrr_after - r.delta) > 0)::int
                  FROM subs_run r
                  JOIN subscription_subscription s ON s.id = r.subscription_id
                 WHERE r.mrr_after - r.delta <> 0
            ), daily AS (
                SELECT day, tier_id, cycle_id, SUM(d_mrr) AS d_mrr, SUM(d_subs) AS d_subs
                  FROM changes GROUP BY day, tier_id, cycle_id
            ), combos AS (
                SELECT tier_id, cycle_id FROM daily
                 UNION
                SELECT tier_id, cycle_id FROM opening
            ), running AS (
                SELECT g.day::date AS day, cb.tier_id, cb.cycle_id,
                       COALESCE(o.mrr, 0) + SUM(COALESCE(d.d_mrr, 0)) OVER w AS mrr,
                       COALESCE(o.subs, 0) + SUM(COALESCE(d.d_subs, 0)) OVER w AS subs
                  FROM combos cb
                 CROSS JOIN generate_series(%(date_from)s::date, %(date_to)s::date,
                                            INTERVAL '1 day') AS g(day)
                  LEFT JOIN opening o ON o.tier_id IS NOT DISTINCT FROM cb.tier_id
                       AND o.cycle_id IS NOT DISTINCT FROM cb.cycle_id
                  LEFT JOIN daily d ON d.day = g.day::date
                       AND d.tier_id IS NOT DISTINCT FROM cb.tier_id
                       AND d.cycle_id IS NOT DISTINCT FROM cb.cycle_id
                WINDOW w AS (PARTITION BY cb.tier_id, cb.cycle_id ORDER BY g.day)
            )
            INSERT INTO subscription_metric_snapshot (
                company_id, currency_id, date, dimension, tier_id, cycle_id, mrr, arr,
                subscription_count, create_uid, write_uid, create_date, write_date)
            SELECT %(company)s, c.currency_id, day, 'tier_cycle', tier_id, cycle_id, mrr,
                   12 * mrr, subs, {self.env.uid}, {self.env.uid},
                   NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM running
              JOIN res_company c ON c.id = %(company)s
             WHERE mrr <> 0 OR subs <> 0
        """
