# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models, tools
from odoo.tools import SQL

# Product lines of posted customer invoices and credit notes of a
# subscription (a credit note made by Odoo's reversal wizard carries no
# subscription nor period: its reversed invoice's count), in company
# currency, signed: invoices positive, credit notes negative (-balance).
REVENUE_LINES = """
    SELECT l.id, l.company_id, l.date, l.move_id,
           COALESCE(m.subscription_id, r.subscription_id) AS subscription_id,
           m.move_type, l.product_id, -l.balance AS amount,
           COALESCE(l.subscription_period_start, m.subscription_period_start,
                    r.subscription_period_start, l.date) AS period_start,
           CASE WHEN l.subscription_period_start IS NOT NULL
                THEN COALESCE(l.subscription_period_end, l.subscription_period_start + 1)
                WHEN m.subscription_period_start IS NOT NULL
                THEN COALESCE(m.subscription_period_end, m.subscription_period_start + 1)
                WHEN r.subscription_period_start IS NOT NULL
                THEN COALESCE(r.subscription_period_end, r.subscription_period_start + 1)
                ELSE l.date + 1 END AS period_end
      FROM account_move_line l
      JOIN account_move m ON m.id = l.move_id
      LEFT JOIN account_move r ON r.id = m.reversed_entry_id
     WHERE m.state = 'posted'
       AND m.move_type IN ('out_invoice', 'out_refund')
       AND l.display_type = 'product'
       AND COALESCE(m.subscription_id, r.subscription_id) IS NOT NULL
"""


def _create_view(env, model):
    tools.drop_view_if_exists(env.cr, model._table)
    env.cr.execute(
        SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(model._table), SQL(model._query()))
    )


class SubscriptionRevenueReportMixin(models.AbstractModel):
    """A read of these reports turns JIT off for its transaction (``SET
    LOCAL``), as the snapshot builder does: the plans are simple scans and
    joins, and compiling them took seconds when the views spread each line
    over its months with ``generate_series`` (3 s measured at 2,000
    subscriptions for an 800 ms query)."""

    _name = "subscription.revenue.report.mixin"
    _description = "Revenue Report (no JIT)"

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        self.env.cr.execute(SQL("SET LOCAL jit = off"))
        return super()._search(domain, offset=offset, limit=limit, order=order)


class SubscriptionInvoicedRevenueReport(models.Model):
    """Invoiced revenue: one row per product line of a posted subscription
    invoice or credit note, dated by its accounting date, in company
    currency, net of credit notes (negative). The company and the
    subscription are left joins (every line has both: a deleted
    subscription leaves its invoices without one), so that a read without
    their fields skips them."""

    _name = "subscription.invoiced.revenue.report"
    _inherit = "subscription.revenue.report.mixin"
    _description = "Invoiced Subscription Revenue"
    _auto = False
    _rec_name = "date"
    _order = "date desc, id desc"

    date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    move_type = fields.Selection(
        [("out_invoice", "Invoice"), ("out_refund", "Credit Note")], string="Type", readonly=True
    )
    subscription_id = fields.Many2one("subscription.subscription", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    tier_id = fields.Many2one("subscription.tier", readonly=True)
    cycle_id = fields.Many2one("subscription.cycle", string="Billing Cycle", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    period_start = fields.Date(readonly=True)
    period_end = fields.Date(string="Period End (excluded)", readonly=True)
    amount = fields.Monetary(string="Invoiced Revenue", readonly=True)

    @api.model
    def _query(self):
        return f"""
            SELECT x.id, x.date, x.company_id, c.currency_id, x.move_id, x.move_type,
                   x.subscription_id, s.commercial_partner_id AS partner_id, s.tier_id,
                   s.cycle_id, cp.country_id, s.user_id, x.product_id, x.period_start,
                   x.period_end, x.amount
              FROM ({REVENUE_LINES}) x
              LEFT JOIN res_company c ON c.id = x.company_id
              LEFT JOIN subscription_subscription s ON s.id = x.subscription_id
              LEFT JOIN res_partner cp ON cp.id = s.commercial_partner_id
        """

    def init(self):
        _create_view(self.env, self)


class SubscriptionRecognizedRevenueReport(models.Model):
    """Recognised revenue: each invoiced line spread over the months of its
    service period in proportion to the days in each month. The part of
    month *k* is round(A x D(k) / D) - round(A x D(k-1) / D) (rounded by the
    company currency), where A
    is the line's amount, D the period's days and D(k) the period's days up
    to the end of month k: the parts add up to A to the cent. A line without
    a period is recognised on its date. It reads the rows of
    ``subscription.revenue.month`` (kept by the daily job: as of its last
    run) in the months of each line's period."""

    _name = "subscription.recognized.revenue.report"
    _inherit = "subscription.revenue.report.mixin"
    _description = "Recognised Subscription Revenue"
    _auto = False
    _rec_name = "month_date"
    _order = "month_date desc, id desc"

    month_date = fields.Date(string="Month", readonly=True)
    date = fields.Date(string="Invoice Date", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    subscription_id = fields.Many2one("subscription.subscription", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    tier_id = fields.Many2one("subscription.tier", readonly=True)
    cycle_id = fields.Many2one("subscription.cycle", string="Billing Cycle", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    line_amount = fields.Monetary(string="Line Amount", readonly=True, aggregator=None)
    days = fields.Integer(string="Days in Month", readonly=True)
    amount = fields.Monetary(string="Recognised Revenue", readonly=True)

    @api.model
    def _query(self):
        # Left joins: a read that does not ask for the subscription's
        # fields skips them (PostgreSQL removes an unused left join).
        return """
            SELECT t.id, t.month_date, t.date, t.company_id, t.currency_id, t.move_id,
                   t.subscription_id, s.commercial_partner_id AS partner_id, s.tier_id,
                   s.cycle_id, cp.country_id, s.user_id, t.line_amount, t.days, t.amount
              FROM subscription_revenue_month t
              LEFT JOIN subscription_subscription s ON s.id = t.subscription_id
              LEFT JOIN res_partner cp ON cp.id = s.commercial_partner_id
             WHERE t.days > 0
        """

    def init(self):
        _create_view(self.env, self)


class SubscriptionDeferredRevenueReport(models.Model):
    """Deferred revenue: what was invoiced but not yet recognised, as a
    balance at each month end. For a line of amount A over a service period
    of D days, at the end of month k (from the month of the line's date):
    A - round(A x D(k) / D), D(k) being the period's days up to that month
    end (the cumulative form of the recognised revenue, so invoiced -
    recognised agrees with that report to the cent). Credit notes count
    negative. Month ends with nothing left deferred have no row. Each line
    has at most one row per month end: sum over lines, never over months.
    It reads the rows of ``subscription.revenue.month`` with a balance
    (kept by the daily job: as of its last run)."""

    _name = "subscription.deferred.revenue.report"
    _inherit = "subscription.revenue.report.mixin"
    _description = "Deferred Subscription Revenue"
    _auto = False
    _rec_name = "month_date"
    _order = "month_date desc, id desc"

    month_date = fields.Date(string="Month End", readonly=True)
    date = fields.Date(string="Invoice Date", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    move_type = fields.Selection(
        [("out_invoice", "Invoice"), ("out_refund", "Credit Note")], string="Type", readonly=True
    )
    subscription_id = fields.Many2one("subscription.subscription", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    tier_id = fields.Many2one("subscription.tier", readonly=True)
    cycle_id = fields.Many2one("subscription.cycle", string="Billing Cycle", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    period_start = fields.Date(readonly=True)
    period_end = fields.Date(string="Period End (excluded)", readonly=True)
    line_amount = fields.Monetary(string="Line Amount", readonly=True, aggregator=None)
    recognized = fields.Monetary(string="Recognised to Date", readonly=True)
    amount = fields.Monetary(string="Deferred Revenue", readonly=True)

    @api.model
    def _query(self):
        return """
            SELECT t.id, t.month_end AS month_date, t.date, t.company_id, t.currency_id,
                   t.move_id, t.move_type, t.subscription_id,
                   s.commercial_partner_id AS partner_id, s.tier_id, s.cycle_id,
                   cp.country_id, s.user_id, t.period_start, t.period_end,
                   t.line_amount, t.recognized, t.deferred AS amount
              FROM subscription_revenue_month t
              LEFT JOIN subscription_subscription s ON s.id = t.subscription_id
              LEFT JOIN res_partner cp ON cp.id = s.commercial_partner_id
             WHERE t.is_deferred
        """

    def init(self):
        _create_view(self.env, self)
