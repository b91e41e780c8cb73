# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

_logger = logging.getLogger(__name__)

BILLED_STATES = ("active", "past_due")


class SubscriptionSubscription(models.Model):
    _inherit = "subscription.subscription"

    # === FIELDS ===#

    billing_mode = fields.Selection(
        selection=[
            ("auto_charge", "Charge the saved payment method"),
            ("send_invoice", "Send the invoice"),
        ],
        required=True,
        default="send_invoice",
        tracking=True,
    )
    payment_token_id = fields.Many2one(
        "payment.token",
        string="Payment Method",
        tracking=True,
        domain="[('partner_id', 'child_of', commercial_partner_id), ('active', '=', True)]",
        help="Saved payment method of the customer, charged off-session.",
    )
    dunning_policy_id = fields.Many2one(
        "subscription.dunning.policy",
        compute="_compute_dunning_policy_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    invoice_ids = fields.One2many(
        "account.move", "subscription_id", string="Invoices", readonly=True
    )
    invoice_count = fields.Integer(compute="_compute_invoice_count")
    payment_attempt_ids = fields.One2many(
        "subscription.payment.attempt", "subscription_id", string="Payment Attempts", readonly=True
    )
    amount_due = fields.Monetary(compute="_compute_amount_due")
    dunning_state = fields.Selection(
        string="Dunning Status",
        selection=[
            ("none", "Up to date"),
            ("in_dunning", "Retrying"),
            ("hard_declined", "Payment method to update"),
        ],
        default="none",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    dunning_start_date = fields.Date(
        readonly=True, copy=False, help="Day of the first failed payment."
    )
    dunning_step_id = fields.Many2one(
        "subscription.dunning.step", string="Last Dunning Step", readonly=True, copy=False
    )
    next_dunning_date = fields.Date(readonly=True, copy=False, index=True)
    invoice_pending = fields.Boolean(
        compute="_compute_invoice_pending",
        help="A period has started that is not invoiced yet (invoiced right after "
        "it starts; kept when invoicing failed, and retried the next day).",
    )

    # === COMPUTE / CONSTRAINTS ===#

    @api.depends("company_id")
    def _compute_dunning_policy_id(self):
        for sub in self:
            if not sub.dunning_policy_id:
                sub.dunning_policy_id = (
                    sub.company_id.subscription_dunning_policy_id
                    or self.env.ref(
                        "subscription_billing.dunning_policy_default", raise_if_not_found=False
                    )
                )

    def _compute_invoice_count(self):
        counts = dict(
            self.env["account.move"]
            .sudo()
            ._read_group([("subscription_id", "in", self.ids)], ["subscription_id"], ["__count"])
        )
        for sub in self:
            sub.invoice_count = counts.get(sub, 0)

    def _unpaid_invoice_domain(self):
        return [
            ("subscription_id", "in", self.ids),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
        ]

    @api.constrains("payment_token_id", "partner_id", "currency_id")
    def _check_payment_token(self):
        for sub in self.filtered("payment_token_id"):
            token = sub.payment_token_id.sudo()
            provider = token.provider_id
            if token.partner_id.commercial_partner_id != sub.commercial_partner_id:
                raise ValidationError(
                    _(
                        "%(token)s belongs to another customer than %(name)s.",
                        token=token.display_name,
                        name=sub.name,
                    )
                )
            if provider.state not in ("enabled", "test") or not provider.allow_tokenization:
                raise ValidationError(
                    _(
                        "%(provider)s is not an enabled provider that saves payment methods.",
                        provider=provider.name,
                    )
                )
            if (
                provider.available_currency_ids
                and sub.currency_id not in provider.available_currency_ids
            ):
                raise ValidationError(
                    _(
                        "%(provider)s does not accept payments in %(currency)s.",
                        provider=provider.name,
                        currency=sub.currency_id.name,
                    )
                )

    @api.constrains("billing_mode", "payment_token_id")
    def _check_billing_mode(self):
        for sub in self:
            if sub.billing_mode == "auto_charge" and not sub.payment_token_id:
                raise ValidationError(
                    _(
                        "%(name)s is charged automatically: choose a saved payment method.",
                        name=sub.name,
                    )
                )

    @api.model
    def _get_protected_fields(self):
        """Dunning is driven by payments and by the billing team's actions
        only (see subscription_core's ``_get_protected_fields``)."""
        dunning = _(
            "use the dunning actions (action_retry_payment_now, action_stop_dunning) "
            "or record the payment"
        )
        return {
            **super()._get_protected_fields(),
            "dunning_state": dunning,
            "next_dunning_date": dunning,
            "dunning_start_date": dunning,
            "dunning_step_id": dunning,
            "invoice_pending": dunning,
        }

    def write(self, vals):
        token_changed = "payment_token_id" in vals
        res = super().write(vals)
        if token_changed:
            self.filtered("payment_token_id")._on_payment_method_updated()
        return res

    # === ACTIONS ===#

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("subscription_id", "=", self.id)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        # The list with the billed periods (overlaps and gaps show at once).
        action["views"] = [
            (self.env.ref("subscription_billing.account_move_view_list_subscription").id, "list"),
            (False, "form"),
        ]
        return action

    def _check_billing_staff(self):
        if not self.env.is_superuser() and not self.env.user.has_group(
            "subscription_core.group_subscription_manager"
        ):
            raise AccessError(
                _("Only the billing team (Subscriptions administrators) can do this.")
            )

    def action_retry_payment_now(self):
        self._check_billing_staff()
        for sub in self:
            invoices = sub._unpaid_invoices()
            if not invoices:
                raise UserError(_("%(name)s has nothing to pay.", name=sub.name))
            if not sub.payment_token_id:
                raise UserError(_("%(name)s has no saved payment method.", name=sub.name))
            for invoice in invoices:
                sub._schedule_payment_attempt(invoice, fields.Datetime.now())
        return True

    def action_stop_dunning(self):
        """Stop retries and notices; the subscription stays as it is."""
        self._check_billing_staff()
        for sub in self.filtered(lambda s: s.dunning_state != "none"):
            sub.payment_attempt_ids.filtered(lambda a: a.state == "scheduled").action_skip()
            sub.sudo().write({"dunning_state": "none", "next_dunning_date": False})
            sub.message_post(body=_("Dunning stopped by %(user)s.", user=self.env.user.name))
        return True
