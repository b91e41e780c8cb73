# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..models.subscription_metric_movement import MOVEMENT_KINDS


class SubscriptionMrrMovementReport(models.Model):
    """MRR movements: one row per customer and day whose MRR changed,
    classified as in ``tools/metrics.py`` (see the readme): a view of the
    movements stored by the snapshot builder, with the customer's country
    and the subscription's current billing cycle and salesperson."""

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
        return """
            SELECT m.id, m.date, m.company_id, c.currency_id,
                   m.partner_id, p.country_id,
                   m.subscription_id, m.tier_id, s.cycle_id, s.user_id,
                   m.kind, m.amount,
                   GREATEST(m.amount, 0) AS gain, LEAST(m.amount, 0) AS loss,
                   m.mrr_before, m.mrr_after
              FROM subscription_metric_movement m
              JOIN res_company c ON c.id = m.company_id
              LEFT JOIN res_partner p ON p.id = m.partner_id
              LEFT JOIN subscription_subscription s ON s.id = m.subscription_id
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), SQL(self._query())
            )
        )
