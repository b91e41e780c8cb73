# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

SINCE_PARAM = "subscription_reports.revenue_month_since"
# Moves written up to this long before the last run are read again: a
# transaction that started before the run (its write_date is its start) may
# commit after it. Re-reading a move gives the same rows.
OVERLAP = timedelta(hours=1)
# pg_advisory_xact_lock key: one update of the table at a time.
LOCK_KEY = 7_305_210_418


class SubscriptionRevenueMonth(models.Model):
    """Each product line of a posted subscription invoice or credit note,
    month by month, in company currency (credit notes negative): the part
    of its amount recognised in the month and the balance still deferred
    at the month end. The recognised and deferred revenue reports read it
    (``report/subscription_revenue_report.py``); the daily metrics job
    keeps it, re-writing the rows of the moves posted, cancelled, reset to
    draft or reversed since its last run (``_update``), and
    ``_rebuild_all`` rebuilds it from the posted lines.

    For a line of amount A over a service period of D days (a line
    without a period: its date, one day), with D(k) its days up to the end
    of month k, the row of month k holds the recognised part
    round(A x D(k) / D) - round(A x D(k-1) / D) (``amount``, rounded by the
    company currency, so the parts add up to A to the cent), the recognised
    to date round(A x D(k) / D) and the deferred balance A - that. A line
    has a row for each month from the earlier of its date's and its
    period's first month to its period's last month; the recognised report
    reads those of its period (``days`` > 0), the deferred report those
    from its date's month on with a balance left (``is_deferred``)."""

    _name = "subscription.revenue.month"
    _description = "Subscription Revenue per Invoice Line and Month"
    _order = "month_date desc, id desc"
    _rec_name = "month_date"
    _log_access = False

    line_id = fields.Integer(string="Invoice Line", required=True, readonly=True)
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    subscription_id = fields.Many2one(
        "subscription.subscription", readonly=True, ondelete="cascade"
    )
    move_type = fields.Selection(
        [("out_invoice", "Invoice"), ("out_refund", "Credit Note")], string="Type", readonly=True
    )
    date = fields.Date(string="Invoice Date", readonly=True)
    period_start = fields.Date(readonly=True)
    period_end = fields.Date(string="Period End (excluded)", readonly=True)
    month_date = fields.Date(string="Month", required=True, readonly=True)
    month_end = fields.Date(readonly=True)
    line_amount = fields.Monetary(readonly=True, aggregator=None)
    days = fields.Integer(string="Days in Month", readonly=True)
    amount = fields.Monetary(string="Recognised Revenue", readonly=True)
    recognized = fields.Monetary(string="Recognised to Date", readonly=True, aggregator=None)
    deferred = fields.Monetary(string="Deferred Revenue", readonly=True, aggregator=None)
    is_deferred = fields.Boolean(readonly=True)

    _sql_constraints = [
        (
            "line_month_uniq",
            "UNIQUE (line_id, month_date)",
            "One revenue row per invoice line and month.",
        )
    ]

    def init(self):
        cr = self.env.cr
        for name, definition in (
            ("move_idx", "(move_id)"),
            ("recognized_idx", "(company_id, month_date) WHERE days > 0"),
            ("deferred_idx", "(company_id, month_end) WHERE is_deferred"),
        ):
            cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON subscription_revenue_month %s",
                    SQL.identifier(f"subscription_revenue_month_{name}"),
                    SQL(definition),
                )
            )

    # === BUILDER ===#

    @api.model
    def _rebuild(self):
        """Replace every row with those of the posted lines."""
        self._lock()
        self.env.cr.execute(SQL("DELETE FROM subscription_revenue_month"))
        self._insert_rows()
        self._set_since()
        return True

    @api.model
    def _update(self):
        """Re-write the rows of the subscription invoices and credit notes
        written since the last update (less ``OVERLAP``): posted, cancelled,
        reset to draft, reversed or changed, with the credit notes that
        reverse them (they take their period). The first update rebuilds
        the table. Running it again gives the same rows. Returns the
        number of moves re-read."""
        since = self.env["ir.config_parameter"].sudo().get_param(SINCE_PARAM)
        if not since:
            self._rebuild()
            return None
        self._lock()
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                WITH changed AS (
                    SELECT id FROM account_move
                     WHERE write_date >= %s AND move_type IN ('out_invoice', 'out_refund')
                )
                SELECT id FROM changed
                 UNION
                SELECT m.id FROM account_move m JOIN changed c ON c.id = m.reversed_entry_id
                """,
                fields.Datetime.to_datetime(since) - OVERLAP,
            )
        )
        move_ids = [row[0] for row in cr.fetchall()]
        if move_ids:
            cr.execute(
                SQL("DELETE FROM subscription_revenue_month WHERE move_id = ANY(%s)", move_ids)
            )
            self._insert_rows(move_ids)
        self._set_since()
        return len(move_ids)

    def _lock(self):
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_advisory_xact_lock(%s)", LOCK_KEY))
        # The spreading plan's estimate passes the JIT thresholds.
        cr.execute(SQL("SET LOCAL jit = off"))

    def _set_since(self):
        self.env["ir.config_parameter"].sudo().set_param(
            SINCE_PARAM, fields.Datetime.to_string(self.env.cr.now())
        )
        self.invalidate_model()

    def _insert_rows(self, move_ids=None):
        """Insert the rows of the posted lines (of ``move_ids`` only when
        given)."""
        # Imported here: importing report/ at the top would define the
        # report views before this table, and create them first.
        from ..report.subscription_revenue_report import REVENUE_LINES

        lines = SQL(REVENUE_LINES)
        if move_ids is not None:
            lines = SQL("%s AND m.id = ANY(%s)", lines, move_ids)
        self.env.cr.execute(
            SQL(
                """
                WITH lines AS (
                    SELECT x.*, GREATEST(x.period_end - x.period_start, 1) AS total_days
                      FROM (%(lines)s) x
                ), months AS (
                    SELECT lines.*, g.month::date AS month_date,
                           (g.month + INTERVAL '1 month - 1 day')::date AS month_end,
                           LEAST(GREATEST((g.month + INTERVAL '1 month')::date
                                          - lines.period_start, 0),
                                 lines.total_days) AS through_end,
                           LEAST(GREATEST(g.month::date - lines.period_start, 0),
                                 lines.total_days) AS through_start
                      FROM lines
                     CROSS JOIN LATERAL generate_series(
                         LEAST(DATE_TRUNC('month', lines.date),
                               DATE_TRUNC('month', lines.period_start)),
                         DATE_TRUNC('month', lines.period_start + lines.total_days - 1),
                         INTERVAL '1 month') g(month)
                ), parts AS (
                    SELECT m.*, c.currency_id,
                           ROUND(m.amount * m.through_end / m.total_days,
                                 cur.decimal_places) AS recognized,
                           ROUND(m.amount * m.through_start / m.total_days,
                                 cur.decimal_places) AS recognized_before
                      FROM months m
                      JOIN res_company c ON c.id = m.company_id
                      JOIN res_currency cur ON cur.id = c.currency_id
                )
                INSERT INTO subscription_revenue_month (
                    line_id, move_id, company_id, currency_id, subscription_id, move_type,
                    date, period_start, period_end, month_date, month_end, line_amount, days,
                    amount, recognized, deferred, is_deferred)
                SELECT p.id, p.move_id, p.company_id, p.currency_id, p.subscription_id,
                       p.move_type, p.date, p.period_start, p.period_end, p.month_date,
                       p.month_end, p.amount, p.through_end - p.through_start,
                       p.recognized - p.recognized_before, p.recognized,
                       p.amount - p.recognized,
                       p.month_date >= DATE_TRUNC('month', p.date) AND p.amount <> p.recognized
                  FROM parts p
                 WHERE p.through_end > p.through_start
                    OR (p.month_date >= DATE_TRUNC('month', p.date)
                        AND p.amount <> p.recognized)
                """,
                lines=lines,
            )
        )
