# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .subscription_subscription import MAX_QUANTITY


class SubscriptionAddonLine(models.Model):
    _name = "subscription.addon.line"
    _description = "Subscription Add-on Line"
    _order = "subscription_id, id"

    subscription_id = fields.Many2one(
        "subscription.subscription", required=True, ondelete="cascade", index=True
    )
    addon_id = fields.Many2one(
        "subscription.addon", string="Add-on", required=True, ondelete="restrict"
    )
    quantity = fields.Integer(required=True, default=1)
    currency_id = fields.Many2one(related="subscription_id.currency_id")
    company_id = fields.Many2one(related="subscription_id.company_id", store=True, index=True)
    price_unit = fields.Monetary(
        string="Unit Price",
        aggregator=None,
        compute="_compute_price_unit",
        store=True,
        readonly=False,
        precompute=True,
        help="Taken from the catalog when the add-on is added, then kept.",
    )
    price_subtotal = fields.Monetary(compute="_compute_price_subtotal", store=True)

    _sql_constraints = [
        ("quantity_positive", "CHECK(quantity >= 1)", "An add-on quantity is at least 1."),
        (
            "quantity_bounded",
            f"CHECK(quantity <= {MAX_QUANTITY})",
            "An add-on quantity is at most 1,000,000.",
        ),
        (
            "addon_uniq",
            "UNIQUE(subscription_id, addon_id)",
            "An add-on appears once per subscription; change its quantity instead.",
        ),
    ]

    @api.depends("addon_id")
    def _compute_price_unit(self):
        for line in self:
            if line.price_unit and line._origin.addon_id == line.addon_id:
                continue
            price = (
                line.subscription_id._find_price(line.addon_id) if line.subscription_id else False
            )
            line.price_unit = price.amount if price else 0.0

    @api.depends("price_unit", "quantity", "currency_id")
    def _compute_price_subtotal(self):
        for line in self:
            subtotal = line.price_unit * line.quantity
            line.price_subtotal = line.currency_id.round(subtotal) if line.currency_id else subtotal

    # === CRUD METHODS ===#

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_quantity_value(vals)
        self.browse()._check_subscription_editable(
            self.env["subscription.subscription"].browse(
                {vals["subscription_id"] for vals in vals_list if vals.get("subscription_id")}
            )
        )
        return super().create(vals_list)

    def write(self, vals):
        self._check_quantity_value(vals)
        subs = self.subscription_id
        if vals.get("subscription_id"):
            subs |= subs.browse(vals["subscription_id"])
        self._check_subscription_editable(subs)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started_subscription(self):
        self._check_subscription_editable()

    @api.model
    def _check_quantity_value(self, vals):
        qty = vals.get("quantity")
        if isinstance(qty, int) and not isinstance(qty, bool) and qty > MAX_QUANTITY:
            raise ValidationError(
                _(
                    "An add-on quantity is at most %(max)s (%(qty)s asked).",
                    max=format(MAX_QUANTITY, ","),  # no f-string inside _(): Babel evaluates it
                    qty=qty,
                )
            )

    def _check_subscription_editable(self, subscriptions=None):
        """The add-ons of a started subscription change only through
        ``change_plan`` (which writes them as the system)."""
        if self.env.su:
            return
        if subscriptions is None:
            subscriptions = self.subscription_id
        started = subscriptions.sudo().filtered(lambda s: s.state != "draft")
        if started:
            raise UserError(
                _(
                    "The add-ons of %(name)s cannot be changed directly once it has "
                    "started: change the plan (change_plan).",
                    name=started[0].display_name,
                )
            )

    # === CONSTRAINT METHODS ===#

    @api.constrains("quantity", "addon_id")
    def _check_quantity(self):
        for line in self:
            if line.quantity < 1:
                raise ValidationError(
                    _("The quantity of %(addon)s must be at least 1.", addon=line.addon_id.name)
                )
            if line.quantity > 1 and not line.addon_id.per_unit:
                raise ValidationError(
                    _(
                        "%(addon)s is not sold by the unit: its quantity is 1.",
                        addon=line.addon_id.name,
                    )
                )
