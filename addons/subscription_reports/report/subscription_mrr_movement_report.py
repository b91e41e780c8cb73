# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models, tools
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


def customer_day_query(event_condition="TRUE"):
    """SQL of one row per company, customer (commercial partner) and business
    day with a ledger event, with the day's net MRR change, the customer's
    MRR before and after, and the movement ``kind`` (NULL when the day nets to
    zero). It implements ``tools/metrics.py:movements`` in SQL, so both agree
    (tested). ``event_condition`` filters ``subscription_event e`` rows (e.g.
    a last day); it is SQL written by the caller, never user input.

    The dimensions of a row (tier, cycle, salesperson, subscription) are those
    of the subscription with the largest change of that day.
    """
    return f"""
        WITH ev AS (
            SELECT e.id, e.company_id, e.subscription_id, e.effective_date AS day,
                   e.event_type, e.mrr_delta, e.tier_to_id,
                   COALESCE(p.commercial_partner_id, e.partner_id) AS customer_id,
                   (e.event_type = 'suspended'
                    OR COALESCE(r.kind = 'involuntary', FALSE)) AS involuntary
              FROM subscription_event e
              LEFT JOIN res_partner p ON p.id = e.partner_id
              LEFT JOIN subscription_cancel_reason r ON r.id = e.reason_id
             WHERE {event_condition}
        ), cday AS (
            SELECT company_id, customer_id, day,
                   SUM(mrr_delta) AS delta,
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
             GROUP BY company_id, customer_id, day
        ), run AS (
            SELECT cday.*,
                   SUM(delta) OVER (PARTITION BY company_id, customer_id ORDER BY day)
                       AS mrr_after
              FROM cday
        ), run2 AS (
            SELECT run.*, mrr_after - delta AS mrr_before,
                   COALESCE(MAX(mrr_after) OVER (
                       PARTITION BY company_id, customer_id ORDER BY day
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) > 0 AS had_mrr
              FROM run
        )
        SELECT run2.*,
               CASE
                   WHEN delta = 0 THEN NULL
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
               END AS kind
          FROM run2
    """


def month_filled_ctes():
    """SQL of two CTEs shared by the cohort and retention reports. They
    follow a ``moves`` CTE (``customer_day_query``) and a ``grid`` CTE
    (company_id, customer_id, month_date: the months to report):
    ``month_end``, each customer's MRR after its last movement of a month,
    and ``filled``, the grid with that MRR (``month_mrr``, NULL in a month
    without movement) and ``known``, a running count that groups such a
    month with the last month that had a movement (to carry its MRR)."""
    return """month_end AS (
                SELECT company_id, customer_id, DATE_TRUNC('month', day)::date AS month_date,
                       (ARRAY_AGG(mrr_after ORDER BY day DESC))[1] AS mrr
                  FROM moves
                 GROUP BY company_id, customer_id, DATE_TRUNC('month', day)
            ), filled AS (
                SELECT grid.*, me.mrr AS month_mrr,
                       COUNT(me.mrr) OVER (PARTITION BY grid.company_id, grid.customer_id
                                           ORDER BY grid.month_date) AS known
                  FROM grid
                  LEFT JOIN month_end me ON me.company_id = grid.company_id
                       AND me.customer_id = grid.customer_id
                       AND me.month_date = grid.month_date"""


class SubscriptionMrrMovementReport(models.Model):
    """MRR movements: one row per customer and day whose MRR changed,
    classified as in ``tools/metrics.py`` (see the readme)."""

    _name = "subscription.mrr.movement.report"
    _description = "MRR Movements"
    _auto = False
    _rec_name = "date"
    _order = "date desc, id desc"

    date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    subscription_id = fields.Many2one("subscription.subscription", readonly=True)
    tier_id = fields.Many2one("subscription.tier", readonly=True)
    cycle_id = fields.Many2one("subscription.cycle", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    kind = fields.Selection(MOVEMENT_KINDS, string="Movement", readonly=True)
    amount = fields.Monetary(string="MRR Change", readonly=True)
    gain = fields.Monetary(string="MRR Gained", readonly=True)
    loss = fields.Monetary(string="MRR Lost", readonly=True)
    mrr_before = fields.Monetary(string="Customer MRR Before", readonly=True)
    mrr_after = fields.Monetary(string="Customer MRR After", readonly=True)

    @api.model
    def _query(self):
        return f"""
            SELECT m.event_id AS id,
                   m.day AS date, m.company_id, c.currency_id,
                   m.customer_id AS partner_id, p.country_id,
                   m.subscription_id, m.tier_id, s.cycle_id, s.user_id,
                   m.kind, m.delta AS amount,
                   GREATEST(m.delta, 0) AS gain, LEAST(m.delta, 0) AS loss,
                   m.mrr_before, m.mrr_after
              FROM ({customer_day_query()}) m
              JOIN res_company c ON c.id = m.company_id
              LEFT JOIN res_partner p ON p.id = m.customer_id
              LEFT JOIN subscription_subscription s ON s.id = m.subscription_id
             WHERE m.kind IS NOT NULL
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), SQL(self._query())
            )
        )
