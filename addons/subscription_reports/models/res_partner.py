# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from ..tools import health


class ResPartner(models.Model):
    _inherit = "res.partner"

    subscription_health = fields.Integer(
        string="Subscription Health",
        compute="_compute_subscription_health",
        groups="subscription_reports.group_subscription_reports_reader",
        help="Lowest health score (0-100) of the customer's live subscriptions, as of the "
        "last run of the daily metrics job.",
    )
    subscription_health_band = fields.Selection(
        [("healthy", "Healthy"), ("at_risk", "At Risk"), ("critical", "Critical")],
        string="Health",
        compute="_compute_subscription_health",
        groups="subscription_reports.group_subscription_reports_reader",
    )

    def _compute_subscription_health(self):
        Health = self.env["subscription.metric.health"].sudo()
        lowest = dict(
            Health._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                ["partner_id"],
                ["score:min"],
            )
        )
        for partner in self:
            score = lowest.get(partner.commercial_partner_id)
            partner.subscription_health = score or 0
            partner.subscription_health_band = health.band(score) if score is not None else False

    def action_view_subscription_health(self):
        """The health of the customer's subscriptions, for readers."""
        self.ensure_one()
        self.env["subscription.metric.health"].check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "subscription_reports.subscription_metric_health_action"
        )
        action.update(
            {
                "domain": [("partner_id", "=", self.commercial_partner_id.id)],
                "context": {},
            }
        )
        return action

    def action_view_mrr_movements(self):
        """The customer's MRR movements (its commercial entity's), for the
        readers of the subscription reports."""
        self.ensure_one()
        Report = self.env["subscription.mrr.movement.report"]
        Report.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "subscription_reports.subscription_mrr_movement_report_action"
        )
        action.update(
            {
                "name": self.env._("MRR History of %(name)s", name=self.commercial_partner_id.name),
                "domain": [("partner_id", "=", self.commercial_partner_id.id)],
                "context": {},
                "view_mode": "list,graph,pivot",
                "views": [(False, "list"), (False, "graph"), (False, "pivot")],
            }
        )
        return action
