# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models, tools
from odoo.tools import SQL


class SubscriptionDunningReport(models.Model):
    """Dunning: one row per failed charge (``subscription.payment.attempt``
    in state failed), with the outcome of its *case* (the invoice it tried
    to collect).

    A case is **recovered** when the invoice was collected (a later attempt
    succeeded, or the invoice is paid), **churned** when the subscription
    was suspended or cancelled for an involuntary reason on or after the
    first failure without that, else **pending**. The case measures
    (cases, recovered and churned cases, MRR at risk, recovered and churned
    MRR, days to recover) are carried by the case's first failure only, so
    that they add up over any grouping; the per-failure rate ``recovery``
    (100 when the failure's case was recovered) averages, by attempt number
    or decline class, to the share of those failures that were recovered.
    MRR is the subscription's MRR in the company currency at the end of the
    day of the first failure (a suspension or cancellation that day left
    out), from the ledger.
    """

    _name = "subscription.dunning.report"
    _description = "Dunning Recovery"
    _auto = False
    _rec_name = "date"
    _order = "date desc, id desc"

    date = fields.Date(string="Failed On", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    subscription_id = fields.Many2one("subscription.subscription", readonly=True)
    invoice_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    tier_id = fields.Many2one("subscription.tier", readonly=True)
    cycle_id = fields.Many2one("subscription.cycle", string="Billing Cycle", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    attempt_number = fields.Integer(readonly=True, aggregator="max")
    decline_type = fields.Selection(
        [("soft", "Soft (retry)"), ("hard", "Hard (update card)")],
        string="Decline Class",
        readonly=True,
    )
    decline_code = fields.Char(readonly=True)
    outcome = fields.Selection(
        [("recovered", "Recovered"), ("churned", "Churned"), ("pending", "Pending")],
        readonly=True,
    )
    failed_count = fields.Integer(string="Failed Charges", readonly=True)
    case_count = fields.Integer(string="Cases", readonly=True, help="Invoices with a failure.")
    recovered_count = fields.Integer(string="Recovered Cases", readonly=True)
    churned_count = fields.Integer(string="Churned Cases", readonly=True)
    recovery = fields.Float(
        string="Recovery Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the failed charges whose invoice was collected in the end.",
    )
    mrr_at_risk = fields.Monetary(string="MRR at Risk", readonly=True)
    recovered_mrr = fields.Monetary(string="Recovered MRR", readonly=True)
    churned_mrr = fields.Monetary(
        string="Involuntary Churn MRR",
        readonly=True,
        help="MRR lost to a suspension or involuntary cancellation after the failure.",
    )
    days_to_recover = fields.Float(
        readonly=True,
        aggregator="avg",
        help="Days from the first failure to the recovery (cases recovered only).",
    )

    @api.model
    def _query(self):
        return """
            WITH failed AS (
                SELECT a.id, a.subscription_id, a.invoice_id, a.company_id, a.attempt_number,
                       a.decline_type, a.decline_code,
                       COALESCE(a.executed_at, a.scheduled_date)::date AS day
                  FROM subscription_payment_attempt a
                 WHERE a.state = 'failed'
            ), ranked AS (
                -- The case of each failure (its invoice) and the case's first
                -- failure, by a window rather than a join of the failures to
                -- their cases: PostgreSQL has no statistics on such a join
                -- and planned it as a nested loop (26 s at 100,000
                -- subscriptions, see the benchmark in the roadmap).
                SELECT f.*,
                       FIRST_VALUE(f.id) OVER w AS first_id,
                       FIRST_VALUE(f.day) OVER w AS first_day
                  FROM failed f
                WINDOW w AS (PARTITION BY f.invoice_id ORDER BY f.day, f.attempt_number, f.id)
            ), outcome AS (
                SELECT cs.*,
                       (SELECT MIN(COALESCE(a.executed_at, a.write_date))::date
                          FROM subscription_payment_attempt a
                         WHERE a.invoice_id = cs.invoice_id AND a.state = 'succeeded')
                           AS paid_by_attempt,
                       (SELECT MIN(e.effective_date) FROM subscription_event e
                         WHERE e.subscription_id = cs.subscription_id
                           AND e.event_type = 'payment_recovered'
                           AND e.effective_date >= cs.first_day) AS recovered_event,
                       (SELECT MIN(e.effective_date) FROM subscription_event e
                          LEFT JOIN subscription_cancel_reason r ON r.id = e.reason_id
                         WHERE e.subscription_id = cs.subscription_id
                           AND e.effective_date >= cs.first_day
                           AND (e.event_type = 'suspended'
                                OR (e.event_type = 'cancelled' AND r.kind = 'involuntary')))
                           AS churned_on,
                       (SELECT COALESCE(SUM(e.mrr_delta), 0) FROM subscription_event e
                         WHERE e.subscription_id = cs.subscription_id
                           AND e.effective_date <= cs.first_day
                           AND e.event_type NOT IN ('suspended', 'cancelled')) AS mrr,
                       m.payment_state IN ('paid', 'in_payment') AS invoice_paid
                  FROM ranked cs
                  JOIN account_move m ON m.id = cs.invoice_id
            ), decided AS (
                SELECT o.*,
                       CASE WHEN o.paid_by_attempt IS NOT NULL OR o.invoice_paid THEN 'recovered'
                            WHEN o.churned_on IS NOT NULL THEN 'churned'
                            ELSE 'pending' END AS outcome,
                       COALESCE(o.paid_by_attempt, o.recovered_event) AS recovered_on
                  FROM outcome o
            )
            SELECT f.id, f.day AS date, f.company_id, c.currency_id,
                   COALESCE(p.commercial_partner_id, s.partner_id) AS partner_id,
                   f.subscription_id, f.invoice_id, s.tier_id, s.cycle_id,
                   COALESCE(cp.country_id, p.country_id) AS country_id, s.user_id,
                   f.attempt_number,
                   f.decline_type, f.decline_code, f.outcome,
                   1 AS failed_count,
                   (f.id = f.first_id)::int AS case_count,
                   (f.id = f.first_id AND f.outcome = 'recovered')::int AS recovered_count,
                   (f.id = f.first_id AND f.outcome = 'churned')::int AS churned_count,
                   CASE WHEN f.outcome = 'recovered' THEN 100.0 ELSE 0.0 END AS recovery,
                   CASE WHEN f.id = f.first_id THEN f.mrr ELSE 0 END AS mrr_at_risk,
                   CASE WHEN f.id = f.first_id AND f.outcome = 'recovered' THEN f.mrr ELSE 0 END
                       AS recovered_mrr,
                   CASE WHEN f.id = f.first_id AND f.outcome = 'churned' THEN f.mrr ELSE 0 END
                       AS churned_mrr,
                   CASE WHEN f.id = f.first_id AND f.outcome = 'recovered'
                        THEN GREATEST(f.recovered_on - f.first_day, 0) END AS days_to_recover
              FROM decided f
              JOIN subscription_subscription s ON s.id = f.subscription_id
              JOIN res_company c ON c.id = f.company_id
              LEFT JOIN res_partner p ON p.id = s.partner_id
              LEFT JOIN res_partner cp ON cp.id = p.commercial_partner_id
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), SQL(self._query())
            )
        )
