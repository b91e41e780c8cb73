# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

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


class ResPartner(models.Model):
    _inherit = "res.partner"

    subscription_ids = fields.One2many(
        "subscription.subscription", "partner_id", string="Subscriptions"
    )
    subscription_count = fields.Integer(
        compute="_compute_subscription_stats", store=True, string="# Subscriptions"
    )
    lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES,
        compute="_compute_subscription_stats",
        store=True,
        index=True,
        help="Where the customer stands, from all their subscriptions.",
    )
    mrr = fields.Monetary(
        string="MRR",
        compute="_compute_subscription_stats",
        store=True,
        currency_field="subscription_currency_id",
        help="Monthly recurring revenue of the customer, in company currency.",
    )
    subscription_currency_id = fields.Many2one(
        "res.currency", compute="_compute_subscription_currency_id"
    )
    first_subscription_date = fields.Date(compute="_compute_subscription_stats", store=True)
    churn_date = fields.Date(
        compute="_compute_subscription_stats",
        store=True,
        help="When the customer's last subscription ended, while they have none running.",
    )
    subscription_event_ids = fields.One2many(
        "subscription.event",
        compute="_compute_subscription_event_ids",
        string="Recent Subscription Events",
    )

    @api.depends(
        "subscription_ids.state",
        "subscription_ids.mrr_company",
        "subscription_ids.date_start",
        "subscription_ids.cancel_date",
        "subscription_ids.date_end",
    )
    def _compute_subscription_stats(self):
        groups = (
            self.env["subscription.subscription"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self.ids)],
                ["partner_id", "state"],
                ["__count", "mrr_company:sum", "date_start:min", "cancel_date:max", "date_end:max"],
            )
        )
        stats = {}
        for partner, state, count, mrr_sum, first, cancel_max, end_max in groups:
            data = stats.setdefault(
                partner.id, {"count": 0, "mrr": 0.0, "first": False, "stages": set(), "end": False}
            )
            data["count"] += count
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
                    "mrr": data["mrr"],
                    "first_subscription_date": data["first"],
                    "lifecycle_stage": stage,
                    "churn_date": data["end"] if stage == "churned" else False,
                }
            )

    def _compute_subscription_currency_id(self):
        for partner in self:
            partner.subscription_currency_id = self.env.company.currency_id

    @api.depends("subscription_ids.event_ids")
    def _compute_subscription_event_ids(self):
        for partner in self:
            partner.subscription_event_ids = self.env["subscription.event"].search(
                [("partner_id", "=", partner.id)], limit=20
            )

    def action_view_subscriptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "subscription_core.subscription_subscription_action"
        )
        action["domain"] = [("partner_id", "child_of", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
