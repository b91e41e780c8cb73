# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import retention

OFFER_KINDS = [
    ("discount", "Discount"),
    ("pause", "Pause"),
    ("downgrade", "Downgrade"),
]


class SubscriptionRetentionOffer(models.Model):
    """A save offer shown to a customer who cancels: a discount of some
    percent on the next N period invoices, a pause of N periods, or a
    downgrade to a cheaper tier. An offer matches a cancellation by its
    reasons and tiers (empty: all) and company."""

    _name = "subscription.retention.offer"
    _description = "Save Offer"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    description = fields.Text(
        translate=True, help="What the customer reads under the offer's name."
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    kind = fields.Selection(OFFER_KINDS, required=True, default="discount")
    discount_percent = fields.Float(string="Discount (%)", digits=(5, 2))
    discount_periods = fields.Integer(
        string="Discounted Periods", default=3, help="Number of period invoices discounted."
    )
    pause_periods = fields.Integer(
        default=1, help="The subscription is paused for this many billing periods."
    )
    downgrade_tier_id = fields.Many2one(
        "subscription.tier",
        string="Downgrade To",
        ondelete="restrict",
        help="A cheaper tier (lower rank) than the subscription's; the change "
        "takes effect at the end of the current period.",
    )
    reason_ids = fields.Many2many(
        "subscription.cancel.reason",
        string="Reasons",
        help="Cancellation reasons this offer answers; empty: every reason.",
    )
    tier_ids = fields.Many2many(
        "subscription.tier",
        string="Tiers",
        help="Tiers of the subscriptions this offer is made to; empty: every tier.",
    )
    winback = fields.Boolean(
        string="Offer in Win-back",
        help="Also offer this discount in the win-back message sent after a "
        "subscription ends (the first matching one).",
    )
    company_id = fields.Many2one("res.company", index=True, help="Empty: offered in every company.")
    acceptance_count = fields.Integer(compute="_compute_acceptance_count", string="Taken")

    _sql_constraints = [
        (
            "discount_percent_range",
            "CHECK(discount_percent >= 0 AND discount_percent <= 100)",
            "A discount is between 0 and 100 %.",
        ),
    ]

    def _compute_acceptance_count(self):
        counts = dict(
            self.env["subscription.retention.acceptance"]
            .sudo()
            ._read_group([("offer_id", "in", self.ids)], ["offer_id"], ["__count"])
        )
        for offer in self:
            offer.acceptance_count = counts.get(offer._origin, 0)

    @api.constrains(
        "kind",
        "discount_percent",
        "discount_periods",
        "pause_periods",
        "downgrade_tier_id",
        "winback",
    )
    def _check_kind_values(self):
        limit = retention.MAX_PERIODS
        for offer in self:
            if offer.kind == "discount":
                if not 0 < offer.discount_percent <= retention.MAX_DISCOUNT_PERCENT:
                    raise ValidationError(
                        _(
                            "%(offer)s: a discount is more than 0 and at most 100 %%.",
                            offer=offer.name,
                        )
                    )
                if not 1 <= offer.discount_periods <= limit:
                    raise ValidationError(
                        _(
                            "%(offer)s: discount 1 to %(max)s periods.",
                            offer=offer.name,
                            max=limit,
                        )
                    )
            elif offer.kind == "pause" and not 1 <= offer.pause_periods <= limit:
                raise ValidationError(
                    _("%(offer)s: pause 1 to %(max)s periods.", offer=offer.name, max=limit)
                )
            elif offer.kind == "downgrade" and not offer.downgrade_tier_id:
                raise ValidationError(
                    _("%(offer)s: choose the tier to downgrade to.", offer=offer.name)
                )
            if offer.winback and offer.kind != "discount":
                raise ValidationError(
                    _("%(offer)s: only a discount can be offered in win-back.", offer=offer.name)
                )

    # === MATCHING ===#

    def _matches(self, subscription, reason=None, winback=False):
        """Whether this offer may be made to ``subscription`` cancelling for
        ``reason`` (None: any reason), or, with ``winback``, in the win-back
        message of the ended ``subscription``."""
        self.ensure_one()
        if winback and not self.winback:
            return False
        if self.company_id and self.company_id != subscription.company_id:
            return False
        if self.tier_ids and subscription.tier_id not in self.tier_ids:
            return False
        if reason and self.reason_ids and reason not in self.reason_ids:
            return False
        return winback or self._is_applicable(subscription)

    def _is_applicable(self, subscription):
        """Whether the public method behind the offer can apply it now."""
        self.ensure_one()
        if self.kind == "pause":
            return subscription.state == "active" and not subscription.cancel_at_period_end
        if self.kind == "downgrade":
            target = self.downgrade_tier_id
            current = subscription.tier_id
            return (
                subscription.state in ("trial", "active", "past_due")
                and target != current
                and (target.sequence, target.id) < (current.sequence, current.id)
                and (not target.company_id or target.company_id == subscription.company_id)
            )
        return subscription.state in ("trial", "active", "past_due", "paused")
