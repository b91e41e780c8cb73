# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_amount, format_date

from odoo.addons.subscription_core.models.subscription_subscription import MAX_QUANTITY

from ..tools.order_plan import merge_addons, sum_by_key

# States in which a subscription can be changed from a quotation.
CHANGEABLE_STATES = ("draft", "trial", "active", "past_due")


class SaleOrder(models.Model):
    """Quotations that create a subscription, or change one, on confirmation."""

    _inherit = "sale.order"

    # === FIELDS ===#

    subscription_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", string="Subscription Customer"
    )
    subscription_id = fields.Many2one(
        "subscription.subscription",
        string="Subscription to Change",
        index="btree_not_null",
        check_company=True,
        groups="subscription_core.group_subscription_user",
        domain="[('commercial_partner_id', '=', subscription_partner_id), "
        "('state', 'in', ('draft', 'trial', 'active', 'past_due'))]",
        help="Leave empty to create a new subscription from the tier's line. "
        "Choose one of the customer's subscriptions to change its plan on "
        "confirmation: the lines then say what it will have.",
    )
    subscription_effective = fields.Selection(
        selection=[
            ("default", "Upgrades now, downgrades at period end"),
            ("now", "Now"),
            ("period_end", "At the end of the period"),
        ],
        string="Change Takes Effect",
        default="default",
        required=True,
    )
    subscription_operation = fields.Selection(
        selection=[("new", "New subscription"), ("change", "Plan change")],
        readonly=True,
        copy=False,
        help="What the confirmation did to a subscription.",
    )
    subscription_change_date = fields.Date(
        readonly=True, copy=False, help="Day the plan change made by this order takes effect."
    )
    created_subscription_ids = fields.One2many(
        "subscription.subscription",
        "sale_order_id",
        string="Created Subscriptions",
        groups="subscription_core.group_subscription_user",
    )
    subscription_change_summary = fields.Text(
        string="Change Preview",
        compute="_compute_subscription_change_summary",
        groups="subscription_core.group_subscription_user",
        help="What confirming this quotation does to the subscription to change "
        "(from preview_change: nothing is written).",
    )
    subscription_count = fields.Integer(compute="_compute_subscription_count")
    has_subscription_lines = fields.Boolean(compute="_compute_has_subscription_lines")

    # === COMPUTE / CONSTRAINTS ===#

    @api.depends("order_line.is_subscription_line")
    def _compute_has_subscription_lines(self):
        for order in self:
            order.has_subscription_lines = any(order.order_line.mapped("is_subscription_line"))

    @api.depends(
        "state",
        "subscription_id",
        "subscription_effective",
        "currency_id",
        "order_line.product_uom_qty",
        "order_line.price_unit",
        "order_line.discount",
        "order_line.subscription_cycle_id",
        "order_line.subscription_tier_id",
        "order_line.subscription_addon_id",
    )
    def _compute_subscription_change_summary(self):
        for order in self:
            summary = False
            if order.subscription_id and order.state in ("draft", "sent"):
                try:
                    plan = order._get_subscription_plan()
                except (UserError, AccessError) as error:
                    summary = error.args[0]
                else:
                    if plan:
                        summary = order._describe_subscription_change(plan["preview"])
            order.subscription_change_summary = summary

    def _describe_subscription_change(self, preview):
        currency = self.env["res.currency"].browse(preview["currency_id"])

        def money(amount):
            return format_amount(self.env, amount, currency)

        if preview["effective"] == "period_end":
            return _(
                "Takes effect on %(date)s, nothing to pay now; then %(after)s per cycle "
                "(%(before)s today).",
                date=format_date(self.env, preview["effective_date"]),
                after=money(preview["recurring_amount_after"]),
                before=money(preview["recurring_amount_before"]),
            )
        return _(
            "Takes effect now: credit %(credit)s for the unused time, charge %(charge)s, "
            "net %(net)s before taxes (%(total)s with taxes); then %(after)s per cycle "
            "(%(before)s today).",
            credit=money(preview["credit"]),
            charge=money(preview["charge"]),
            net=money(preview["net"]),
            total=money(preview.get("amount_total", preview["net"])),
            after=money(preview["recurring_amount_after"]),
            before=money(preview["recurring_amount_before"]),
        )

    def _compute_subscription_count(self):
        for order in self:
            order.subscription_count = len(order._linked_subscriptions())

    @api.constrains("subscription_id", "partner_id")
    def _check_subscription_partner(self):
        for order in self.sudo():
            sub = order.subscription_id
            if sub and sub.commercial_partner_id != order.partner_id.commercial_partner_id:
                raise ValidationError(
                    _(
                        "%(sub)s belongs to %(owner)s, not to %(customer)s.",
                        sub=sub.name,
                        owner=sub.partner_id.display_name,
                        customer=order.partner_id.display_name,
                    )
                )

    # === ACTIONS ===#

    def action_confirm(self):
        """Check every subscription line first (nothing is written when one
        is wrong), confirm, then create or change the subscriptions."""
        plans = {order: order._get_subscription_plan() for order in self}
        res = super().action_confirm()
        for order, plan in plans.items():
            if plan:
                order._apply_subscription_plan(plan)
        return res

    def _action_cancel(self):
        """Cancelling a confirmed order undoes what it did to subscriptions
        where that is still possible (see readme/USAGE.md); a quotation
        never created anything."""
        done = self.filtered(lambda o: o.state == "sale" and o.subscription_operation)
        done._check_subscription_cancel()
        res = super()._action_cancel()
        for order in done:
            order._cancel_subscription_effects()
        return res

    def action_view_subscriptions(self):
        self.ensure_one()
        subs = self._linked_subscriptions()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "subscription_core.subscription_subscription_action"
        )
        if len(subs) == 1:
            action.update(views=[(False, "form")], view_mode="form", res_id=subs.id)
        else:
            action["domain"] = [("id", "in", subs.ids)]
        action["context"] = {"create": False}
        return action

    # === BUSINESS METHODS ===#

    def _linked_subscriptions(self):
        """Subscriptions this order created or changes (read as the system:
        the count is shown to salespeople too)."""
        self.ensure_one()
        order = self.sudo()
        return order.created_subscription_ids | order.subscription_id

    def _get_subscription_lines_cycle(self):
        """The billing cycle new subscription lines of this order take: the
        tier line's, else another subscription line's, else the cycle of the
        subscription to change."""
        self.ensure_one()
        lines = self.order_line.filtered("subscription_cycle_id")
        tier_lines = lines.filtered("subscription_tier_id")
        return (
            tier_lines[:1].subscription_cycle_id
            or lines[:1].subscription_cycle_id
            or self.sudo().subscription_id.cycle_id
        )

    def _get_subscription_plan(self):
        """Validate what the order's subscription lines ask for and return
        it as a dict (``operation`` 'new' or 'change' and its arguments), or
        None when the order sells no subscription item. Writes nothing;
        raises a UserError (or AccessError) with a clear message."""
        self.ensure_one()
        lines = self.order_line.filtered(lambda line: line.is_subscription_line)
        if not lines or self.state not in ("draft", "sent"):
            return None
        tier_lines = lines.filtered("subscription_tier_id")
        if len(tier_lines) > 1:
            raise UserError(
                _(
                    "%(order)s has %(count)s tier lines: a quotation sells one "
                    "subscription, with one tier line.",
                    order=self.name,
                    count=len(tier_lines),
                )
            )
        lines._check_subscription_price()
        cycle = lines.subscription_cycle_id
        if len(cycle) > 1:
            raise UserError(
                _(
                    "%(order)s mixes billing cycles (%(cycles)s): the subscription "
                    "lines of a quotation share one cycle.",
                    order=self.name,
                    cycles=", ".join(cycle.mapped("name")),
                )
            )
        addon_lines = lines - tier_lines
        addons = sum_by_key(
            (line.subscription_addon_id, line._subscription_quantity()) for line in addon_lines
        )
        seats = tier_lines._subscription_quantity() if tier_lines else None
        if seats is not None and not 1 <= seats <= MAX_QUANTITY:
            raise UserError(
                _(
                    "%(line)s: the number of seats must be between 1 and %(max)s.",
                    line=tier_lines._subscription_label(),
                    max=format(MAX_QUANTITY, ","),
                )
            )
        subscription = self.sudo().subscription_id
        if subscription:
            return self._get_subscription_change(subscription, tier_lines, cycle, seats, addons)
        if not tier_lines:
            raise UserError(
                _(
                    "%(order)s sells add-ons without a tier: add the tier's line to "
                    "start a subscription, or choose the subscription to change.",
                    order=self.name,
                )
            )
        tier = tier_lines.subscription_tier_id
        addons = {addon: qty for addon, qty in addons.items() if qty}
        self._check_new_addons(tier, addons)
        return {
            "operation": "new",
            "values": {
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "currency_id": self.currency_id.id,
                "user_id": self.user_id.id,
                "tier_id": tier.id,
                "cycle_id": cycle.id,
                "quantity": seats,
                "addon_line_ids": [
                    fields.Command.create({"addon_id": addon.id, "quantity": qty})
                    for addon, qty in addons.items()
                ],
                "source": "sale",
                "sale_order_id": self.id,
            },
        }

    def _check_new_addons(self, tier, addons):
        for addon, qty in addons.items():
            if addon not in tier.addon_ids:
                raise UserError(
                    _(
                        "%(addon)s cannot be added to the %(tier)s tier.",
                        addon=addon.name,
                        tier=tier.name,
                    )
                )
            if qty > 1 and not addon.per_unit:
                raise UserError(
                    _(
                        "%(addon)s is not sold by the unit: its quantity is 0 or 1.",
                        addon=addon.name,
                    )
                )
            if qty > MAX_QUANTITY:
                raise UserError(
                    _(
                        "%(addon)s: the quantity can be at most %(max)s.",
                        addon=addon.name,
                        max=format(MAX_QUANTITY, ","),
                    )
                )

    def _get_subscription_change(self, subscription, tier_lines, cycle, seats, addons):
        """The ``change_plan`` arguments for ``subscription``, checked by
        ``preview_change`` as the confirming user."""
        sub = subscription.with_env(self.env)
        if not sub.has_access("write"):
            raise AccessError(
                _(
                    "Confirming %(order)s changes the subscription %(sub)s: that "
                    "takes the Subscriptions / User rights.",
                    order=self.name,
                    sub=subscription.name,
                )
            )
        if sub.state not in CHANGEABLE_STATES:
            raise UserError(
                _(
                    "%(sub)s is no longer running (%(state)s): it cannot be changed "
                    "from %(order)s.",
                    sub=sub.name,
                    state=dict(sub._fields["state"]._description_selection(self.env))[sub.state],
                    order=self.name,
                )
            )
        if sub.currency_id != self.currency_id:
            raise UserError(
                _(
                    "%(sub)s is billed in %(sub_currency)s: quote its change in the "
                    "same currency (the order is in %(currency)s).",
                    sub=sub.name,
                    sub_currency=sub.currency_id.name,
                    currency=self.currency_id.name,
                )
            )
        current = {line.addon_id.id: line.quantity for line in sub.addon_line_ids}
        wanted = merge_addons(current, {addon.id: qty for addon, qty in addons.items()})
        kwargs = {
            "tier_id": tier_lines.subscription_tier_id.id or None,
            "cycle_id": cycle.id if cycle != sub.cycle_id else None,
            "quantity": seats,
            "addons": wanted,
            "effective": None
            if self.subscription_effective == "default"
            else self.subscription_effective,
        }
        preview = sub.preview_change(**kwargs)
        return {"operation": "change", "subscription": sub, "kwargs": kwargs, "preview": preview}

    def _apply_subscription_plan(self, plan):
        """Create and start the subscription, or change it (the order is
        confirmed). The subscription's own rules bill it."""
        self.ensure_one()
        if plan["operation"] == "new":
            # Created as the system: confirming the order is the right that
            # counts (a salesperson sells subscriptions without managing them).
            sub = (
                self.env["subscription.subscription"]
                .sudo()
                .with_company(self.company_id)
                .create(plan["values"])
            )
            sub.action_start()
            self.write({"subscription_operation": "new"})
            sub.message_post(
                body=_("Created from the sales order %(order)s.", order=self._get_html_link())
            )
            self.message_post(body=_("Subscription %(sub)s created.", sub=sub._get_html_link()))
            return sub
        sub = plan["subscription"]
        preview = sub.change_plan(**plan["kwargs"])
        self.write(
            {
                "subscription_operation": "change",
                "subscription_change_date": preview["effective_date"],
            }
        )
        if preview["effective"] == "period_end":
            body = _(
                "Plan change from the sales order %(order)s, scheduled for %(date)s.",
                order=self._get_html_link(),
                date=preview["effective_date"],
            )
        else:
            body = _("Plan changed by the sales order %(order)s.", order=self._get_html_link())
        sub.sudo().message_post(body=body)
        self.message_post(body=_("Subscription %(sub)s changed.", sub=sub.sudo()._get_html_link()))
        return sub

    def _check_subscription_cancel(self):
        """Refuse to cancel an order whose subscription has renewed since: it
        is no longer this order's to undo."""
        for order in self.filtered(lambda o: o.subscription_operation == "new"):
            renewed = order.sudo().created_subscription_ids.filtered(
                lambda s: "renewed" in s.event_ids.mapped("event_type")
            )
            if renewed:
                raise UserError(
                    _(
                        "%(subs)s has renewed since %(order)s was confirmed: cancel the "
                        "subscription itself (with a reason) instead of the order.",
                        subs=", ".join(renewed.mapped("name")),
                        order=order.name,
                    )
                )

    def _cancel_subscription_effects(self):
        """The order is cancelled: a subscription it created is cancelled now
        (the billing rules of an immediate cancellation apply); a change it
        scheduled for the period end is dropped; a change already applied
        stays (reverting it is a new plan change), and both chatters say so."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        if self.subscription_operation == "new":
            reason = self.env.ref("subscription_sale.cancel_reason_order_cancelled")
            subs = self.sudo().created_subscription_ids.filtered(
                lambda s: s.state not in ("cancelled", "expired")
            )
            if subs:
                subs.action_cancel(reason.id, at_period_end=False)
                for sub in subs:
                    self.message_post(
                        body=_("Subscription %(sub)s cancelled.", sub=sub._get_html_link())
                    )
            return
        sub = self.sudo().subscription_id
        if not sub:
            return
        pending = sub.has_pending_change and self.subscription_change_date
        if pending and self.subscription_change_date > today:
            sub.action_cancel_pending_change()
            body = _(
                "The plan change scheduled by %(order)s was dropped: the order was cancelled.",
                order=self._get_html_link(),
            )
        else:
            body = _(
                "%(order)s was cancelled; the plan change it made stays. Change the "
                "plan again if the customer should go back.",
                order=self._get_html_link(),
            )
        sub.message_post(body=body)
        self.message_post(body=body)
