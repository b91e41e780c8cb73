# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

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
