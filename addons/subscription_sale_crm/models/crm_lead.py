# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, models
from odoo.exceptions import UserError


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def action_subscription_quotation(self):
        """A draft quotation that changes the opportunity's subscription
        (``subscription_sale``'s ``_create_change_quotation``), linked to the
        opportunity: the next tier up for an expansion, the current plan to
        renew (and adjust) for a renewal or a save."""
        self.ensure_one()
        sub = self.subscription_id
        if not sub:
            raise UserError(_("This opportunity is not about a subscription."))
        tier = None
        effective = None
        if self.subscription_opportunity_kind == "expansion":
            tier = sub._crm_next_tier()
            if not tier:
                raise UserError(
                    _("%(name)s is already on the highest tier its cycle offers.", name=sub.name)
                )
            effective = "now"
        order = sub._create_change_quotation(
            tier=tier, effective=effective, order_values={"opportunity_id": self.id}
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": order.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
