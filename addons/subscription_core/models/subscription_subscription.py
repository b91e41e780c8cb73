# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import mrr

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
# Upper bound of seats and add-on quantities: a clear message long before
# the database's integer limit (2**31 - 1).
MAX_QUANTITY = 1_000_000
# States in which a subscription may be archived (it no longer runs).
ARCHIVABLE_STATES = ("draft", "cancelled", "expired")


class SubscriptionSubscription(models.Model):
    _name = "subscription.subscription"
    _description = "Subscription"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    # === FIELDS ===#

    name = fields.Char(string="Reference", required=True, copy=False, readonly=True, default="/")
    active = fields.Boolean(
        default=True,
        help="Archive a cancelled or expired subscription to hide it; its "
        "ledger stays (a started subscription cannot be deleted).",
    )
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
        aggregator=None,
        compute="_compute_price_unit",
        store=True,
        readonly=False,
        precompute=True,
        help="Price of one seat of the tier per cycle, taken from the catalog "
        "when the subscription starts or changes plan, then kept.",
    )
    missing_price_warning = fields.Char(
        compute="_compute_missing_price_warning",
        help="Draft subscriptions: what the catalog has no price for (the "
        "subscription cannot start until it has one).",
    )
    addon_line_ids = fields.One2many(
        "subscription.addon.line", "subscription_id", string="Add-ons", copy=True
    )
    state = fields.Selection(
        string="Status",
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
    # Amounts in each subscription's currency and per its own cycle: they do
    # not add up across subscriptions (mrr_company does).
    recurring_amount = fields.Monetary(
        aggregator=None,
        compute="_compute_recurring_amount",
        store=True,
        help="Amount billed each cycle: seats and add-ons.",
    )
    mrr = fields.Monetary(
        string="MRR",
        aggregator=None,
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
            "quantity_bounded",
            f"CHECK(quantity <= {MAX_QUANTITY} AND pending_quantity <= {MAX_QUANTITY})",
            "A subscription has at most 1,000,000 seats.",
        ),
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

    @api.depends("state", "tier_id", "cycle_id", "currency_id", "addon_line_ids.addon_id")
    def _compute_missing_price_warning(self):
        for sub in self:
            items = [sub.tier_id, *sub.addon_line_ids.addon_id] if sub.tier_id else []
            missing = (
                [item for item in items if not sub._find_price(item)]
                if sub.state == "draft" and sub.cycle_id and sub.currency_id
                else []
            )
            sub.missing_price_warning = (
                _(
                    "No price for the %(cycle)s cycle in %(currency)s: %(items)s. Add one in "
                    "Subscriptions > Configuration > Prices before starting the subscription.",
                    cycle=sub.cycle_id.display_name,
                    currency=sub.currency_id.name,
                    items=", ".join(item.display_name for item in missing),
                )
                if missing
                else False
            )

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
        for fname in ("quantity", "pending_quantity"):
            if isinstance(vals.get(fname), int) and vals[fname] > MAX_QUANTITY:
                raise ValidationError(
                    _(
                        "A subscription has at most %(max)s seats (%(qty)s asked).",
                        max=format(MAX_QUANTITY, ","),  # no f-string inside _(): Babel evaluates it
                        qty=vals[fname],
                    )
                )
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
            if vals.get("state", "draft") != "draft" and not self.env.su:
                raise UserError(
                    _(
                        "A subscription is created as a draft, then started with "
                        "action_start or action_activate."
                    )
                )
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
        if not self.env.su:
            # Access first: a user who may not write learns nothing more.
            self.check_access("write")
        self._check_values(vals)
        self._check_protected_write(vals)
        if vals.get("active") is False:
            running = self.filtered(lambda s: s.state not in ARCHIVABLE_STATES)
            if running:
                raise UserError(
                    _(
                        "%(names)s still runs: cancel it before archiving it.",
                        names=", ".join(running.mapped("display_name")),
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        """The ledger is never deleted: only a draft whose only event is its
        creation can go (that event with it). Anything else is cancelled or
        archived."""
        events = (
            self.env["subscription.event"]
            .sudo()
            .search([("subscription_id", "in", self.ids), ("event_type", "!=", "created")])
        )
        started = self.filtered(lambda s: s.state != "draft") | events.subscription_id
        if started:
            raise UserError(
                _(
                    "%(names)s has a history in the event ledger and cannot be deleted: "
                    "cancel it, or archive it once cancelled.",
                    names=", ".join(started.mapped("name")),
                )
            )

    def unlink(self):
        # Only drafts reach this point (see _unlink_except_started); their
        # "created" events go first, through the ledger's one sanctioned path.
        self.env["subscription.event"]._purge_draft_creation(self)
        return super().unlink()
