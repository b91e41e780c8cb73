# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Engagement reports (NPS, save rate, win-back rate), read through soft
references: ``subscription_engagement`` is not a dependency. Each view is
built from engagement's tables when that addon is installed, else as an
empty view with the same columns; ``_register_hook`` rebuilds it when the
addon is installed or removed later (the view carries a comment saying
which variant it is). Rates are per-row 100/0 (NPS: 100/0/-100) values
whose average is the rate over any grouping (see ``tools/engagement.py``).
"""

from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..tools import engagement

# What the "with engagement" queries read, by model name.
ENGAGEMENT_MODELS = (
    "subscription.engagement.log",
    "subscription.retention.acceptance",
    "subscription.retention.offer",
    "survey.user_input",
)


def engagement_installed(env):
    """True when subscription_engagement's models (and its fields on
    survey answers) are in the registry: the soft check of every engagement
    report."""
    return all(name in env for name in ENGAGEMENT_MODELS) and (
        "subscription_id" in env["survey.user_input"]._fields
    )


class SubscriptionEngagementReportMixin(models.AbstractModel):
    _name = "subscription.engagement.report.mixin"
    _description = "Engagement Report (soft reference)"

    @api.model
    def _engagement_query(self):
        raise NotImplementedError

    @api.model
    def _empty_query(self):
        """No rows, the same typed columns as the engagement query."""
        columns = [SQL("NULL::int4 AS id")] + [
            SQL("NULL::%s AS %s", SQL(field.column_type[1]), SQL.identifier(name))
            for name, field in self._fields.items()
            if field.store and field.column_type and name != "id"
        ]
        return SQL("SELECT %s WHERE false", SQL(", ").join(columns))

    #: ``CREATE INDEX IF NOT EXISTS`` statements on engagement's tables that
    #: the view's queries need, run when the view reads them.
    _engagement_indexes = ()

    @api.model
    def _view_variant(self):
        return "engagement" if engagement_installed(self.env) else "empty"

    def init(self):
        if self._abstract:
            return
        variant = self._view_variant()
        query = SQL(self._engagement_query()) if variant == "engagement" else self._empty_query()
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), query)
        )
        self.env.cr.execute(SQL("COMMENT ON VIEW %s IS %s", SQL.identifier(self._table), variant))
        if variant == "engagement":
            for statement in self._engagement_indexes:
                self.env.cr.execute(SQL(statement))

    def _register_hook(self):
        """Rebuild the view when engagement came or went since it was built
        (installed after the reports, or uninstalled: its tables dropped)."""
        result = super()._register_hook()
        if self._abstract:
            return result
        self.env.cr.execute("SELECT obj_description(to_regclass(%s), 'pg_class')", [self._table])
        if self.env.cr.fetchone()[0] != self._view_variant():
            self.init()
        return result


class SubscriptionNpsReport(models.Model):
    """One row per NPS invitation (a survey answer of a subscription on the
    survey of kind ``nps``, test entries left out)."""

    _name = "subscription.nps.report"
    _inherit = "subscription.engagement.report.mixin"
    _description = "NPS"
    _auto = False
    _rec_name = "invited_on"
    _order = "invited_on desc, id desc"

    invited_on = fields.Date(readonly=True)
    answered_on = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    subscription_id = fields.Many2one("subscription.subscription", readonly=True)
    tier_id = fields.Many2one("subscription.tier", readonly=True)
    cycle_id = fields.Many2one("subscription.cycle", string="Billing Cycle", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    category = fields.Selection(
        [("promoter", "Promoter"), ("passive", "Passive"), ("detractor", "Detractor")],
        readonly=True,
    )
    score = fields.Integer(readonly=True, aggregator="avg")
    invited_count = fields.Integer(string="Invitations", readonly=True)
    response_count = fields.Integer(string="Responses", readonly=True)
    promoter_count = fields.Integer(string="Promoters", readonly=True)
    detractor_count = fields.Integer(string="Detractors", readonly=True)
    nps = fields.Float(
        string="NPS",
        readonly=True,
        aggregator="avg",
        help="Promoters % minus detractors % of the responses (-100 to 100).",
    )
    promoter_rate = fields.Float(string="Promoters (%)", readonly=True, aggregator="avg")
    detractor_rate = fields.Float(string="Detractors (%)", readonly=True, aggregator="avg")
    response_rate = fields.Float(
        string="Response Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Invitations answered with a score, out of the invitations.",
    )

    @api.model
    def _engagement_query(self):
        promoter = f"ui.subscription_score >= {engagement.PROMOTER_MIN}"
        detractor = f"ui.subscription_score <= {engagement.DETRACTOR_MAX}"
        return f"""
            SELECT ui.id,
                   (ui.create_date)::date AS invited_on,
                   CASE WHEN ui.subscription_scored
                        THEN COALESCE(ui.end_datetime, ui.write_date)::date END AS answered_on,
                   sub.company_id, sub.partner_id, sub.id AS subscription_id, sub.tier_id,
                   sub.cycle_id, p.country_id, sub.user_id,
                   CASE WHEN NOT ui.subscription_scored THEN NULL
                        WHEN {promoter} THEN 'promoter'
                        WHEN {detractor} THEN 'detractor' ELSE 'passive' END AS category,
                   CASE WHEN ui.subscription_scored THEN ui.subscription_score END AS score,
                   1 AS invited_count,
                   CASE WHEN ui.subscription_scored THEN 1 ELSE 0 END AS response_count,
                   CASE WHEN ui.subscription_scored AND {promoter} THEN 1 ELSE 0 END
                       AS promoter_count,
                   CASE WHEN ui.subscription_scored AND {detractor} THEN 1 ELSE 0 END
                       AS detractor_count,
                   CASE WHEN NOT ui.subscription_scored THEN NULL
                        WHEN {promoter} THEN 100.0 WHEN {detractor} THEN -100.0
                        ELSE 0.0 END AS nps,
                   CASE WHEN NOT ui.subscription_scored THEN NULL
                        WHEN {promoter} THEN 100.0 ELSE 0.0 END AS promoter_rate,
                   CASE WHEN NOT ui.subscription_scored THEN NULL
                        WHEN {detractor} THEN 100.0 ELSE 0.0 END AS detractor_rate,
                   CASE WHEN ui.subscription_scored THEN 100.0 ELSE 0.0 END AS response_rate
              FROM survey_user_input ui
              JOIN subscription_subscription sub ON sub.id = ui.subscription_id
              LEFT JOIN res_partner p ON p.id = sub.partner_id
             WHERE ui.survey_id = ANY(ARRAY(SELECT s.id FROM survey_survey s
                                            WHERE s.subscription_survey_kind = 'nps'))
               AND NOT COALESCE(ui.test_entry, false)
        """

    # The NPS surveys are taken as a list in the query (a join to the few
    # surveys made the planner expect a hundredth of the answers and look the
    # subscription up answer by answer); the index on the day of invitation
    # gives the planner the rows of a date range.
    _engagement_indexes = (
        "CREATE INDEX IF NOT EXISTS survey_user_input_create_day_idx"
        " ON survey_user_input (((create_date)::date))",
    )


class SubscriptionSaveReport(models.Model):
    """One row per voluntary cancellation decision: a save offer taken in
    the cancellation flow (saved) or a cancellation requested with a
    voluntary reason (or none): a ``cancel_scheduled`` event, or a
    ``cancelled`` event not preceded by a scheduled one."""

    _name = "subscription.save.report"
    _inherit = "subscription.engagement.report.mixin"
    _description = "Save Rate"
    _auto = False
    _rec_name = "date"
    _order = "date desc, id desc"

    date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    subscription_id = fields.Many2one("subscription.subscription", readonly=True)
    tier_id = fields.Many2one("subscription.tier", readonly=True)
    reason_id = fields.Many2one("subscription.cancel.reason", readonly=True)
    outcome = fields.Selection([("saved", "Saved"), ("cancelled", "Cancelled")], readonly=True)
    offer_name = fields.Char(string="Offer", readonly=True)
    offer_kind = fields.Selection(
        [("discount", "Discount"), ("pause", "Pause"), ("downgrade", "Downgrade")],
        readonly=True,
    )
    decision_count = fields.Integer(string="Decisions", readonly=True)
    saved_count = fields.Integer(string="Saved", readonly=True)
    cancelled_count = fields.Integer(string="Cancelled", readonly=True)
    save_rate = fields.Float(
        string="Save Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Saved / (saved + cancelled) of the decisions in the group.",
    )

    @api.model
    def _engagement_query(self):
        return """
            WITH requests AS (
                SELECT e.id, e.subscription_id, e.company_id, e.effective_date, e.reason_id,
                       e.event_type,
                       LAG(e.event_type) OVER (PARTITION BY e.subscription_id
                                               ORDER BY e.date, e.id) AS previous_type
                  FROM subscription_event e
                 WHERE e.event_type IN ('cancel_scheduled', 'cancelled', 'reactivated')
            )
            SELECT 2 * acc.id AS id, acc.date, acc.company_id, sub.partner_id,
                   acc.subscription_id, sub.tier_id, acc.reason_id, 'saved' AS outcome,
                   o.name->>'en_US' AS offer_name,
                   acc.kind AS offer_kind, 1 AS decision_count, 1 AS saved_count,
                   0 AS cancelled_count, 100.0 AS save_rate
              FROM subscription_retention_acceptance acc
              JOIN subscription_subscription sub ON sub.id = acc.subscription_id
              JOIN subscription_retention_offer o ON o.id = acc.offer_id
             WHERE acc.source = 'cancellation'
            UNION ALL
            SELECT 2 * r.id + 1, r.effective_date, r.company_id, sub.partner_id,
                   r.subscription_id, sub.tier_id, r.reason_id, 'cancelled', NULL, NULL,
                   1, 0, 1, 0.0
              FROM requests r
              JOIN subscription_subscription sub ON sub.id = r.subscription_id
              LEFT JOIN subscription_cancel_reason cr ON cr.id = r.reason_id
             WHERE (r.event_type = 'cancel_scheduled'
                    OR (r.event_type = 'cancelled'
                        AND r.previous_type IS DISTINCT FROM 'cancel_scheduled'))
               AND COALESCE(cr.kind, 'voluntary') = 'voluntary'
        """


class SubscriptionSaveOfferReport(models.Model):
    """One row per save offer shown in a cancellation flow that ended in a
    decision: the offers kept on the ``saved_by_offer`` event (one of them
    taken) or on the cancellation that followed them (all declined). A flow
    left without a decision is not counted."""

    _name = "subscription.save.offer.report"
    _inherit = "subscription.engagement.report.mixin"
    _description = "Save Rate per Offer"
    _auto = False
    _rec_name = "offer_name"
    _order = "date desc, id desc"

    date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    subscription_id = fields.Many2one("subscription.subscription", readonly=True)
    tier_id = fields.Many2one("subscription.tier", readonly=True)
    reason_id = fields.Many2one("subscription.cancel.reason", readonly=True)
    offer_name = fields.Char(string="Offer", readonly=True)
    offer_kind = fields.Selection(
        [("discount", "Discount"), ("pause", "Pause"), ("downgrade", "Downgrade")],
        readonly=True,
    )
    outcome = fields.Selection(
        [("accepted", "Accepted"), ("other_offer", "Other Offer Taken"), ("declined", "Declined")],
        readonly=True,
        help="Accepted: this offer was taken; Other Offer Taken: the customer took another "
        "offer shown with it; Declined: the customer cancelled.",
    )
    offered_count = fields.Integer(string="Times Offered", readonly=True)
    accepted_count = fields.Integer(string="Times Accepted", readonly=True)
    save_rate = fields.Float(
        string="Save Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Times accepted / times offered in the group.",
    )

    @api.model
    def _view_variant(self):
        variant = super()._view_variant()
        if variant == "engagement" and (
            "retention_offer_shown_ids" not in self.env["subscription.event"]._fields
        ):
            return "empty"
        return variant

    @api.model
    def _engagement_query(self):
        return """
            SELECT (ROW_NUMBER() OVER (ORDER BY rel.event_id, rel.offer_id))::int4 AS id,
                   e.effective_date AS date, e.company_id, sub.partner_id,
                   e.subscription_id, sub.tier_id, e.reason_id,
                   o.name->>'en_US' AS offer_name, o.kind AS offer_kind,
                   CASE WHEN e.retention_offer_id = rel.offer_id THEN 'accepted'
                        WHEN e.event_type = 'saved_by_offer' THEN 'other_offer'
                        ELSE 'declined' END AS outcome,
                   1 AS offered_count,
                   CASE WHEN e.retention_offer_id = rel.offer_id THEN 1 ELSE 0 END
                       AS accepted_count,
                   CASE WHEN e.retention_offer_id = rel.offer_id THEN 100.0 ELSE 0.0 END
                       AS save_rate
              FROM subscription_event_retention_offer_shown_rel rel
              JOIN subscription_event e ON e.id = rel.event_id
              JOIN subscription_subscription sub ON sub.id = e.subscription_id
              JOIN subscription_retention_offer o ON o.id = rel.offer_id
             WHERE e.event_type IN ('saved_by_offer', 'cancel_scheduled', 'cancelled')
        """


class SubscriptionWinbackReport(models.Model):
    """One row per win-back message sent (engagement log, occasion
    ``winback``): won back when the subscription was reactivated on or after
    the day of the message, or a new subscription was started from its
    link."""

    _name = "subscription.winback.report"
    _inherit = "subscription.engagement.report.mixin"
    _description = "Win-back Rate"
    _auto = False
    _rec_name = "date"
    _order = "date desc, id desc"

    date = fields.Date(string="Sent On", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    subscription_id = fields.Many2one("subscription.subscription", readonly=True)
    tier_id = fields.Many2one("subscription.tier", readonly=True)
    returned_on = fields.Date(readonly=True)
    message_count = fields.Integer(string="Messages", readonly=True)
    won_back_count = fields.Integer(string="Won Back", readonly=True)
    winback_rate = fields.Float(string="Win-back Rate (%)", readonly=True, aggregator="avg")
    days_to_return = fields.Float(readonly=True, aggregator="avg")

    @api.model
    def _engagement_query(self):
        return """
            SELECT log.id, (log.date)::date AS date, log.company_id, sub.partner_id,
                   log.subscription_id, sub.tier_id, back.returned_on,
                   1 AS message_count,
                   CASE WHEN back.returned_on IS NULL THEN 0 ELSE 1 END AS won_back_count,
                   CASE WHEN back.returned_on IS NULL THEN 0.0 ELSE 100.0 END AS winback_rate,
                   back.returned_on - (log.date)::date AS days_to_return
              FROM subscription_engagement_log log
              JOIN subscription_subscription sub ON sub.id = log.subscription_id
              LEFT JOIN LATERAL (
                   SELECT MIN(d) AS returned_on FROM (
                       SELECT e.effective_date AS d
                         FROM subscription_event e
                        WHERE e.subscription_id = log.subscription_id
                          AND e.event_type = 'reactivated'
                          AND e.effective_date >= (log.date)::date
                       UNION ALL
                       SELECT succ.date_start
                         FROM subscription_subscription succ
                        WHERE succ.id = sub.winback_successor_id
                   ) returns
              ) back ON true
             WHERE log.occasion = 'winback'
        """

    # The messages of an occasion and a range of days (the log holds every
    # message sent) and the reactivations of a subscription (the return of
    # each message).
    _engagement_indexes = (
        "CREATE INDEX IF NOT EXISTS subscription_engagement_log_occasion_day_idx"
        " ON subscription_engagement_log (occasion, ((date)::date))",
        "CREATE INDEX IF NOT EXISTS subscription_event_reactivated_idx"
        " ON subscription_event (subscription_id, effective_date)"
        " WHERE event_type = 'reactivated'",
    )


class SubscriptionEngagementKpis(models.AbstractModel):
    _name = "subscription.engagement.kpis"
    _description = "Engagement KPIs"

    @api.model
    def _kpis(self, company, date_from, date_to):
        """NPS, response rate, save rate and win-back rate of ``company`` for
        the days ``date_from``..``date_to`` (``tools/engagement.py``), summed
        in SQL from the report views; None without subscription_engagement.
        The caller checks the reader's rights."""
        if not engagement_installed(self.env):
            return None
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT COALESCE(SUM(response_count) FILTER (WHERE answered), 0),
                       COALESCE(SUM(promoter_count) FILTER (WHERE answered), 0),
                       COALESCE(SUM(detractor_count) FILTER (WHERE answered), 0),
                       COUNT(*) FILTER (WHERE invited),
                       COALESCE(SUM(response_count) FILTER (WHERE invited), 0)
                  FROM (SELECT *, answered_on BETWEEN %(f)s AND %(t)s AS answered,
                               invited_on BETWEEN %(f)s AND %(t)s AS invited
                          FROM subscription_nps_report
                         WHERE company_id = %(c)s
                           AND (answered_on BETWEEN %(f)s AND %(t)s
                                OR invited_on BETWEEN %(f)s AND %(t)s)) nps
                """,
                f=date_from,
                t=date_to,
                c=company.id,
            )
        )
        responses, promoters, detractors, invited, answered = cr.fetchone()
        cr.execute(
            SQL(
                "SELECT COALESCE(SUM(saved_count), 0), COALESCE(SUM(cancelled_count), 0)"
                " FROM subscription_save_report"
                " WHERE company_id = %s AND date BETWEEN %s AND %s",
                company.id,
                date_from,
                date_to,
            )
        )
        saved, cancelled = cr.fetchone()
        cr.execute(
            SQL(
                "SELECT COUNT(*), COALESCE(SUM(won_back_count), 0)"
                " FROM subscription_winback_report"
                " WHERE company_id = %s AND date BETWEEN %s AND %s",
                company.id,
                date_from,
                date_to,
            )
        )
        messages, won_back = cr.fetchone()
        return {
            **engagement.nps_from_counts(promoters, detractors, responses),
            "invitations": invited,
            "response_rate": engagement.response_rate(answered, invited),
            "saved": saved,
            "cancelled": cancelled,
            "save_rate": engagement.save_rate(saved, cancelled),
            "winback_messages": messages,
            "won_back": won_back,
            "winback_rate": engagement.winback_rate(won_back, messages),
        }
