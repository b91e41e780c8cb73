# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools import mrr, periods, proration
from .subscription_subscription import (
    MRR_STATES,
)

_logger = logging.getLogger(__name__)


class SubscriptionSubscription(models.Model):
    """Plan changes and catalog pricing."""

    _inherit = "subscription.subscription"

    # === PLAN CHANGES ===#

    def preview_change(
        self, tier_id=None, cycle_id=None, quantity=None, addons=None, effective=None
    ):
        """Describe a plan change without writing anything.

        :param tier_id: new tier id (None keeps the current one)
        :param cycle_id: new billing cycle id (None keeps it)
        :param quantity: new number of seats (None keeps it)
        :param addons: the whole new add-on set, as ``{addon_id: quantity}``
            (keys may be strings) or ``[[addon_id, quantity], ...]``; a
            missing add-on or a quantity of 0 removes it; None keeps them.
        :param effective: ``'now'``, ``'period_end'`` or None for the default
            (upgrades now, downgrades at period end).
        :return: dict with ``effective``, ``effective_date``, ``change_type``
            (upgrade/downgrade/none), ``credit`` (unused part of the current
            plan), ``charge`` (new plan for the rest of the period, or a full
            new period when the cycle changes), ``net``, the recurring amount
            and MRR before and after, ``currency_id`` and the new ``lines``.
        """
        self.ensure_one()
        plan = self._prepare_plan(tier_id, cycle_id, quantity, addons)
        return self._compute_change(plan, effective)

    def change_plan(self, tier_id=None, cycle_id=None, quantity=None, addons=None, effective=None):
        """Apply a plan change (same arguments as ``preview_change``) to each
        subscription: now, with day-based proration recorded on the event, or
        scheduled for the end of the period. Returns the preview of the last
        subscription."""
        preview = {}
        for sub in self:
            plan = sub._prepare_plan(tier_id, cycle_id, quantity, addons)
            preview = sub._compute_change(plan, effective)
            if preview["effective"] == "period_end":
                sub._schedule_change(plan, preview)
            else:
                sub._apply_change(plan, preview)
        return preview

    def _prepare_plan(self, tier_id, cycle_id, quantity, addons):
        """Validate the requested plan and return it as a dict of records:
        ``tier``, ``cycle``, ``quantity`` and ``addons`` ({addon: qty})."""
        self.ensure_one()
        self._check_state(("draft", "trial", "active", "past_due"), _("change the plan of"))
        if self.cancel_at_period_end:
            raise UserError(
                _(
                    "%(name)s is cancelling at period end: undo the cancellation "
                    "before changing its plan.",
                    name=self.name,
                )
            )
        tier = self._browse_catalog("subscription.tier", tier_id) if tier_id else self.tier_id
        cycle = self._browse_catalog("subscription.cycle", cycle_id) if cycle_id else self.cycle_id
        if tier.company_id and tier.company_id != self.company_id:
            raise UserError(_("The %(tier)s tier belongs to another company.", tier=tier.name))
        if quantity is None:
            quantity = self.quantity
        quantity = self._parse_quantity(quantity, _("Seats"))
        if quantity < 1:
            raise UserError(_("Seats must be at least 1."))
        if addons is None:
            wanted = {line.addon_id: line.quantity for line in self.addon_line_ids}
        else:
            wanted = self._parse_addons(addons)
        not_allowed = [addon.name for addon in wanted if addon not in tier.addon_ids]
        if not_allowed:
            raise UserError(
                _(
                    "%(addons)s cannot be added to the %(tier)s tier.",
                    addons=", ".join(not_allowed),
                    tier=tier.name,
                )
            )
        return {"tier": tier, "cycle": cycle, "quantity": quantity, "addons": wanted}

    def _browse_catalog(self, model, record_id):
        record_id = self._parse_quantity(record_id, model)
        record = self.env[model].sudo().browse(record_id).exists()
        if not record or not record.active:
            raise UserError(
                _(
                    "%(model)s %(id)s does not exist or is archived.",
                    model=self.env[model]._description,
                    id=record_id,
                )
            )
        return record

    @api.model
    def _parse_quantity(self, value, label):
        if isinstance(value, bool):
            raise UserError(_("%(label)s must be a whole number.", label=label))
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise UserError(_("%(label)s must be a whole number.", label=label)) from None
        if isinstance(value, float) and number != value:
            raise UserError(_("%(label)s must be a whole number.", label=label))
        return number

    def _parse_addons(self, addons):
        if isinstance(addons, dict):
            pairs = list(addons.items())
        elif isinstance(addons, (list, tuple)):
            try:
                pairs = [tuple(pair) for pair in addons]
            except TypeError:
                raise UserError(_("Add-ons must be pairs of add-on id and quantity.")) from None
            if any(len(pair) != 2 for pair in pairs):
                raise UserError(_("Add-ons must be pairs of add-on id and quantity."))
        else:
            raise UserError(_("Add-ons must be a mapping of add-on id to quantity."))
        wanted = {}
        for addon_id, qty in pairs:
            addon = self._browse_catalog("subscription.addon", addon_id)
            qty = self._parse_quantity(qty, addon.name)
            if qty < 0:
                raise UserError(
                    _("The quantity of %(addon)s cannot be negative.", addon=addon.name)
                )
            if qty > 1 and not addon.per_unit:
                raise UserError(
                    _(
                        "%(addon)s is not sold by the unit: its quantity is 0 or 1.",
                        addon=addon.name,
                    )
                )
            if qty:
                wanted[addon] = wanted.get(addon, 0) + qty
        return wanted

    def _plan_lines(self, plan):
        """Price the plan from the catalog. Prices already locked on the
        subscription are kept when the cycle does not change (a customer
        keeps their price for the seats and add-ons they have)."""
        self.ensure_one()
        same_cycle = plan["cycle"] == self.cycle_id
        if same_cycle and plan["tier"] == self.tier_id and self.state != "draft":
            tier_price = self.price_unit
        else:
            tier_price = (
                self.env["subscription.price"]
                ._find(plan["tier"], plan["cycle"], self.currency_id)
                .amount
            )
        lines = [
            {
                "name": plan["tier"].name,
                "quantity": plan["quantity"],
                "price_unit": tier_price,
                "subtotal": self.currency_id.round(tier_price * plan["quantity"]),
            }
        ]
        current = {line.addon_id: line.price_unit for line in self.addon_line_ids}
        for addon, qty in plan["addons"].items():
            if same_cycle and addon in current:
                unit = current[addon]
            else:
                unit = (
                    self.env["subscription.price"]
                    ._find(addon, plan["cycle"], self.currency_id)
                    .amount
                )
            lines.append(
                {
                    "name": addon.name,
                    "addon_id": addon.id,
                    "quantity": qty,
                    "price_unit": unit,
                    "subtotal": self.currency_id.round(unit * qty),
                }
            )
        return lines

    def _compute_change(self, plan, effective):
        self.ensure_one()
        if effective not in (None, False, "now", "period_end"):
            raise UserError(_("'effective' must be 'now' or 'period_end'."))
        currency = self.currency_id
        lines = self._plan_lines(plan)
        new_amount = currency.round(sum(line["subtotal"] for line in lines))
        old_amount = self.recurring_amount
        old_monthly = mrr.to_monthly(
            old_amount, self.cycle_id.interval_unit, self.cycle_id.interval_count
        )
        new_monthly = mrr.to_monthly(
            new_amount, plan["cycle"].interval_unit, plan["cycle"].interval_count
        )
        tier_changes = plan["tier"] != self.tier_id
        change_type = mrr.is_upgrade(
            old_monthly,
            new_monthly,
            old_rank=(self.tier_id.sequence, self.tier_id.id) if tier_changes else None,
            new_rank=(plan["tier"].sequence, plan["tier"].id) if tier_changes else None,
        )
        if not self._plan_differs(plan, lines):
            raise UserError(_("%(name)s already has this plan.", name=self.name))
        if self.state in ("draft", "trial"):
            # Nothing billed yet: the change simply applies.
            effective = "now"
        elif not effective:
            effective = "period_end" if change_type == "downgrade" else "now"
        today = fields.Date.context_today(self)
        credit = charge = 0.0
        if effective == "now":
            effective_date = today
            if self.state in MRR_STATES:
                amounts = proration.change_amounts(
                    old_amount,
                    new_amount,
                    self.current_period_start,
                    self.current_period_end,
                    today,
                    new_period=plan["cycle"] != self.cycle_id,
                )
                credit = currency.round(amounts["credit"])
                charge = currency.round(amounts["charge"])
        else:
            effective_date = self.current_period_end
        mrr_after = 0.0
        if self.state in MRR_STATES:
            mrr_after = currency.round(new_monthly)
        return {
            "effective": effective,
            "effective_date": effective_date,
            "new_period": effective == "now"
            and self.state in MRR_STATES
            and plan["cycle"] != self.cycle_id,
            "change_type": change_type,
            "tier_id": plan["tier"].id,
            "credit": credit,
            "charge": charge,
            "net": currency.round(charge - credit),
            # Without taxes here; subscription_billing computes them with
            # the lines the invoice will carry.
            "amount_untaxed": currency.round(charge - credit),
            "amount_tax": 0.0,
            "amount_total": currency.round(charge - credit),
            "recurring_amount_before": old_amount,
            "recurring_amount_after": new_amount,
            "mrr_before": self.mrr,
            "mrr_after": mrr_after,
            "currency_id": currency.id,
            "lines": lines,
        }

    def _plan_differs(self, plan, lines):
        current = {line.addon_id: line.quantity for line in self.addon_line_ids}
        return (
            plan["tier"] != self.tier_id
            or plan["cycle"] != self.cycle_id
            or plan["quantity"] != self.quantity
            or plan["addons"] != current
            or (self.state == "draft" and lines[0]["price_unit"] != self.price_unit)
        )

    def _change_event_type(self, plan, preview):
        """The one event type that best names a change."""
        if plan["tier"] != self.tier_id or plan["cycle"] != self.cycle_id:
            return "downgraded" if preview["change_type"] == "downgrade" else "upgraded"
        if plan["quantity"] != self.quantity:
            return "quantity_changed"
        current = {line.addon_id: line.quantity for line in self.addon_line_ids}
        added = any(qty > current.get(addon, 0) for addon, qty in plan["addons"].items())
        return "addon_added" if added else "addon_removed"

    def _apply_change(self, plan, preview):
        """Write the new plan now and log one event with the proration."""
        self.ensure_one()
        event_type = self._change_event_type(plan, preview)
        tier_from = self.tier_id
        vals = {
            "tier_id": plan["tier"].id,
            "cycle_id": plan["cycle"].id,
            "quantity": plan["quantity"],
            "price_unit": preview["lines"][0]["price_unit"],
            **self._pending_reset_values(),
        }
        line_commands = self._addon_line_commands(preview["lines"][1:])
        if line_commands:
            vals["addon_line_ids"] = line_commands
        if self.state == "draft":
            self.write(vals)
            return self.env["subscription.event"]
        today = fields.Date.context_today(self)
        new_period = self.state in MRR_STATES and plan["cycle"] != self.cycle_id
        if new_period:
            end = periods.add_interval(
                today, plan["cycle"].interval_unit, plan["cycle"].interval_count
            )
            vals.update(
                period_anchor_date=today,
                current_period_start=today,
                current_period_end=periods.clip_end(end, self.date_end or None),
            )
        event = self._apply_transition(
            event_type,
            vals,
            tier_from_id=tier_from.id,
            tier_to_id=plan["tier"].id,
            amount_credit=preview["credit"],
            amount_charge=preview["charge"],
        )
        self._on_plan_changed(event, preview)
        return event

    def _addon_line_commands(self, addon_lines):
        """x2many commands turning the current add-on lines into ``addon_lines``."""
        commands = []
        current = {line.addon_id.id: line for line in self.addon_line_ids}
        for values in addon_lines:
            line = current.pop(values["addon_id"], None)
            if not line:
                commands.append(
                    fields.Command.create(
                        {
                            "addon_id": values["addon_id"],
                            "quantity": values["quantity"],
                            "price_unit": values["price_unit"],
                        }
                    )
                )
            elif (line.quantity, line.price_unit) != (values["quantity"], values["price_unit"]):
                commands.append(
                    fields.Command.update(
                        line.id,
                        {"quantity": values["quantity"], "price_unit": values["price_unit"]},
                    )
                )
        commands += [fields.Command.delete(line.id) for line in current.values()]
        return commands

    def _schedule_change(self, plan, preview):
        self.ensure_one()
        self.check_access("write")
        # The pending plan is protected: written as the system, once checked.
        self.sudo().write(
            {
                "pending_tier_id": plan["tier"].id if plan["tier"] != self.tier_id else False,
                "pending_cycle_id": plan["cycle"].id if plan["cycle"] != self.cycle_id else False,
                "pending_quantity": plan["quantity"],
                # Wrapped so that "remove every add-on" (an empty mapping)
                # is not stored as NULL, which means "no change".
                "pending_addons": {
                    "addons": {str(addon.id): qty for addon, qty in plan["addons"].items()}
                },
            }
        )
        self.message_post(
            body=_(
                "Plan change scheduled for %(date)s: %(amount)s per cycle from then on.",
                date=preview["effective_date"],
                amount=preview["recurring_amount_after"],
            )
        )

    @api.model
    def _pending_reset_values(self):
        return {
            "pending_tier_id": False,
            "pending_cycle_id": False,
            "pending_quantity": 0,
            "pending_addons": False,
        }

    def _pending_plan(self):
        self.ensure_one()
        pending = self.pending_addons
        addons = pending.get("addons") if isinstance(pending, dict) else None
        return self._prepare_plan(
            self.pending_tier_id.id or None,
            self.pending_cycle_id.id or None,
            self.pending_quantity or None,
            addons,
        )

    # === PRICING ===#

    def _find_price(self, item):
        """Catalog price of ``item`` for this subscription's cycle and
        currency, or an empty recordset."""
        self.ensure_one()
        return self._find_prices(item).get(item, self.env["subscription.price"])

    def _find_prices(self, items):
        """Catalog prices of ``items`` (tiers, or add-ons) for this
        subscription's cycle and currency, in one query: ``{item: price}``,
        items without a price left out."""
        self.ensure_one()
        if not (items and self.cycle_id and self.currency_id):
            return {}
        field = "tier_id" if items._name == "subscription.tier" else "addon_id"
        prices = (
            self.env["subscription.price"]
            .sudo()
            .search(
                [
                    (field, "in", items.ids),
                    ("cycle_id", "=", self.cycle_id.id),
                    ("currency_id", "=", self.currency_id.id),
                ]
            )
        )
        found = {}
        for price in prices:
            found.setdefault(price[field], price)
        return found

    def _lock_catalog_prices(self):
        """Take the tier and add-on prices from the catalog (raises when the
        catalog has no price for the cycle and currency)."""
        self.ensure_one()
        prices = self.env["subscription.price"]
        vals = {"price_unit": prices._find(self.tier_id, self.cycle_id, self.currency_id).amount}
        vals["addon_line_ids"] = [
            fields.Command.update(
                line.id,
                {"price_unit": prices._find(line.addon_id, self.cycle_id, self.currency_id).amount},
            )
            for line in self.addon_line_ids
        ]
        self.write(vals)

    def _unused_amount(self, on_date):
        """Unused part of the current period's amount, rounded."""
        self.ensure_one()
        if not (self.current_period_start and self.current_period_end):
            return 0.0
        if self.current_period_start >= self.current_period_end:
            return 0.0
        return self.currency_id.round(
            proration.prorate(
                self.recurring_amount,
                self.current_period_start,
                self.current_period_end,
                on_date,
            )
        )
