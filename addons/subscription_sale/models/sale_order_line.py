# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools.order_plan import whole_quantity


class SaleOrderLine(models.Model):
    """A line of a tier's or an add-on's product sells a subscription item:
    priced from the subscription catalog, and invoiced by the subscription
    (never by the sales order)."""

    _inherit = "sale.order.line"

    # === FIELDS ===#

    subscription_tier_id = fields.Many2one(
        "subscription.tier",
        string="Subscription Tier",
        compute="_compute_subscription_item",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('product_id', '=', product_id)]",
        help="The tier this line sells: its quantity is the number of seats.",
    )
    subscription_addon_id = fields.Many2one(
        "subscription.addon",
        string="Subscription Add-on",
        compute="_compute_subscription_item",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('product_id', '=', product_id)]",
        help="The add-on this line sells: its quantity is the add-on's new quantity.",
    )
    subscription_cycle_id = fields.Many2one(
        "subscription.cycle",
        string="Billing Cycle",
        compute="_compute_subscription_cycle_id",
        store=True,
        readonly=False,
        precompute=True,
        help="Billing cycle of the subscription this line sells (the price is per cycle).",
    )
    is_subscription_line = fields.Boolean(
        compute="_compute_is_subscription_line",
        store=True,
        precompute=True,
        help="Invoiced by the subscription, not by the sales order.",
    )

    # === COMPUTE METHODS ===#

    @api.depends("product_id", "company_id")
    def _compute_subscription_item(self):
        products = self.product_id
        tiers = addons = {}
        if products:
            # Read as the system: the catalog is product data, and the
            # salesperson may not have the Subscriptions rights.
            domain = [("product_id", "in", products.ids)]
            tiers = self.env["subscription.tier"].sudo().search(domain).grouped("product_id")
            addons = self.env["subscription.addon"].sudo().search(domain).grouped("product_id")
        for line in self:
            company = line.company_id or self.env.company
            line.subscription_tier_id = line._first_of_company(tiers.get(line.product_id), company)
            line.subscription_addon_id = (
                False
                if line.subscription_tier_id
                else line._first_of_company(addons.get(line.product_id), company)
            )

    @api.model
    def _first_of_company(self, items, company):
        if not items:
            return False
        items = items.filtered(lambda i: not i.company_id or i.company_id == company)
        return items[:1].id or False

    @api.depends("subscription_tier_id", "subscription_addon_id", "order_id.subscription_id")
    def _compute_subscription_cycle_id(self):
        default_cycle = False
        for line in self:
            if not (line.subscription_tier_id or line.subscription_addon_id):
                line.subscription_cycle_id = False
                continue
            if line.subscription_cycle_id:
                continue
            cycle = line.order_id._get_subscription_lines_cycle()
            if not cycle:
                if default_cycle is False:
                    default_cycle = self.env["subscription.cycle"].sudo().search([], limit=1)
                cycle = default_cycle
            line.subscription_cycle_id = cycle

    @api.depends("subscription_tier_id", "subscription_addon_id")
    def _compute_is_subscription_line(self):
        for line in self:
            line.is_subscription_line = bool(
                line.subscription_tier_id or line.subscription_addon_id
            )

    @api.depends("subscription_cycle_id", "subscription_tier_id", "subscription_addon_id")
    def _compute_price_unit(self):
        return super()._compute_price_unit()

    @api.depends("subscription_cycle_id")
    def _compute_name(self):
        return super()._compute_name()

    def _get_sale_order_line_multiline_description_sale(self):
        """The description of a subscription line says its billing cycle (in
        the customer's language, as the rest of the description)."""
        description = super()._get_sale_order_line_multiline_description_sale()
        if self.is_subscription_line and self.subscription_cycle_id:
            description += "\n" + _(
                "Billing cycle: %(cycle)s", cycle=self.subscription_cycle_id.name
            )
        return description

    def _get_display_price(self):
        """Subscription items are priced from the catalog (the suite's one
        price lookup, ``subscription.price._find``: tier or add-on, cycle and
        the order's currency), never from the pricelist. Without a catalog
        price the line shows 0 and the confirmation says what is missing."""
        if not self.is_subscription_line:
            return super()._get_display_price()
        try:
            return self._subscription_catalog_price().amount
        except UserError:
            return 0.0

    @api.depends("is_subscription_line")
    def _compute_discount(self):
        res = super()._compute_discount()
        self.filtered("is_subscription_line").discount = 0.0
        return res

    @api.depends("is_subscription_line")
    def _compute_qty_to_invoice(self):
        res = super()._compute_qty_to_invoice()
        self.filtered("is_subscription_line").qty_to_invoice = 0.0
        return res

    @api.depends("is_subscription_line")
    def _compute_invoice_status(self):
        """A subscription line has nothing for the order to invoice: once the
        order is confirmed it is 'invoiced' (by the subscription)."""
        res = super()._compute_invoice_status()
        for line in self.filtered("is_subscription_line"):
            line.invoice_status = "invoiced" if line.state == "sale" else "no"
        return res

    @api.depends("is_subscription_line")
    def _compute_untaxed_amount_to_invoice(self):
        res = super()._compute_untaxed_amount_to_invoice()
        self.filtered("is_subscription_line").untaxed_amount_to_invoice = 0.0
        return res

    @api.depends("is_subscription_line")
    def _compute_amount_to_invoice(self):
        res = super()._compute_amount_to_invoice()
        self.filtered("is_subscription_line").amount_to_invoice = 0.0
        return res

    # === CRUD METHODS ===#

    @api.model_create_multi
    def create(self, vals_list):
        """Lines created together with the tier's line (a new quotation)
        follow its cycle unless they name their own."""
        lines = super().create(vals_list)
        for line, vals in zip(lines, vals_list, strict=True):
            if line.is_subscription_line and not vals.get("subscription_cycle_id"):
                cycle = line.order_id._get_subscription_lines_cycle()
                if cycle and cycle != line.subscription_cycle_id:
                    line.subscription_cycle_id = cycle
        return lines

    # === BUSINESS METHODS ===#

    def _subscription_item(self):
        self.ensure_one()
        return self.subscription_tier_id or self.subscription_addon_id

    def _subscription_catalog_price(self):
        """The ``subscription.price`` of this line's item, cycle and the
        order's currency; raises a UserError naming what is missing."""
        self.ensure_one()
        if not self.subscription_cycle_id:
            raise UserError(
                _("%(line)s: choose its billing cycle.", line=self._subscription_label())
            )
        return self.env["subscription.price"]._find(
            self._subscription_item(), self.subscription_cycle_id, self.order_id.currency_id
        )

    def _subscription_label(self):
        self.ensure_one()
        return self.product_id.display_name or self.name

    def _subscription_quantity(self):
        """The line's quantity as a whole number, or a clear error."""
        self.ensure_one()
        if self.product_uom and self.product_uom != self.product_id.uom_id:
            raise UserError(
                _(
                    "%(line)s: sell it in %(uom)s (seats and add-ons are counted in units).",
                    line=self._subscription_label(),
                    uom=self.product_id.uom_id.name,
                )
            )
        quantity = whole_quantity(self.product_uom_qty)
        if quantity is None:
            raise UserError(
                _(
                    "%(line)s: the quantity must be a whole number (%(qty)s).",
                    line=self._subscription_label(),
                    qty=self.product_uom_qty,
                )
            )
        return quantity

    def _check_subscription_price(self):
        """Refuse a subscription line whose price or discount differs from
        the catalog: what the customer accepts is what the subscription bills."""
        for line in self:
            price = line._subscription_catalog_price()
            if line.discount:
                raise UserError(
                    _(
                        "%(line)s: a subscription line takes the catalog price, "
                        "without a discount.",
                        line=line._subscription_label(),
                    )
                )
            expected = line.with_company(
                line.company_id
            ).product_id._get_tax_included_unit_price_from_price(
                price.amount,
                product_taxes=line.product_id.taxes_id.filtered(
                    lambda tax, company=line.company_id: tax.company_id == company
                ),
                fiscal_position=line.order_id.fiscal_position_id,
            )
            if line.currency_id.compare_amounts(expected, line.price_unit):
                raise UserError(
                    _(
                        "%(line)s: the unit price (%(price)s) differs from the catalog "
                        "price for the %(cycle)s cycle (%(catalog)s). Subscription "
                        "prices come from Subscriptions > Configuration > Prices.",
                        line=line._subscription_label(),
                        price=line.price_unit,
                        cycle=line.subscription_cycle_id.name,
                        catalog=expected,
                    )
                )
