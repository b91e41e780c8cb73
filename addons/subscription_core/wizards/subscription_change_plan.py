# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, api, fields, models
from odoo.exceptions import UserError

# Arguments of ``preview_change``/``change_plan`` that describe the plan.
PLAN_KEYS = ("tier_id", "cycle_id", "quantity", "addons")


class SubscriptionChangePlan(models.TransientModel):
    _name = "subscription.change.plan"
    _description = "Change a Subscription's Plan"

    subscription_id = fields.Many2one(
        "subscription.subscription", required=True, ondelete="cascade", readonly=True
    )
    currency_id = fields.Many2one(related="subscription_id.currency_id")
    current_tier_id = fields.Many2one(related="subscription_id.tier_id", string="Current Tier")
    current_cycle_id = fields.Many2one(
        related="subscription_id.cycle_id", string="Current Billing Cycle"
    )
    current_quantity = fields.Integer(related="subscription_id.quantity", string="Current Quantity")

    # The new plan, prefilled with the subscription's current one.
    tier_id = fields.Many2one(
        "subscription.tier",
        required=True,
        compute="_compute_plan",
        store=True,
        readonly=False,
        precompute=True,
    )
    cycle_id = fields.Many2one(
        "subscription.cycle",
        string="Billing Cycle",
        required=True,
        compute="_compute_plan",
        store=True,
        readonly=False,
        precompute=True,
    )
    quantity = fields.Integer(compute="_compute_plan", store=True, readonly=False, precompute=True)
    line_ids = fields.One2many(
        "subscription.change.plan.line",
        "wizard_id",
        string="Add-ons",
        compute="_compute_plan",
        store=True,
        readonly=False,
        precompute=True,
    )
    effective = fields.Selection(
        selection=[
            ("auto", "Default"),
            ("now", "Now"),
            ("period_end", "At Period End"),
        ],
        string="Apply",
        required=True,
        default="auto",
        help="Default: upgrades apply now, downgrades at the end of the current period.",
    )

    # Preview, computed by the subscription without writing anything.
    preview_error = fields.Text(compute="_compute_preview")
    preview_effective = fields.Selection(
        selection=[("now", "Now"), ("period_end", "At Period End")],
        string="Applied",
        compute="_compute_preview",
    )
    preview_effective_date = fields.Date(string="Effective Date", compute="_compute_preview")
    preview_change_type = fields.Selection(
        selection=[
            ("upgrade", "Upgrade"),
            ("downgrade", "Downgrade"),
            ("none", "No Change"),
        ],
        string="Change",
        compute="_compute_preview",
    )
    preview_currency_id = fields.Many2one("res.currency", compute="_compute_preview")
    preview_credit = fields.Monetary(
        string="Credit",
        currency_field="preview_currency_id",
        compute="_compute_preview",
        help="Unused part of the current plan, credited to the customer.",
    )
    preview_charge = fields.Monetary(
        string="Charge",
        currency_field="preview_currency_id",
        compute="_compute_preview",
        help="New plan for the remaining days of the current period.",
    )
    preview_net = fields.Monetary(
        string="Net Amount",
        currency_field="preview_currency_id",
        compute="_compute_preview",
        help="Charge minus credit: positive is due by the customer.",
    )
    preview_amount_untaxed = fields.Monetary(
        string="Untaxed Amount",
        currency_field="preview_currency_id",
        compute="_compute_preview",
        help="Net amount of the change before taxes, as invoiced.",
    )
    preview_amount_tax = fields.Monetary(
        string="Taxes",
        currency_field="preview_currency_id",
        compute="_compute_preview",
    )
    preview_amount_total = fields.Monetary(
        string="Total",
        currency_field="preview_currency_id",
        compute="_compute_preview",
        help="What the change invoices now, taxes included (negative: credited).",
    )
    preview_recurring_amount_before = fields.Monetary(
        string="Current Recurring Amount",
        currency_field="preview_currency_id",
        compute="_compute_preview",
    )
    preview_recurring_amount_after = fields.Monetary(
        string="New Recurring Amount",
        currency_field="preview_currency_id",
        compute="_compute_preview",
    )
    preview_lines_html = fields.Html(string="New Plan", compute="_compute_preview")

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("subscription_id")
    def _compute_plan(self):
        for wizard in self:
            subscription = wizard.subscription_id
            wizard.tier_id = subscription.tier_id
            wizard.cycle_id = subscription.cycle_id
            wizard.quantity = subscription.quantity or 1
            wizard.line_ids = [Command.clear()] + [
                Command.create({"addon_id": line.addon_id.id, "quantity": line.quantity})
                for line in subscription.addon_line_ids
            ]

    @api.depends(
        "subscription_id",
        "tier_id",
        "cycle_id",
        "quantity",
        "line_ids.addon_id",
        "line_ids.quantity",
        "effective",
    )
    def _compute_preview(self):
        for wizard in self:
            values = dict.fromkeys(
                [
                    "preview_error",
                    "preview_effective",
                    "preview_effective_date",
                    "preview_change_type",
                    "preview_currency_id",
                    "preview_lines_html",
                ],
                False,
            )
            values.update(
                dict.fromkeys(
                    [
                        "preview_credit",
                        "preview_charge",
                        "preview_net",
                        "preview_amount_untaxed",
                        "preview_amount_tax",
                        "preview_amount_total",
                        "preview_recurring_amount_before",
                        "preview_recurring_amount_after",
                    ],
                    0.0,
                )
            )
            subscription = wizard.subscription_id._origin
            args = wizard._get_change_args() if subscription else {}
            if any(args.get(key) is not None for key in PLAN_KEYS):
                try:
                    preview = subscription.preview_change(**args)
                except UserError as error:
                    values["preview_error"] = str(error)
                else:
                    values.update(wizard._prepare_preview_values(preview))
            wizard.update(values)

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_confirm(self):
        self.ensure_one()
        self.subscription_id.change_plan(**self._get_change_args())
        return {"type": "ir.actions.act_window_close"}

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_change_args(self):
        """Return the keyword arguments of the subscription's
        ``preview_change``/``change_plan`` for the plan entered in the
        wizard. Whatever did not change is passed as ``None`` (keep)."""
        self.ensure_one()
        subscription = self.subscription_id._origin
        addons = {}
        for line in self.line_ids.filtered("addon_id"):
            addon_id = line.addon_id._origin.id
            addons[addon_id] = addons.get(addon_id, 0) + line.quantity
        current_addons = {}
        for line in subscription.addon_line_ids:
            current_addons[line.addon_id.id] = (
                current_addons.get(line.addon_id.id, 0) + line.quantity
            )
        tier_id = self.tier_id._origin.id
        cycle_id = self.cycle_id._origin.id
        return {
            "tier_id": tier_id if tier_id != subscription.tier_id.id else None,
            "cycle_id": cycle_id if cycle_id != subscription.cycle_id.id else None,
            "quantity": self.quantity if self.quantity != subscription.quantity else None,
            "addons": addons if addons != current_addons else None,
            "effective": None if self.effective == "auto" else self.effective,
        }

    def _prepare_preview_values(self, preview):
        """Map the dict returned by ``subscription.preview_change`` to the
        wizard's preview fields."""
        self.ensure_one()
        currency = self.env["res.currency"].browse(preview.get("currency_id")).exists()
        currency = currency or self.currency_id
        return {
            "preview_effective": preview.get("effective"),
            "preview_effective_date": preview.get("effective_date"),
            "preview_change_type": preview.get("change_type"),
            "preview_currency_id": currency.id,
            "preview_credit": preview.get("credit", 0.0),
            "preview_charge": preview.get("charge", 0.0),
            "preview_net": preview.get("net", 0.0),
            "preview_amount_untaxed": preview.get("amount_untaxed", preview.get("net", 0.0)),
            "preview_amount_tax": preview.get("amount_tax", 0.0),
            "preview_amount_total": preview.get("amount_total", preview.get("net", 0.0)),
            "preview_recurring_amount_before": preview.get("recurring_amount_before", 0.0),
            "preview_recurring_amount_after": preview.get("recurring_amount_after", 0.0),
            "preview_lines_html": self.env["ir.qweb"]._render(
                "subscription_core.subscription_change_plan_preview_lines",
                {"lines": preview.get("lines") or [], "currency": currency},
            ),
        }


class SubscriptionChangePlanLine(models.TransientModel):
    _name = "subscription.change.plan.line"
    _description = "Add-on of a Subscription Plan Change"

    wizard_id = fields.Many2one(
        "subscription.change.plan", required=True, ondelete="cascade", index=True
    )
    addon_id = fields.Many2one("subscription.addon", string="Add-on", required=True)
    per_unit = fields.Boolean(related="addon_id.per_unit")
    quantity = fields.Integer(default=1, required=True)
