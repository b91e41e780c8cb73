# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import health

BANDS = [("healthy", "Healthy"), ("at_risk", "At Risk"), ("critical", "Critical")]


class SubscriptionMetricHealth(models.Model):
    """Churn risk: one row per live subscription with its health score
    (``tools/health.py``) and the signals behind it, as of the last run of
    the daily job. Signals come from the ledger (and from the survey answers
    of ``subscription_engagement`` when it is installed)."""

    _name = "subscription.metric.health"
    _description = "Subscription Health"
    _order = "score, id"
    _rec_name = "subscription_id"
    _log_access = False

    date = fields.Date(string="As Of", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    subscription_id = fields.Many2one(
        "subscription.subscription", required=True, readonly=True, ondelete="cascade"
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    tier_id = fields.Many2one(related="subscription_id.tier_id")
    cycle_id = fields.Many2one(related="subscription_id.cycle_id")
    user_id = fields.Many2one(related="subscription_id.user_id", string="Salesperson")
    country_id = fields.Many2one(related="partner_id.country_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    mrr = fields.Monetary(string="MRR", readonly=True)
    score = fields.Integer(string="Health", readonly=True, aggregator="avg")
    band = fields.Selection(BANDS, readonly=True)
    failures_90 = fields.Integer(string="Failed Charges (90 Days)", readonly=True)
    failures_30 = fields.Integer(string="Failed Charges (30 Days)", readonly=True)
    in_dunning = fields.Boolean(string="Payment Overdue", readonly=True)
    downgrades_180 = fields.Integer(string="Downgrades (180 Days)", readonly=True)
    paused_180 = fields.Boolean(string="Paused (180 Days)", readonly=True)
    cancel_scheduled = fields.Boolean(string="Cancellation Scheduled", readonly=True)
    tenure_months = fields.Integer(readonly=True)
    nps = fields.Integer(string="Latest Survey Score", readonly=True)

    def init(self):
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS subscription_metric_health_company_score_idx"
                " ON subscription_metric_health (company_id, score)"
            )
        )

    @api.model
    def _signals(self, day, company_ids):
        """``(subscription_id, company_id, partner_id, mrr, Signals)`` of the
        subscriptions live at the end of ``day`` (MRR > 0, or paused), from
        the ledger as it was that day."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH ev AS (
                    SELECT e.subscription_id, e.company_id, e.effective_date AS day,
                           e.event_type, e.mrr_delta, e.id
                      FROM subscription_event e
                     WHERE e.company_id IN %(companies)s AND e.effective_date <= %(day)s
                ), state AS (
                    SELECT subscription_id, MIN(company_id) AS company_id,
                           SUM(mrr_delta) AS mrr,
                           MIN(day) FILTER (WHERE event_type = 'activated') AS activated,
                           MIN(day) AS first_day,
                           COUNT(*) FILTER (WHERE event_type = 'payment_failed'
                                            AND day > %(day)s::date - 90) AS failures_90,
                           COUNT(*) FILTER (WHERE event_type = 'payment_failed'
                                            AND day > %(day)s::date - 30) AS failures_30,
                           COUNT(*) FILTER (WHERE event_type = 'downgraded'
                                            AND day > %(day)s::date - 180) AS downgrades_180,
                           BOOL_OR(event_type = 'paused' AND day > %(day)s::date - 180)
                               AS paused_recently,
                           (ARRAY_AGG(event_type ORDER BY day DESC, id DESC) FILTER (
                               WHERE event_type IN ('payment_failed', 'payment_recovered',
                                                    'suspended')))[1] AS payment_state,
                           (ARRAY_AGG(event_type ORDER BY day DESC, id DESC) FILTER (
                               WHERE event_type IN ('paused', 'resumed')))[1] AS pause_state,
                           (ARRAY_AGG(event_type ORDER BY day DESC, id DESC) FILTER (
                               WHERE event_type IN ('cancel_scheduled', 'reactivated',
                                                    'cancelled', 'saved_by_offer',
                                                    'expired')))[1] AS cancel_state
                      FROM ev GROUP BY subscription_id
                )
                SELECT st.subscription_id, st.company_id,
                       COALESCE(p.commercial_partner_id, s.partner_id), st.mrr,
                       st.failures_90, st.failures_30,
                       st.payment_state IN ('payment_failed', 'suspended'),
                       st.downgrades_180,
                       COALESCE(st.paused_recently, FALSE) OR st.pause_state = 'paused',
                       st.cancel_state = 'cancel_scheduled',
                       (%(day)s::date - COALESCE(st.activated, st.first_day)) / 30.4375
                  FROM state st
                  JOIN subscription_subscription s ON s.id = st.subscription_id
                  LEFT JOIN res_partner p ON p.id = s.partner_id
                 WHERE st.mrr > 0 OR st.pause_state = 'paused'
                """,
                day=day,
                companies=tuple(company_ids),
            )
        )
        rows = self.env.cr.fetchall()
        scores = self._survey_scores(day, [row[0] for row in rows])
        result = []
        for row in rows:
            sub_id, company_id, partner_id, mrr = row[:4]
            f90, f30, dunning, downgrades, paused, cancel, tenure = row[4:]
            signals = health.Signals(
                f90,
                f30,
                bool(dunning),
                downgrades,
                bool(paused),
                bool(cancel),
                int(tenure),
                scores.get(sub_id),
            )
            result.append((sub_id, company_id, partner_id, float(mrr), signals))
        return result

    @api.model
    def _survey_scores(self, day, subscription_ids):
        """Latest survey score (0-10) of each subscription in the 180 days up
        to ``day``, when ``subscription_engagement`` records them (a soft
        reference: nothing without it)."""
        Answer = self.env.get("survey.user_input")
        if Answer is None or "subscription_score" not in Answer._fields or not subscription_ids:
            return {}
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (subscription_id) subscription_id, subscription_score
                  FROM survey_user_input
                 WHERE subscription_id IN %s AND subscription_scored
                   AND create_date::date BETWEEN %s AND %s
                 ORDER BY subscription_id, create_date DESC
                """,
                tuple(subscription_ids),
                day - timedelta(days=180),
                day,
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _build(self, day, companies=None):
        """Replace the health rows of ``companies`` (all by default) with the
        scores as of ``day``."""
        companies = companies or self.env["res.company"].sudo().search([])
        self.env.cr.execute(
            SQL(
                "DELETE FROM subscription_metric_health WHERE company_id IN %s",
                tuple(companies.ids),
            )
        )
        rows = self._signals(day, companies.ids)
        for offset in range(0, len(rows), 5000):
            chunk = rows[offset : offset + 5000]
            values = SQL(", ").join(
                SQL(
                    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    day,
                    company_id,
                    sub_id,
                    partner_id,
                    mrr,
                    health.score(signals),
                    health.band(health.score(signals)),
                    signals.failures_90,
                    signals.failures_30,
                    signals.in_dunning,
                    signals.downgrades_180,
                    signals.paused_180,
                    signals.cancel_scheduled,
                    signals.tenure_months,
                    signals.nps,
                )
                for sub_id, company_id, partner_id, mrr, signals in chunk
            )
            self.env.cr.execute(
                SQL(
                    "INSERT INTO subscription_metric_health (date, company_id, subscription_id,"
                    " partner_id, mrr, score, band, failures_90, failures_30, in_dunning,"
                    " downgrades_180, paused_180, cancel_scheduled, tenure_months, nps)"
                    " VALUES %s",
                    values,
                )
            )
        self.invalidate_model()
        self.env["subscription.metric.health.history"]._record(day, companies)
        return len(rows)

    def action_view_history(self):
        """The health of this row's subscription over time (a line graph)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "subscription_reports.subscription_metric_health_history_action"
        )
        action["domain"] = [("subscription_id", "=", self.subscription_id.id)]
        action["display_name"] = self.env._(
            "Health of %(subscription)s", subscription=self.subscription_id.sudo().display_name
        )
        return action

    def action_view_partner_history(self):
        """The average health of this row's customer over time."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "subscription_reports.subscription_metric_health_history_action"
        )
        action["domain"] = [("partner_id", "=", self.partner_id.id)]
        action["display_name"] = self.env._(
            "Health of %(customer)s", customer=self.partner_id.sudo().display_name
        )
        return action

    @api.model
    def _backtest(self, day, horizon=90, companies=None):
        """How well the score of ``day`` ranked the subscriptions that churned
        (their MRR left by a cancellation, suspension or expiry, not a pause)
        in the ``horizon`` days after it: ``{"auc", "subscriptions",
        "churned"}`` (``auc`` None when nobody or everybody churned)."""
        companies = companies or self.env["res.company"].sudo().search([])
        rows = self._signals(day, companies.ids)
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT subscription_id FROM subscription_event
                 WHERE subscription_id IN %s
                   AND event_type IN ('cancelled', 'suspended', 'expired')
                   AND mrr_delta < 0
                   AND effective_date > %s AND effective_date <= %s
                """,
                tuple(row[0] for row in rows) or (0,),
                day,
                day + timedelta(days=horizon),
            )
        )
        churned = {row[0] for row in self.env.cr.fetchall()}
        risks = [100 - health.score(row[4]) for row in rows]
        outcomes = [row[0] in churned for row in rows]
        return {
            "auc": health.auc(risks, outcomes),
            "subscriptions": len(rows),
            "churned": len(churned),
        }
