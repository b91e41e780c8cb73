# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

# Highest catalog price of one item for one period: a bound that catches a
# mistyped amount (and stays far inside the numeric columns of accounting).
MAX_AMOUNT = 1_000_000_000


class SubscriptionPrice(models.Model):
    _name = "subscription.price"
    _description = "Subscription Price"
    _order = "tier_id, addon_id, cycle_id, currency_id"
    _rec_names_search = ["tier_id", "addon_id"]

    tier_id = fields.Many2one("subscription.tier", ondelete="cascade", index=True)
    addon_id = fields.Many2one(
        "subscription.addon", string="Add-on", ondelete="cascade", index=True
    )
    cycle_id = fields.Many2one("subscription.cycle", required=True, ondelete="restrict", index=True)
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    # Prices of different cycles and currencies do not add up: no total.
    amount = fields.Monetary(
        required=True,
        currency_field="currency_id",
        aggregator=None,
        help="Price for one period.",
    )
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", store=True, index=True
    )

    _sql_constraints = [
        (
            "one_item",
            "CHECK((tier_id IS NULL) <> (addon_id IS NULL))",
            "A price belongs to exactly one tier or one add-on.",
        ),
        ("amount_positive", "CHECK(amount >= 0)", "A price cannot be negative."),
        (
            "tier_cycle_currency_uniq",
            "UNIQUE(tier_id, cycle_id, currency_id)",
            "A tier has one price per billing cycle and currency.",
        ),
        (
            "addon_cycle_currency_uniq",
            "UNIQUE(addon_id, cycle_id, currency_id)",
            "An add-on has one price per billing cycle and currency.",
        ),
    ]

    @api.depends("tier_id.company_id", "addon_id.company_id")
    def _compute_company_id(self):
        for price in self:
            price.company_id = (price.tier_id or price.addon_id).company_id

    @api.depends("tier_id", "addon_id", "cycle_id", "currency_id")
    def _compute_display_name(self):
        for price in self:
            item = price.tier_id or price.addon_id
            price.display_name = (
                f"{item.name or ''} / {price.cycle_id.name or ''} ({price.currency_id.name or ''})"
            )

    @api.constrains("tier_id", "addon_id")
    def _check_one_item(self):
        for price in self:
            if bool(price.tier_id) == bool(price.addon_id):
                raise ValidationError(_("A price belongs to exactly one tier or one add-on."))

    @api.constrains("amount")
    def _check_amount_bound(self):
        for price in self:
            if price.amount > MAX_AMOUNT:
                raise ValidationError(
                    _(
                        "%(price)s: a price can be at most %(max)s.",
                        price=price.display_name,
                        max=format(MAX_AMOUNT, ","),
                    )
                )

    @api.model
    def _find(self, item, cycle, currency):
        """Return the catalog price of item (a tier or an add-on) for
        cycle and currency, or raise a UserError naming what is
        missing. Prices are read as superuser: they come from the catalog,
        never from the caller."""
        field = "tier_id" if item._name == "subscription.tier" else "addon_id"
        price = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    (field, "=", item.id),
                    ("cycle_id", "=", cycle.id),
                    ("currency_id", "=", currency.id),
                ],
                limit=1,
            )
        )
        if not price:
            raise UserError(
                _(
                    "%(item)s has no price for the %(cycle)s cycle in %(currency)s. "
                    "Add one in Subscriptions > Configuration > Prices.",
                    item=item.display_name,
                    cycle=cycle.display_name,
                    currency=currency.name,
                )
            )
        return price
