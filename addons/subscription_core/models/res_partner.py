# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

LIFECYCLE_STAGES = [
    ("prospect", "Prospect"),
    ("trial", "Trial"),
    ("active", "Active"),
    ("past_due", "Past Due"),
    ("paused", "Paused"),
    ("churned", "Churned"),
]
# The stage of a customer is the most pressing stage among their
# subscriptions, in this order.
_STAGE_OF_STATE = {
    "past_due": "past_due",
    "suspended": "past_due",
    "active": "active",
    "trial": "trial",
    "paused": "paused",
    "cancelled": "churned",
    "expired": "churned",
}
_STAGE_PRIORITY = ["past_due", "active", "trial", "paused", "churned"]


SUBSCRIPTION_GROUP = "subscription_core.group_subscription_user"
# States behind each stage, most pressing stage first.
_STATES_OF_STAGE = {
    stage: tuple(state for state, of_stage in _STAGE_OF_STATE.items() if of_stage == stage)
    for stage in _STAGE_PRIORITY
}
_SEARCH_OPERATORS = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


class ResPartner(models.Model):
    """The customer view: subscription statistics of a partner.

    The statistics are not stored: they are computed for the companies
    selected in the company switcher (``self.env.companies``) and expressed
    in the currency of the current company (``self.env.company``), so that a
    user sees the figures of the companies they work in, never another
    company's. They are visible to Subscriptions users only (``groups=``):
    other employees get neither a value nor a search on them.
    """

    _inherit = "res.partner"

    subscription_ids = fields.One2many(
        "subscription.subscription",
        "partner_id",
        string="Subscriptions",
        groups=SUBSCRIPTION_GROUP,
    )
    subscription_count = fields.Integer(
        compute="_compute_subscription_stats",
        search="_search_subscription_count",
        string="# Subscriptions",
        groups=SUBSCRIPTION_GROUP,
    )
    lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES,
        compute="_compute_subscription_stats",
        search="_search_lifecycle_stage",
        groups=SUBSCRIPTION_GROUP,
        help="Where the customer stands, from all their subscriptions in the selected companies.",
    )
    mrr = fields.Monetary(
        string="MRR",
        compute="_compute_subscription_stats",
        currency_field="subscription_currency_id",
        groups=SUBSCRIPTION_GROUP,
        help="Monthly recurring revenue of the customer in the selected companies, "
        "in the currency of the current company.",
    )
    subscription_currency_id = fields.Many2one(
        "res.currency", compute="_compute_subscription_currency_id", groups=SUBSCRIPTION_GROUP
    )
    first_subscription_date = fields.Date(
        compute="_compute_subscription_stats", groups=SUBSCRIPTION_GROUP
    )
    churn_date = fields.Date(
        compute="_compute_subscription_stats",
        groups=SUBSCRIPTION_GROUP,
        help="When the customer's last subscription ended, while they have none running.",
    )
    subscription_event_ids = fields.One2many(
        "subscription.event",
        compute="_compute_subscription_event_ids",
        string="Recent Subscription Events",
        groups=SUBSCRIPTION_GROUP,
    )

    # === COMPUTE METHODS ===#

    @api.model
    def _get_subscription_stats_domain(self):
        """Subscriptions counted in the statistics: those of the selected
        companies (archived ones excluded)."""
        return [("company_id", "in", self.env.companies.ids)]

    @api.depends(
        "subscription_ids.state",
        "subscription_ids.mrr_company",
        "subscription_ids.date_start",
        "subscription_ids.cancel_date",
        "subscription_ids.date_end",
        "subscription_ids.company_id",
    )
    @api.depends_context("company", "allowed_company_ids")
    def _compute_subscription_stats(self):
        # Read in sudo mode but limited to the selected companies: the
        # fields themselves are restricted to subscription users.
        groups = (
            self.env["subscription.subscription"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self.ids), *self._get_subscription_stats_domain()],
                ["partner_id", "company_id", "state"],
                ["__count", "mrr_company:sum", "date_start:min", "cancel_date:max", "date_end:max"],
            )
        )
        target = self.env.company.currency_id
        today = fields.Date.context_today(self)
        stats = {}
        for partner, company, state, count, mrr_sum, first, cancel_max, end_max in groups:
            data = stats.setdefault(
                partner.id, {"count": 0, "mrr": 0.0, "first": False, "stages": set(), "end": False}
            )
            data["count"] += count
            if mrr_sum and company.currency_id != target:
                mrr_sum = company.currency_id._convert(mrr_sum, target, self.env.company, today)
            data["mrr"] += mrr_sum
            if state != "draft" and first and (not data["first"] or first < data["first"]):
                data["first"] = first
            if state in _STAGE_OF_STATE:
                data["stages"].add(_STAGE_OF_STATE[state])
            ended = max(filter(None, [cancel_max, end_max]), default=False)
            if (
                state in ("cancelled", "expired")
                and ended
                and (not data["end"] or ended > data["end"])
            ):
                data["end"] = ended
        for partner in self:
            data = stats.get(partner.id)
            if not data:
                partner.update(
                    {
                        "subscription_count": 0,
                        "mrr": 0.0,
                        "first_subscription_date": False,
                        "lifecycle_stage": "prospect",
                        "churn_date": False,
                    }
                )
                continue
            stage = next((s for s in _STAGE_PRIORITY if s in data["stages"]), "prospect")
            partner.update(
                {
                    "subscription_count": data["count"],
                    "mrr": target.round(data["mrr"]),
                    "first_subscription_date": data["first"],
                    "lifecycle_stage": stage,
                    "churn_date": data["end"] if stage == "churned" else False,
                }
            )

    @api.depends_context("company")
    def _compute_subscription_currency_id(self):
        for partner in self:
            partner.subscription_currency_id = self.env.company.currency_id

    @api.depends("subscription_ids.event_ids")
    @api.depends_context("allowed_company_ids")
    def _compute_subscription_event_ids(self):
        for partner in self:
            partner.subscription_event_ids = self.env["subscription.event"].search(
                [("partner_id", "=", partner.id), ("company_id", "in", self.env.companies.ids)],
                limit=20,
            )

    # === SEARCH METHODS ===#

    def _partners_with_subscriptions(self, states=None):
        """SQL subquery of the partners having a subscription in the selected
        companies (in one of ``states`` when given)."""
        domain = self._get_subscription_stats_domain()
        if states is not None:
            domain = [*domain, ("state", "in", tuple(states))]
        Subscription = self.env["subscription.subscription"].sudo()
        query = Subscription._search(domain)
        return query.subselect(SQL.identifier(Subscription._table, "partner_id"))

    def _search_subscription_count(self, operator, value):
        # A field's groups guard reads, not searches on a computed field.
        self.check_field_access_rights("read", ["subscription_count"])
        compare = _SEARCH_OPERATORS.get(operator)
        if compare is None or not isinstance(value, (int, float)) or isinstance(value, bool):
            raise UserError(
                self.env._("Unsupported search on the number of subscriptions: %s", operator)
            )
        zero_matches = compare(0, value)
        if (operator, value) in ((">", 0), (">=", 1), ("!=", 0)):
            # the common filter: customers with at least one subscription
            return [("id", "in", self._partners_with_subscriptions())]
        if (operator, value) in (("=", 0), ("<", 1), ("<=", 0)):
            return [("id", "not in", self._partners_with_subscriptions())]
        Subscription = self.env["subscription.subscription"].sudo()
        counts = Subscription._read_group(
            self._get_subscription_stats_domain(), ["partner_id"], ["__count"]
        )
        if zero_matches:
            excluded = [partner.id for partner, count in counts if not compare(count, value)]
            return [("id", "not in", excluded)]
        return [("id", "in", [partner.id for partner, count in counts if compare(count, value)])]

    def _search_lifecycle_stage(self, operator, value):
        self.check_field_access_rights("read", ["lifecycle_stage"])
        if operator in ("=", "!="):
            stages = [value]
        elif operator in ("in", "not in"):
            stages = list(value)
        else:
            raise UserError(self.env._("Unsupported search on the lifecycle stage: %s", operator))
        domains = []
        for stage in stages:
            if stage == "prospect":
                domain = [
                    ("id", "not in", self._partners_with_subscriptions(_STAGE_OF_STATE)),
                ]
            elif stage in _STATES_OF_STAGE:
                higher = _STAGE_PRIORITY[: _STAGE_PRIORITY.index(stage)]
                domain = [("id", "in", self._partners_with_subscriptions(_STATES_OF_STAGE[stage]))]
                if higher:
                    states = [state for s in higher for state in _STATES_OF_STAGE[s]]
                    domain.append(("id", "not in", self._partners_with_subscriptions(states)))
            else:
                domain = expression.FALSE_DOMAIN
            domains.append(domain)
        domain = expression.OR(domains) if domains else expression.FALSE_DOMAIN
        if operator in ("!=", "not in"):
            domain = ["!", *expression.normalize_domain(domain)]
        return domain

    # === ACTION METHODS ===#

    def action_view_subscriptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "subscription_core.subscription_subscription_action"
        )
        action["domain"] = [("partner_id", "child_of", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
