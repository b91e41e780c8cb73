# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

OPPORTUNITY_KINDS = [
    ("renewal", "Renewal"),
    ("expansion", "Expansion"),
    ("save", "Save"),
]


class CrmLead(models.Model):
    """Opportunities the subscriptions raise: a renewal coming, a promoter who
    could move up a tier, a valuable customer about to leave."""

    _inherit = "crm.lead"

    subscription_id = fields.Many2one(
        "subscription.subscription",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        groups="subscription_core.group_subscription_user",
    )
    subscription_opportunity_kind = fields.Selection(
        OPPORTUNITY_KINDS,
        string="Subscription Opportunity",
        readonly=True,
        index="btree_not_null",
        groups="subscription_core.group_subscription_user",
    )
    subscription_outcome = fields.Selection(
        [("open", "Open"), ("won", "Won"), ("lost", "Lost")],
        string="Outcome",
        compute="_compute_subscription_outcome",
    )

    @api.depends("active", "probability", "stage_id.is_won")
    def _compute_subscription_outcome(self):
        for lead in self:
            if lead.stage_id.is_won:
                lead.subscription_outcome = "won"
            elif not lead.active and not lead.probability:
                lead.subscription_outcome = "lost"
            else:
                lead.subscription_outcome = "open"
