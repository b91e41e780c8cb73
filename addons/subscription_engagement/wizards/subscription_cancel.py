# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import UserError


class SubscriptionCancel(models.TransientModel):
    """The cancel wizard of subscription_core with the save offers that
    match the reason: take one instead of cancelling, or cancel."""

    _inherit = "subscription.cancel"

    offer_ids = fields.Many2many(
        "subscription.retention.offer",
        string="Save Offers",
        compute="_compute_offer_ids",
        help="Offers matching the reason and the subscription's tier.",
    )
    offer_id = fields.Many2one(
        "subscription.retention.offer",
        string="Save Offer",
        domain="[('id', 'in', offer_ids)]",
        help="The offer the customer takes instead of cancelling.",
    )

    @api.depends("subscription_id", "reason_id")
    def _compute_offer_ids(self):
        for wizard in self:
            wizard.offer_ids = (
                wizard.subscription_id._get_retention_offers(wizard.reason_id)
                if wizard.subscription_id and wizard.reason_id
                else False
            )

    @api.onchange("reason_id")
    def _onchange_reason_id_offer(self):
        if self.offer_id and self.offer_id not in self.offer_ids:
            self.offer_id = False

    def action_confirm(self):
        """Cancel; the save offers the wizard showed (declined) are kept on
        the cancellation event."""
        self.ensure_one()
        wizard = self.with_context(retention_offers_shown=self.offer_ids.ids)
        return super(SubscriptionCancel, wizard).action_confirm()

    def action_accept_offer(self):
        """Apply the chosen offer; the subscription is not cancelled."""
        self.ensure_one()
        if not self.offer_id:
            raise UserError(self.env._("Choose the save offer the customer takes."))
        self.subscription_id.action_accept_offer(
            self.offer_id.id, self.reason_id.id, feedback=self.feedback or None
        )
        return {"type": "ir.actions.act_window_close"}
