# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

CHECKS = [
    ("subscription", "Ledger = subscription MRR"),
    ("snapshot", "Snapshot = ledger MRR"),
    ("dimension", "Tier/cycle, country and salesperson rows = company row"),
    ("movement", "Movements = MRR change"),
    ("revenue", "Invoiced revenue = posted invoice lines"),
]


class SubscriptionMetricReconcile(models.TransientModel):
    """Checks, to the cent, that the reports agree with the ledger and the
    subscriptions, and lists every difference record by record."""

    _name = "subscription.metric.reconcile"
    _description = "Subscription Metrics Reconciliation"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    date = fields.Date(string="To", required=True, default=fields.Date.context_today)
    state = fields.Selection([("draft", "Draft"), ("done", "Checked")], default="draft")
    line_ids = fields.One2many("subscription.metric.reconcile.line", "reconcile_id")
    difference_count = fields.Integer(compute="_compute_difference_count")

    @api.depends("line_ids")
    def _compute_difference_count(self):
        for wizard in self:
            wizard.difference_count = len(wizard.line_ids)

    def action_reconcile(self):
        self.ensure_one()
        self.line_ids.unlink()
        self.write(
            {
                "line_ids": [fields.Command.create(vals) for vals in self._get_differences()],
                "state": "done",
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _get_differences(self):
        """Every difference, as values of reconciliation lines."""
        self.ensure_one()
        if self.date < self.date_from:
            raise UserError(_("The reconciliation range ends before it starts."))
        self.env.flush_all()
        currency = self.company_id.currency_id
        lines = []

        def add(check, expected, found, **vals):
            if not currency.is_zero(expected - found):
                lines.append(
                    {
                        "check": check,
                        "expected": expected,
                        "found": found,
                        "difference": found - expected,
                        **vals,
                    }
                )

        cr = self.env.cr
        company_id = self.company_id.id
        # 1. Each subscription: the sum of its ledger = its current MRR.
        cr.execute(
            SQL(
                """
                SELECT s.id, s.partner_id, COALESCE(SUM(e.mrr_delta), 0), s.mrr_company
                  FROM subscription_subscription s
                  LEFT JOIN subscription_event e ON e.subscription_id = s.id
                 WHERE s.company_id = %s
                 GROUP BY s.id
                HAVING COALESCE(SUM(e.mrr_delta), 0) <> COALESCE(s.mrr_company, 0)
                 ORDER BY s.id
                """,
                company_id,
            )
        )
        for sub_id, partner_id, ledger, mrr in cr.fetchall():
            add("subscription", ledger, mrr or 0.0, subscription_id=sub_id, partner_id=partner_id)
        # 2. The snapshot of the last day = the ledger's MRR that day, and its
        # tier/cycle, country and salesperson rows add up to it.
        ledger_mrr = self._ledger_mrr(self.date)
        cr.execute(
            SQL(
                """
                SELECT COALESCE(SUM(mrr) FILTER (WHERE dimension = 'total'), 0),
                       COALESCE(SUM(mrr) FILTER (WHERE dimension = 'tier_cycle'), 0),
                       COUNT(*) FILTER (WHERE dimension = 'total'),
                       COALESCE(SUM(mrr) FILTER (WHERE dimension = 'country'), 0),
                       COALESCE(SUM(mrr) FILTER (WHERE dimension = 'salesperson'), 0)
                  FROM subscription_metric_snapshot
                 WHERE company_id = %s AND date = %s
                """,
                company_id,
                self.date,
            )
        )
        snapshot_mrr, dimension_mrr, found, country_mrr, salesperson_mrr = cr.fetchone()
        if not found and ledger_mrr:
            lines.append(
                {
                    "check": "snapshot",
                    "expected": ledger_mrr,
                    "found": 0.0,
                    "difference": -ledger_mrr,
                    "note": _("No snapshot for %(date)s.", date=self.date),
                }
            )
        else:
            add("snapshot", ledger_mrr, snapshot_mrr)
            add("dimension", snapshot_mrr, dimension_mrr, note=_("Tier and cycle rows"))
            add("dimension", snapshot_mrr, country_mrr, note=_("Country rows"))
            add("dimension", snapshot_mrr, salesperson_mrr, note=_("Salesperson rows"))
        # 3. For each customer, the movements of the range = its MRR change.
        day_before = self.date_from - timedelta(days=1)
        cr.execute(
            SQL(
                """
                WITH ledger AS (
                    SELECT COALESCE(p.commercial_partner_id, e.partner_id) AS customer_id,
                           SUM(e.mrr_delta) AS change
                      FROM subscription_event e
                      LEFT JOIN res_partner p ON p.id = e.partner_id
                     WHERE e.company_id = %(company_id)s
                       AND e.effective_date BETWEEN %(date_from)s AND %(date_to)s
                     GROUP BY 1
                ), report AS (
                    SELECT partner_id AS customer_id, SUM(amount) AS moved
                      FROM subscription_mrr_movement_report
                     WHERE company_id = %(company_id)s
                       AND date BETWEEN %(date_from)s AND %(date_to)s
                     GROUP BY partner_id
                )
                SELECT l.customer_id, l.change, COALESCE(r.moved, 0)
                  FROM ledger l LEFT JOIN report r ON r.customer_id = l.customer_id
                 WHERE l.change <> COALESCE(r.moved, 0)
                 ORDER BY l.customer_id
                """,
                company_id=company_id,
                date_from=self.date_from,
                date_to=self.date,
                day_before=day_before,
            )
        )
        for partner_id, change, moved in cr.fetchall():
            add("movement", change, moved, partner_id=partner_id)
        # ... and the snapshots' net new MRR of the range = their MRR change.
        cr.execute(
            SQL(
                """
                SELECT COALESCE(SUM(net_new_mrr) FILTER (WHERE date >= %(date_from)s), 0),
                       COALESCE(SUM(mrr) FILTER (WHERE date = %(date_to)s), 0)
                       - COALESCE(SUM(mrr) FILTER (WHERE date = %(day_before)s), 0)
                  FROM subscription_metric_snapshot
                 WHERE company_id = %(company_id)s AND dimension = 'total'
                   AND date BETWEEN %(day_before)s AND %(date_to)s
                """,
                company_id=company_id,
                date_from=self.date_from,
                date_to=self.date,
                day_before=day_before,
            )
        )
        net_new, change = cr.fetchone()
        if found:
            add(
                "movement",
                self._ledger_mrr(self.date) - self._ledger_mrr(day_before),
                net_new,
                note=_("Net new MRR of the snapshots"),
            )
            add("movement", net_new, change, note=_("MRR change of the snapshots"))
        self._revenue_differences(add)
        return lines

    def _revenue_differences(self, add):
        """4. Invoiced revenue of the range (the report) = the posted product
        lines of subscription invoices and credit notes (read through the
        ORM), invoice by invoice; and each of those invoices is recognised
        in full over the months of its period (the revenue per line and
        month brought up to date first)."""
        self.env["subscription.revenue.month"].sudo()._update()
        domain = [
            ("company_id", "=", self.company_id.id),
            ("parent_state", "=", "posted"),
            ("move_id.move_type", "in", ("out_invoice", "out_refund")),
            ("display_type", "=", "product"),
            ("date", ">=", self.date_from),
            ("date", "<=", self.date),
            "|",
            ("move_id.subscription_id", "!=", False),
            ("move_id.reversed_entry_id.subscription_id", "!=", False),
        ]
        posted = {
            move.id: -balance
            for move, balance in self.env["account.move.line"]
            .sudo()
            ._read_group(domain, ["move_id"], ["balance:sum"])
        }
        report = {
            move.id: amount
            for move, amount in self.env["subscription.invoiced.revenue.report"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", self.company_id.id),
                    ("date", ">=", self.date_from),
                    ("date", "<=", self.date),
                ],
                ["move_id"],
                ["amount:sum"],
            )
        }
        recognized = {
            move.id: amount
            for move, amount in self.env["subscription.recognized.revenue.report"]
            .sudo()
            ._read_group([("move_id", "in", list(posted))], ["move_id"], ["amount:sum"])
        }
        currency = self.company_id.currency_id
        for move_id in sorted(set(posted) | set(report)):
            expected, found = posted.get(move_id, 0.0), report.get(move_id, 0.0)
            if not currency.is_zero(expected - found):
                add("revenue", expected, found, move_id=move_id)
            if not currency.is_zero(expected - recognized.get(move_id, 0.0)):
                add(
                    "revenue",
                    expected,
                    recognized.get(move_id, 0.0),
                    move_id=move_id,
                    note=_("Recognised revenue of the invoice"),
                )

    def _ledger_mrr(self, day):
        self.env.cr.execute(
            SQL(
                "SELECT COALESCE(SUM(mrr_delta), 0) FROM subscription_event"
                " WHERE company_id = %s AND effective_date <= %s",
                self.company_id.id,
                day,
            )
        )
        return self.env.cr.fetchone()[0]


class SubscriptionMetricReconcileLine(models.TransientModel):
    _name = "subscription.metric.reconcile.line"
    _description = "Subscription Metrics Reconciliation Difference"

    reconcile_id = fields.Many2one(
        "subscription.metric.reconcile", required=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="reconcile_id.currency_id")
    check = fields.Selection(CHECKS, required=True)
    subscription_id = fields.Many2one("subscription.subscription")
    partner_id = fields.Many2one("res.partner", string="Customer")
    move_id = fields.Many2one("account.move", string="Invoice")
    expected = fields.Monetary()
    found = fields.Monetary()
    difference = fields.Monetary()
    note = fields.Char()
