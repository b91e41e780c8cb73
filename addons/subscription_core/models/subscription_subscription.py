# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import time
from datetime import datetime, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools import mrr, periods, proration
from .locking import lock_for_processing

_logger = logging.getLogger(__name__)

SUBSCRIPTION_STATES = [
    ("draft", "Draft"),
    ("trial", "Trial"),
    ("active", "Active"),
    ("past_due", "Past Due"),
    ("paused", "Paused"),
    ("suspended", "Suspended"),
    ("cancelled", "Cancelled"),
    ("expired", "Expired"),
]
# States whose recurring amount counts as monthly recurring revenue.
MRR_STATES = ("active", "past_due")
# States the renewal engine looks at (see _compute_next_action_date).
DUE_STATES = ("trial", "active", "past_due", "paused")
# How many overdue steps one subscription may catch up in one engine pass.
MAX_CATCH_UP = 60
DEFAULT_BATCH_SIZE = 500
DEFAULT_BATCH_SECONDS = 30


class SubscriptionSubscription(models.Model):
    _name = "subscription.subscription"
    _description = "Subscription"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    # === FIELDS ===#

    name = fields.Char(string="Reference", required=True, copy=False, readonly=True, default="/")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        default=lambda self: self.env.user,
        tracking=True,
        index=True,
    )
    kind = fields.Selection(
        selection=[
            ("saas", "Software (SaaS)"),
            ("membership", "Membership"),
            ("delivery", "Recurring Delivery"),
        ],
        required=True,
        default="saas",
    )
    source = fields.Selection(
        selection=[
            ("staff", "Staff"),
            ("portal", "Portal"),
            ("signup", "Sign-up Page"),
            ("api", "API"),
            ("import", "Import"),
        ],
        required=True,
        default="staff",
        readonly=True,
    )
    tier_id = fields.Many2one(
        "subscription.tier",
        required=True,
        tracking=True,
        check_company=True,
        index=True,
    )
    cycle_id = fields.Many2one(
        "subscription.cycle", string="Billing Cycle", required=True, tracking=True
    )
    quantity = fields.Integer(string="Seats", required=True, default=1, tracking=True)
    price_unit = fields.Monetary(
        string="Unit Price",
        compute="_compute_price_unit",
        store=True,
        readonly=False,
        precompute=True,
        help="Price of one seat of the tier per cycle, taken from the catalog "
        "when the subscription starts or changes plan, then kept.",
    )
    addon_line_ids = fields.One2many(
        "subscription.addon.line", "subscription_id", string="Add-ons", copy=True
    )
    state = fields.Selection(
        selection=SUBSCRIPTION_STATES,
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    date_start = fields.Date(string="Start Date", default=fields.Date.context_today, copy=False)
    period_anchor_date = fields.Date(
        readonly=True,
        copy=False,
        help="Date the billing periods are counted from; it keeps the day of month of the periods.",
    )
    trial_end_date = fields.Date(readonly=True, copy=False, help="First day after the trial.")
    current_period_start = fields.Date(readonly=True, copy=False)
    current_period_end = fields.Date(
        string="Next Renewal",
        readonly=True,
        copy=False,
        help="First day of the next period (the current period excludes it).",
    )
    date_end = fields.Date(
        string="End Date",
        copy=False,
        tracking=True,
        help="Fixed term: the first day without service. Empty for an open-ended subscription.",
    )
    auto_renew = fields.Boolean(
        default=True,
        tracking=True,
        help="When off, the subscription expires at the end of its current period.",
    )
    cancel_at_period_end = fields.Boolean(readonly=True, copy=False, tracking=True)
    cancel_date = fields.Date(readonly=True, copy=False)
    cancel_reason_id = fields.Many2one(
        "subscription.cancel.reason", readonly=True, copy=False, tracking=True
    )
    cancel_feedback = fields.Text(readonly=True, copy=False)
    pause_until = fields.Date(readonly=True, copy=False, help="Day the subscription resumes.")
    recurring_amount = fields.Monetary(
        compute="_compute_recurring_amount",
        store=True,
        help="Amount billed each cycle: seats and add-ons.",
    )
    mrr = fields.Monetary(
        string="MRR",
        compute="_compute_mrr",
        store=True,
        help="Monthly recurring revenue in the subscription currency.",
    )
    mrr_company = fields.Monetary(
        string="MRR (Company Currency)",
        compute="_compute_mrr",
        store=True,
        currency_field="company_currency_id",
        help="MRR converted into the company currency at the rate of the day "
        "of the last change, so that the event ledger always sums to it.",
    )
    event_ids = fields.One2many(
        "subscription.event", "subscription_id", string="Events", readonly=True
    )
    event_count = fields.Integer(compute="_compute_event_count")
    next_action_date = fields.Date(
        compute="_compute_next_action_date",
        store=True,
        index=True,
        help="Day the renewal engine next looks at this subscription.",
    )
    pending_tier_id = fields.Many2one(
        "subscription.tier", string="Scheduled Tier", readonly=True, copy=False
    )
    pending_cycle_id = fields.Many2one(
        "subscription.cycle", string="Scheduled Cycle", readonly=True, copy=False
    )
    pending_quantity = fields.Integer(string="Scheduled Seats", readonly=True, copy=False)
    pending_addons = fields.Json(string="Scheduled Add-ons", readonly=True, copy=False)
    has_pending_change = fields.Boolean(compute="_compute_has_pending_change", store=True)
    process_error = fields.Text(
        readonly=True,
        copy=False,
        help="Last error met by the renewal engine on this subscription.",
    )
    process_error_date = fields.Date(readonly=True, copy=False)

    _sql_constraints = [
        ("quantity_positive", "CHECK(quantity >= 1)", "Seats must be at least 1."),
        (
            "date_end_after_start",
            "CHECK(date_end IS NULL OR date_start IS NULL OR date_end > date_start)",
            "The end date must be after the start date.",
        ),
    ]

    # === COMPUTE METHODS ===#

    @api.depends("company_id")
    def _compute_currency_id(self):
        for sub in self:
            if not sub.currency_id:
                sub.currency_id = sub.company_id.currency_id or self.env.company.currency_id

    @api.depends("tier_id", "cycle_id", "currency_id")
    def _compute_price_unit(self):
        # Only a draft follows the catalog; afterwards the price is locked and
        # changed only by the lifecycle methods.
        for sub in self:
            if sub.state != "draft" and sub.price_unit:
                continue
            price = sub._find_price(sub.tier_id)
            sub.price_unit = price.amount if price else 0.0

    @api.depends("price_unit", "quantity", "addon_line_ids.price_subtotal", "currency_id")
    def _compute_recurring_amount(self):
        for sub in self:
            amount = sub.price_unit * sub.quantity + sum(
                sub.addon_line_ids.mapped("price_subtotal")
            )
            sub.recurring_amount = sub.currency_id.round(amount) if sub.currency_id else amount

    @api.depends(
        "recurring_amount",
        "state",
        "cycle_id.interval_unit",
        "cycle_id.interval_count",
        "currency_id",
        "company_id",
    )
    def _compute_mrr(self):
        today = fields.Date.context_today(self)
        for sub in self:
            if sub.state in MRR_STATES and sub.cycle_id:
                monthly = mrr.to_monthly(
                    sub.recurring_amount,
                    sub.cycle_id.interval_unit,
                    sub.cycle_id.interval_count,
                )
                sub.mrr = sub.currency_id.round(monthly)
                sub.mrr_company = sub.currency_id._convert(
                    sub.mrr, sub.company_id.currency_id, sub.company_id, today
                )
            else:
                sub.mrr = 0.0
                sub.mrr_company = 0.0

    def _compute_event_count(self):
        counts = dict(
            self.env["subscription.event"]._read_group(
                [("subscription_id", "in", self.ids)], ["subscription_id"], ["__count"]
            )
        )
        for sub in self:
            sub.event_count = counts.get(sub, 0)

    @api.depends("state", "trial_end_date", "current_period_end", "pause_until")
    def _compute_next_action_date(self):
        for sub in self:
            if sub.state == "trial":
                sub.next_action_date = sub.trial_end_date
            elif sub.state in ("active", "past_due"):
                sub.next_action_date = sub.current_period_end
            elif sub.state == "paused":
                sub.next_action_date = sub.pause_until
            else:
                sub.next_action_date = False

    @api.depends("pending_tier_id", "pending_cycle_id", "pending_quantity", "pending_addons")
    def _compute_has_pending_change(self):
        for sub in self:
            sub.has_pending_change = bool(
                sub.pending_tier_id
                or sub.pending_cycle_id
                or sub.pending_quantity
                or bool(sub.pending_addons)
            )

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for sub in self:
            sub.access_url = f"/my/subscriptions/{sub.id}"
        return res

    # === CONSTRAINT METHODS ===#

    @api.constrains("quantity")
    def _check_quantity(self):
        for sub in self:
            if sub.quantity < 1:
                raise ValidationError(
                    _("%(name)s: seats must be at least 1.", name=sub.display_name)
                )

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for sub in self:
            if sub.date_start and sub.date_end and sub.date_end <= sub.date_start:
                raise ValidationError(
                    _(
                        "%(name)s: the end date (%(end)s) must be after the start "
                        "date (%(start)s).",
                        name=sub.display_name,
                        end=sub.date_end,
                        start=sub.date_start,
                    )
                )

    @api.constrains("tier_id", "addon_line_ids")
    def _check_addons_allowed(self):
        for sub in self:
            wrong = sub.addon_line_ids.addon_id - sub.tier_id.addon_ids
            if wrong:
                raise ValidationError(
                    _(
                        "%(addons)s cannot be added to the %(tier)s tier.",
                        addons=", ".join(wrong.mapped("name")),
                        tier=sub.tier_id.name,
                    )
                )

    # === CRUD METHODS ===#

    @api.model
    def _check_values(self, vals):
        """Refuse values the database would reject, with a clear message
        (the SQL constraints stay as the last line of defence)."""
        if "quantity" in vals and (not isinstance(vals["quantity"], int) or vals["quantity"] < 1):
            raise ValidationError(_("Subscription seats must be at least 1."))
        start, end = vals.get("date_start"), vals.get("date_end")
        if start and end and fields.Date.to_date(end) <= fields.Date.to_date(start):
            raise ValidationError(
                _(
                    "The end date (%(end)s) must be after the start date (%(start)s).",
                    end=end,
                    start=start,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        sequence = self.env["ir.sequence"]
        for vals in vals_list:
            self._check_values(vals)
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id"))
                vals["name"] = (
                    sequence.with_company(company or self.env.company).next_by_code(
                        "subscription.subscription"
                    )
                    or "/"
                )
        subs = super().create(vals_list)
        subs._log_events("created", {sub: 0.0 for sub in subs})
        return subs

    def write(self, vals):
        self._check_values(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        started = self.filtered(lambda s: s.state != "draft")
        if started:
            raise UserError(
                _(
                    "Only draft subscriptions can be deleted; cancel %(names)s instead.",
                    names=", ".join(started.mapped("name")),
                )
            )

    # === ACTION METHODS ===#

    def action_start(self):
        """Start draft subscriptions: into trial when the tier offers one,
        otherwise straight to active. The start date is ``date_start`` (today
        when empty); it cannot lie in the future."""
        today = fields.Date.context_today(self)
        for sub in self:
            sub._check_state(("draft",), _("start"))
            start = sub.date_start or today
            if start > today:
                raise UserError(
                    _(
                        "%(name)s starts on %(date)s: it can be started from that day on.",
                        name=sub.name,
                        date=start,
                    )
                )
            sub._lock_catalog_prices()
            if sub.tier_id.trial_days > 0:
                trial_end = start + timedelta(days=sub.tier_id.trial_days)
                if sub.date_end and trial_end > sub.date_end:
                    trial_end = sub.date_end
                sub._apply_transition(
                    "trial_started",
                    {
                        "state": "trial",
                        "date_start": start,
                        "trial_end_date": trial_end,
                        "current_period_start": start,
                        "current_period_end": trial_end,
                    },
                )
            else:
                sub.write({"date_start": start})
                sub._activate(start)
        return True

    def action_activate(self):
        """Activate draft or trial subscriptions today (ends a trial early)."""
        today = fields.Date.context_today(self)
        for sub in self:
            sub._check_state(("draft", "trial"), _("activate"))
            if sub.state == "draft":
                sub._lock_catalog_prices()
                if not sub.date_start or sub.date_start > today:
                    sub.write({"date_start": today})
            sub._activate(today)
        return True

    def action_pause(self, until=None):
        """Pause active subscriptions, optionally until a date (the day they
        resume). A pause stops the service and the MRR; the unused part of
        the current period is recorded on the event as a credit."""
        today = fields.Date.context_today(self)
        until = fields.Date.to_date(until) if until else False
        if until and until <= today:
            raise UserError(_("A pause must end after today."))
        for sub in self:
            sub._check_state(("active",), _("pause"))
            if sub.cancel_at_period_end:
                raise UserError(
                    _("%(name)s is cancelling at period end: it cannot be paused.", name=sub.name)
                )
            if until and sub.date_end and until >= sub.date_end:
                raise UserError(
                    _(
                        "%(name)s ends on %(date)s: the pause must end before.",
                        name=sub.name,
                        date=sub.date_end,
                    )
                )
            credit = sub._unused_amount(today)
            sub._apply_transition(
                "paused",
                {"state": "paused", "pause_until": until},
                amount_credit=credit,
            )
        return True

    def action_resume(self):
        """Resume paused subscriptions today: a new period starts today."""
        today = fields.Date.context_today(self)
        for sub in self:
            sub._check_state(("paused",), _("resume"))
            sub._resume(today)
        return True

    def action_cancel(self, reason_id, feedback=None, at_period_end=True):
        """Cancel subscriptions for a reason (a ``subscription.cancel.reason``
        id or record, required). With ``at_period_end`` (the default) running
        subscriptions keep their service until the end of the period; paused,
        suspended and draft ones, or ``at_period_end=False``, end today."""
        reason = self._get_cancel_reason(reason_id)
        today = fields.Date.context_today(self)
        feedback = (feedback or "").strip() or False
        for sub in self:
            sub._check_state(
                ("draft", "trial", "active", "past_due", "paused", "suspended"),
                _("cancel"),
            )
            if at_period_end and sub.state in ("trial", "active", "past_due"):
                if sub.cancel_at_period_end:
                    raise UserError(
                        _("%(name)s is already cancelling at the end of its period.", name=sub.name)
                    )
                sub._apply_transition(
                    "cancel_scheduled",
                    {
                        "cancel_at_period_end": True,
                        "cancel_reason_id": reason.id,
                        "cancel_feedback": feedback,
                    },
                    reason_id=reason.id,
                    note=feedback,
                )
            else:
                credit = sub._unused_amount(today) if sub.state in MRR_STATES else 0.0
                sub._end(
                    "cancelled",
                    today,
                    {"cancel_reason_id": reason.id, "cancel_feedback": feedback},
                    amount_credit=credit,
                )
        return True

    def action_reactivate(self):
        """Undo a scheduled cancellation, or restart a cancelled, expired or
        suspended subscription as a new period starting today at the current
        catalog prices."""
        today = fields.Date.context_today(self)
        for sub in self:
            if sub.cancel_at_period_end and sub.state in ("trial", "active", "past_due"):
                sub._apply_transition(
                    "reactivated",
                    {
                        "cancel_at_period_end": False,
                        "cancel_reason_id": False,
                        "cancel_feedback": False,
                    },
                )
                continue
            sub._check_state(("cancelled", "expired", "suspended"), _("reactivate"))
            if sub.date_end and sub.date_end <= today:
                raise UserError(
                    _(
                        "%(name)s had a fixed term ending on %(date)s: clear or "
                        "extend the end date before reactivating it.",
                        name=sub.name,
                        date=sub.date_end,
                    )
                )
            sub._lock_catalog_prices()
            sub._start_period(
                "reactivated",
                today,
                {
                    "cancel_at_period_end": False,
                    "cancel_reason_id": False,
                    "cancel_feedback": False,
                    "cancel_date": False,
                    "pause_until": False,
                },
            )
        return True

    def action_undo_cancel(self):
        """Withdraw a scheduled cancellation (see ``action_reactivate``)."""
        for sub in self:
            if not sub.cancel_at_period_end:
                raise UserError(_("%(name)s has no scheduled cancellation to undo.", name=sub.name))
        return self.action_reactivate()

    def action_cancel_pending_change(self):
        """Drop a change scheduled for the end of the period."""
        self.write(self._pending_reset_values())
        return True

    def action_view_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "subscription_core.subscription_event_action"
        )
        action["domain"] = [("subscription_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

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
            "credit": credit,
            "charge": charge,
            "net": currency.round(charge - credit),
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
        self.write(
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

    # === LIFECYCLE (INTERNAL) ===#

    def _check_state(self, allowed, verb):
        self.ensure_one()
        if self.state not in allowed:
            state_labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                _(
                    "You cannot %(verb)s %(name)s while it is %(state)s (allowed: %(allowed)s).",
                    verb=verb,
                    name=self.name,
                    state=state_labels[self.state],
                    allowed=", ".join(state_labels[s] for s in allowed),
                )
            )

    @api.model
    def _get_cancel_reason(self, reason_id):
        if isinstance(reason_id, models.BaseModel):
            reason_id = reason_id.id
        if not reason_id:
            raise UserError(_("A cancellation reason is required."))
        reason_id = self._parse_quantity(reason_id, _("Cancellation reason"))
        reason = self.env["subscription.cancel.reason"].sudo().browse(reason_id).exists()
        if not reason:
            raise UserError(_("The cancellation reason %(id)s does not exist.", id=reason_id))
        return reason

    def _find_price(self, item):
        """Catalog price of ``item`` for this subscription's cycle and
        currency, or an empty recordset."""
        self.ensure_one()
        if not (item and self.cycle_id and self.currency_id):
            return self.env["subscription.price"]
        field = "tier_id" if item._name == "subscription.tier" else "addon_id"
        return (
            self.env["subscription.price"]
            .sudo()
            .search(
                [
                    (field, "=", item.id),
                    ("cycle_id", "=", self.cycle_id.id),
                    ("currency_id", "=", self.currency_id.id),
                ],
                limit=1,
            )
        )

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

    def _period_end_from(self, anchor, start):
        end = periods.next_period_end(
            anchor, self.cycle_id.interval_unit, self.cycle_id.interval_count, start
        )
        return periods.clip_end(end, self.date_end or None)

    def _activate(self, on_date):
        """Active from ``on_date``: the first paid period starts."""
        self.ensure_one()
        return self._start_period("activated", on_date, {"trial_end_date": self.trial_end_date})

    def _resume(self, on_date):
        self.ensure_one()
        return self._start_period("resumed", on_date, {"pause_until": False})

    def _start_period(self, event_type, on_date, extra_vals):
        """Move to active with a new billing anchor on ``on_date``."""
        self.ensure_one()
        if self.date_end and on_date >= self.date_end:
            return self._end("expired", self.date_end, {})
        vals = {
            "state": "active",
            "period_anchor_date": on_date,
            "current_period_start": on_date,
            "current_period_end": self._period_end_from(on_date, on_date),
            **extra_vals,
        }
        event = self._apply_transition(event_type, vals, effective_date=on_date)
        self._on_period_started(event)
        return event

    def _renew(self, on_date):
        """Roll over to the period starting on ``on_date`` (the end of the
        current one), applying a scheduled change first."""
        self.ensure_one()
        events = self.env["subscription.event"]
        if self.has_pending_change:
            plan = self._pending_plan()
            lines = self._plan_lines(plan)
            if self._plan_differs(plan, lines):
                preview = self._compute_change(plan, "now")
                preview.update(credit=0.0, charge=0.0, net=0.0)
                cycle_changes = plan["cycle"] != self.cycle_id
                events |= self._apply_change(plan, preview)
                if cycle_changes:
                    # _apply_change started a period today: restart it on the
                    # renewal date instead.
                    self.write({"period_anchor_date": on_date})
            else:
                self.write(self._pending_reset_values())
        anchor = self.period_anchor_date or self.date_start
        try:
            end = self._period_end_from(anchor, on_date)
        except ValueError:
            # The renewal date is not on the anchored schedule (e.g. a plan
            # change restarted the period): anchor the schedule on it.
            anchor = on_date
            self.write({"period_anchor_date": on_date})
            end = self._period_end_from(anchor, on_date)
        # A renewal moves only untracked period dates: skip the tracking
        # bookkeeping, which would cost more than the renewal itself.
        renewed = (
            self.with_context(tracking_disable=True)
            ._apply_transition(
                "renewed",
                {"current_period_start": on_date, "current_period_end": end},
                effective_date=on_date,
            )
            .with_env(self.env)
        )
        events |= renewed
        self._on_period_started(renewed)
        return events

    def _end(self, final_state, on_date, extra_vals, **event_vals):
        """Cancel or expire on ``on_date``."""
        self.ensure_one()
        vals = {
            "state": final_state,
            "cancel_at_period_end": False,
            **self._pending_reset_values(),
            **extra_vals,
        }
        if final_state == "cancelled":
            vals["cancel_date"] = on_date
        elif not self.date_end or self.date_end > on_date:
            vals["date_end"] = on_date
        vals.setdefault("cancel_reason_id", self.cancel_reason_id.id)
        event = self._apply_transition(
            final_state,
            vals,
            effective_date=on_date,
            reason_id=vals.get("cancel_reason_id") or False,
            **event_vals,
        )
        self._on_ended(event)
        return event

    def _apply_transition(self, event_type, vals, **event_vals):
        """Write ``vals`` and log exactly one event with the MRR movement."""
        self.ensure_one()
        mrr_before = self.mrr_company
        self.write(vals)
        return self._log_event(event_type, mrr_before, **event_vals)

    def _log_event(self, event_type, mrr_before, **vals):
        """Append one event to the ledger (as the system)."""
        self.ensure_one()
        return self._log_events(event_type, {self: mrr_before}, **vals)

    def _log_events(self, event_type, mrr_before_by_sub, **vals):
        values = []
        for sub, mrr_before in mrr_before_by_sub.items():
            values.append(
                {
                    "subscription_id": sub.id,
                    "event_type": event_type,
                    "mrr_before": mrr_before,
                    "mrr_after": sub.mrr_company,
                    "tier_to_id": sub.tier_id.id,
                    "user_id": self.env.uid,
                    **vals,
                }
            )
        return self.env["subscription.event"].sudo().create(values)

    def _demo_start(self):
        """Demo data: start subscriptions at their (past) start date and roll
        them up to today as the renewal engine would have."""
        self.action_start()
        today = fields.Date.context_today(self)
        for sub in self:
            sub._process_due(today)

    # === PAYMENT STATES (used by subscription_billing) ===#

    def _set_past_due(self, note=None):
        """A payment failed: active → past due (idempotent)."""
        for sub in self.filtered(lambda s: s.state == "active"):
            sub._apply_transition("payment_failed", {"state": "past_due"}, note=note)

    def _set_recovered(self, note=None):
        """A late payment came in: past due or suspended → active."""
        for sub in self.filtered(lambda s: s.state in ("past_due", "suspended")):
            sub._apply_transition("payment_recovered", {"state": "active"}, note=note)

    def _set_suspended(self, note=None):
        """Dunning gave up: past due → suspended (no service, no MRR)."""
        for sub in self.filtered(lambda s: s.state == "past_due"):
            sub._apply_transition("suspended", {"state": "suspended"}, note=note)

    # === HOOKS ===#

    def _on_period_started(self, event):
        """Called when a billed period begins: activation, renewal, resume,
        reactivation. ``event`` is the ledger entry; the period is
        ``current_period_start``/``current_period_end``. Override to invoice
        and charge the period (subscription_billing does)."""

    def _on_plan_changed(self, event, preview):
        """Called after a plan change applied now on a running subscription.
        ``preview`` holds the proration (``credit``, ``charge``, ``net``) also
        stored on ``event``. Override to invoice the proration."""

    def _on_ended(self, event):
        """Called when a subscription is cancelled or expires."""

    # === RENEWAL ENGINE ===#

    @api.model
    def _get_due_domain(self, on_date):
        """Subscriptions the renewal engine must process on ``on_date``."""
        return [
            ("next_action_date", "<=", on_date),
            ("state", "in", DUE_STATES),
            "|",
            ("process_error_date", "=", False),
            ("process_error_date", "<", on_date),
        ]

    @api.model
    def _lock_due(self, on_date, limit):
        """Take up to ``limit`` due subscriptions, skipping rows another
        transaction holds, so that several servers can run the engine."""
        return lock_for_processing(
            self, self._get_due_domain(on_date), limit, order=("next_action_date", "id")
        )

    @api.model
    def _cron_process_due(self, batch_size=None):
        """Process what is due today, one bounded batch per call: trial ends,
        renewals with their scheduled changes, cancellations at period end,
        pause ends and fixed-term expiries. Each subscription runs in its own
        savepoint; a failing one is rolled back, flagged with an activity and
        left for tomorrow while the batch goes on. Progress is reported to
        the cron runner, which commits and calls again while work remains."""
        batch_size = batch_size or int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("subscription_core.batch_size", DEFAULT_BATCH_SIZE)
        )
        # A batch also stops after this many seconds, so that one call stays
        # well inside Odoo's default worker limits (60 s CPU, 120 s real)
        # whatever the hooks add per subscription (invoices, charges).
        time_budget = float(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("subscription_core.batch_seconds", DEFAULT_BATCH_SECONDS)
        )
        deadline = time.monotonic() + time_budget
        today = fields.Date.context_today(self)
        subs = self._lock_due(today, batch_size)
        # Read the locked rows afresh, in one query for the whole batch.
        subs.invalidate_recordset()
        subs.fetch(self._get_process_due_fields())
        failed = self.browse()
        done = 0
        for sub in subs:
            if done and time.monotonic() >= deadline:
                break
            done += 1
            try:
                with self.env.cr.savepoint():
                    sub._process_due(today)
            except Exception as error:  # noqa: BLE001 - one record's failure stays its own
                _logger.warning("Renewal engine failed on %s: %s", sub.name, error)
                failed |= sub
                sub._flag_process_error(error, today)
        remaining = self.search_count(self._get_due_domain(today))
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if not remaining:
            self._schedule_next_run(today)
        return {"done": done, "failed": len(failed), "remaining": remaining}

    @api.model
    def _get_process_due_fields(self):
        """Fields the renewal engine reads, prefetched once per batch."""
        return [
            "state",
            "next_action_date",
            "trial_end_date",
            "current_period_start",
            "current_period_end",
            "period_anchor_date",
            "date_start",
            "date_end",
            "auto_renew",
            "cancel_at_period_end",
            "cancel_reason_id",
            "has_pending_change",
            "pause_until",
            "cycle_id",
            "tier_id",
            "partner_id",
            "company_id",
            "currency_id",
            "mrr_company",
            "recurring_amount",
            "process_error",
        ]

    def _process_due(self, today):
        """Catch up everything due on or before ``today``."""
        self.ensure_one()
        for _step in range(MAX_CATCH_UP):
            due = self.next_action_date
            if not due or due > today or self.state not in DUE_STATES:
                break
            if self.state == "trial":
                if self.cancel_at_period_end:
                    self._end("cancelled", due, {})
                else:
                    self._activate(due)
            elif self.state == "paused":
                self._resume(due)
            elif self.cancel_at_period_end:
                self._end("cancelled", due, {})
            elif (self.date_end and due >= self.date_end) or not self.auto_renew:
                self._end("expired", due, {})
            else:
                self._renew(due)
        if self.process_error:
            self.write({"process_error": False, "process_error_date": False})

    def _flag_process_error(self, error, today):
        self.ensure_one()
        message = str(error) or error.__class__.__name__
        with self.env.cr.savepoint():
            self.write({"process_error": message, "process_error_date": today})
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Renewal failed"),
                note=message,
                user_id=(self.user_id or self.env.ref("base.user_admin")).id,
            )

    @api.model
    def _schedule_next_run(self, today):
        self.flush_model(["next_action_date", "state"])
        self.env.cr.execute(
            SQL(
                "SELECT MIN(next_action_date) FROM %s WHERE next_action_date > %s AND state IN %s",
                SQL.identifier(self._table),
                today,
                DUE_STATES,
            )
        )
        next_date = self.env.cr.fetchone()[0]
        if next_date:
            cron = self.env.ref(
                "subscription_core.ir_cron_subscription_process_due", raise_if_not_found=False
            )
            if cron:
                cron._trigger(at=datetime.combine(next_date, datetime.min.time()))
