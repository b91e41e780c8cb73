# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL

MOVEMENT_KINDS = [
    ("new", "New"),
    ("expansion", "Expansion"),
    ("contraction", "Contraction"),
    ("churn_voluntary", "Churn (voluntary)"),
    ("churn_involuntary", "Churn (involuntary)"),
    ("reactivation", "Reactivation"),
    ("paused", "Paused"),
    ("resumed", "Resumed"),
]


class SubscriptionMetricMovement(models.Model):
    """One row per company, customer (commercial partner) and business day
    whose MRR changed, classified as in ``tools/metrics.py:movements``.

    A table kept by the daily snapshot builder (``_build_range``), so that
    the reports never re-read the whole ledger: re-building from a day
    replaces the rows from that day on, continuing from each customer's last
    row before it (its MRR and whether it ever had MRR).
    """

    _name = "subscription.metric.movement"
    _description = "Customer MRR Movement"
    _order = "date desc, id desc"
    _rec_name = "date"
    _log_access = False

    date = fields.Date(required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    kind = fields.Selection(MOVEMENT_KINDS, string="Movement", required=True, readonly=True)
    amount = fields.Float(string="MRR Change", readonly=True, digits=(16, 2))
    mrr_before = fields.Float(readonly=True, digits=(16, 2))
    mrr_after = fields.Float(readonly=True, digits=(16, 2))
    ever_active = fields.Boolean(
        readonly=True, help="The customer had MRR on this day or on an earlier one."
    )
    event_id = fields.Many2one("subscription.event", readonly=True)
    subscription_id = fields.Many2one("subscription.subscription", readonly=True)
    tier_id = fields.Many2one("subscription.tier", readonly=True)

    def init(self):
        cr = self.env.cr
        for name, columns in (
            ("company_date", "company_id, date"),
            ("customer_date", "partner_id, company_id, date"),
            ("company_kind_date", "company_id, kind, date"),
        ):
            cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON subscription_metric_movement (%s)",
                    SQL.identifier(f"subscription_metric_movement_{name}_idx"),
                    SQL(columns),
                )
            )

    @api.model
    def _build_range(self, company_id, date_from, date_to):
        """Replace the rows of ``company_id`` from ``date_from`` on with those
        computed from its ledger events of ``date_from``..``date_to``."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "DELETE FROM subscription_metric_movement WHERE company_id = %s AND date >= %s",
                company_id,
                date_from,
            )
        )
        cr.execute(
            SQL(
                """
                WITH ev AS (
                    SELECT e.id, e.subscription_id, e.effective_date AS day, e.event_type,
                           e.mrr_delta, e.tier_to_id,
                           COALESCE(p.commercial_partner_id, e.partner_id) AS customer_id,
                           (e.event_type = 'suspended'
                            OR COALESCE(r.kind = 'involuntary', FALSE)) AS involuntary
                      FROM subscription_event e
                      LEFT JOIN res_partner p ON p.id = e.partner_id
                      LEFT JOIN subscription_cancel_reason r ON r.id = e.reason_id
                     WHERE e.company_id = %(company)s
                       AND e.effective_date BETWEEN %(date_from)s AND %(date_to)s
                ), cday AS (
                    SELECT customer_id, day, SUM(mrr_delta) AS delta,
                           COALESCE(BOOL_AND(event_type = 'resumed')
                                    FILTER (WHERE mrr_delta > 0), FALSE) AS all_rising_resumed,
                           COALESCE(BOOL_AND(event_type = 'paused')
                                    FILTER (WHERE mrr_delta < 0), FALSE) AS all_falling_paused,
                           COALESCE(BOOL_OR(involuntary)
                                    FILTER (WHERE mrr_delta < 0), FALSE) AS any_falling_involuntary,
                           (ARRAY_AGG(id ORDER BY ABS(mrr_delta) DESC, id DESC))[1] AS event_id,
                           (ARRAY_AGG(subscription_id ORDER BY ABS(mrr_delta) DESC, id DESC))[1]
                               AS subscription_id,
                           (ARRAY_AGG(tier_to_id ORDER BY ABS(mrr_delta) DESC, id DESC))[1]
                               AS tier_id
                      FROM ev
                     GROUP BY customer_id, day
                    HAVING SUM(mrr_delta) <> 0
                ), prior AS (
                    SELECT DISTINCT ON (m.partner_id) m.partner_id AS customer_id,
                           m.mrr_after, m.ever_active
                      FROM subscription_metric_movement m
                     WHERE m.company_id = %(company)s AND m.date < %(date_from)s
                       AND m.partner_id IN (SELECT customer_id FROM cday)
                     ORDER BY m.partner_id, m.date DESC
                ), run AS (
                    SELECT cday.*,
                           COALESCE(prior.mrr_after, 0)
                           + SUM(delta) OVER w AS mrr_after,
                           COALESCE(prior.ever_active, FALSE) AS prior_active,
                           COALESCE(prior.mrr_after, 0) AS prior_mrr
                      FROM cday
                      LEFT JOIN prior ON prior.customer_id = cday.customer_id
                    WINDOW w AS (PARTITION BY cday.customer_id ORDER BY day)
                ), run2 AS (
                    SELECT run.*, mrr_after - delta AS mrr_before,
                           prior_active OR COALESCE(MAX(mrr_after) OVER (
                               PARTITION BY customer_id ORDER BY day
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) > 0
                               AS had_mrr
                      FROM run
                )
                INSERT INTO subscription_metric_movement (
                    date, company_id, partner_id, kind, amount, mrr_before, mrr_after,
                    ever_active, event_id, subscription_id, tier_id)
                SELECT day, %(company)s, customer_id,
                       CASE
                           WHEN mrr_before = 0 THEN
                               CASE WHEN all_rising_resumed THEN 'resumed'
                                    WHEN had_mrr THEN 'reactivation'
                                    ELSE 'new' END
                           WHEN mrr_after = 0 THEN
                               CASE WHEN all_falling_paused THEN 'paused'
                                    WHEN any_falling_involuntary THEN 'churn_involuntary'
                                    ELSE 'churn_voluntary' END
                           WHEN delta > 0 THEN 'expansion'
                           ELSE 'contraction'
                       END,
                       delta, mrr_before, mrr_after, had_mrr OR mrr_after > 0,
                       event_id, subscription_id, tier_id
                  FROM run2
                """,
                company=company_id,
                date_from=date_from,
                date_to=date_to,
            )
        )
        return cr.rowcount
