# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.subscription_core.models.subscription_price import MAX_AMOUNT


class SubscriptionBillingAdjustment(models.Model):
    """An amount outside the plan, in the subscription's currency. A charge
    (positive) waits for the next period invoice, where it becomes a line; a
    credit (negative) becomes at once a posted credit note applied to the
    open and next invoices (see subscription_credit.py). Billing staff add
    them by hand; plan changes billed on the next invoice add charges."""

    _name = "subscription.billing.adjustment"
    _description = "Subscription Billing Adjustment"
    _order = "id"

    subscription_id = fields.Many2one(
        "subscription.subscription", required=True, ondelete="cascade", index=True
    )
    event_id = fields.Many2one("subscription.event", ondelete="set null")
    name = fields.Char(required=True)
    product_id = fields.Many2one(
        "product.product",
        required=True,
        compute="_compute_product_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    amount = fields.Monetary(
        required=True, aggregator=None, help="Positive: charge; negative: credit."
    )
    currency_id = fields.Many2one(related="subscription_id.currency_id")
    company_id = fields.Many2one(related="subscription_id.company_id", store=True, index=True)
    date_from = fields.Date()
    date_to = fields.Date()
    invoice_id = fields.Many2one(
        "account.move",
        copy=False,
        index="btree_not_null",
        readonly=True,
        help="The period invoice that billed this charge, or the credit note of this credit.",
    )

    @api.depends("subscription_id")
    def _compute_product_id(self):
        for adjustment in self:
            if not adjustment.product_id:
                adjustment.product_id = adjustment.subscription_id.tier_id.product_id

    @api.constrains("amount", "subscription_id")
    def _check_amount(self):
        for adjustment in self:
            if adjustment.currency_id.is_zero(adjustment.amount):
                raise ValidationError(_("An adjustment needs an amount."))
            if abs(adjustment.amount) > MAX_AMOUNT:
                raise ValidationError(
                    _("An adjustment can be at most %(max)s.", max=format(MAX_AMOUNT, ","))
                )
            if adjustment.subscription_id.state == "draft":
                raise ValidationError(
                    _(
                        "%(name)s is not started: change its plan instead.",
                        name=adjustment.subscription_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        adjustments = super().create(vals_list)
        for adjustment in adjustments.filtered(lambda a: a.amount < 0 and not a.invoice_id):
            adjustment._credit_now()
        return adjustments

    def _credit_now(self):
        """Post the credit note of a credit adjustment."""
        self.ensure_one()
        sub = self.subscription_id
        today = fields.Date.context_today(self)
        self.invoice_id = sub._credit_customer(
            -self.amount,
            self.name,
            self.date_from or today,
            self.date_to or sub.current_period_end or today,
            product=self.product_id,
        )
