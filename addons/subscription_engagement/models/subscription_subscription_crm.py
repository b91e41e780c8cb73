# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import _, api, fields, models

_logger = logging.getLogger(__name__)


class SubscriptionSubscription(models.Model):
    """Opportunities in Odoo CRM, each created at most once per subscription,
    kind and occasion (claimed in ``subscription.engagement.log`` like the
    messages, under the occasion ``crm_<kind>``)."""

    _inherit = "subscription.subscription"

    opportunity_ids = fields.One2many(
        "crm.lead",
        "subscription_id",
        string="Opportunities",
        context={"active_test": False},
        groups="subscription_core.group_subscription_user",
    )
    opportunity_count = fields.Integer(
        compute="_compute_opportunity_count", groups="subscription_core.group_subscription_user"
    )

    @api.depends("opportunity_ids")
    def _compute_opportunity_count(self):
        # Counted as the system: a subscription user may have no CRM rights,
        # and the count tells no more than the field's group allows.
        groups = (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            ._read_group([("subscription_id", "in", self.ids)], ["subscription_id"], ["__count"])
        )
        counts = {sub.id: count for sub, count in groups}
        for sub in self:
            sub.opportunity_count = counts.get(sub.id, 0)

    def _crm_opportunity_key(self, kind):
        """What 'once' means for each kind: a renewal per period end, an
        expansion per tier, a save per scheduled cancellation date."""
        self.ensure_one()
        if kind == "expansion":
            return f"tier-{self.tier_id.id}"
        return str(self.current_period_end or "once")

    def _crm_next_tier(self):
        """The next tier up (by rank) in the subscription's company that has a
        price for the subscription's cycle and currency, if any."""
        self.ensure_one()
        return self.env["subscription.tier"].search(
            [
                ("sequence", ">", self.tier_id.sequence),
                ("company_id", "in", (False, self.company_id.id)),
                (
                    "price_ids",
                    "any",
                    [
                        ("cycle_id", "=", self.cycle_id.id),
                        ("currency_id", "=", self.currency_id.id),
                    ],
                ),
            ],
            order="sequence, id",
            limit=1,
        )

    def _crm_create_opportunities(self, kind):
        """Create the ``kind`` opportunity of each subscription that qualifies
        and has none for this occasion yet; returns the leads created."""
        subs = self
        next_tiers = {}
        if kind == "expansion":
            next_tiers = {sub: sub._crm_next_tier() for sub in subs}
            subs = subs.filtered(lambda s: next_tiers[s])
        elif kind == "save":
            subs = subs.filtered(
                lambda s: (
                    s.company_id.subscription_save_opportunity_mrr
                    and s.mrr_company >= s.company_id.subscription_save_opportunity_mrr
                )
            )
        if not subs:
            return self.env["crm.lead"]
        Log = self.env["subscription.engagement.log"].sudo()
        Log.flush_model()
        keys = {sub.id: sub._crm_opportunity_key(kind) for sub in subs}
        claimed = self.browse(Log._claim(f"crm_{kind}", keys, self.env["mail.template"]))
        leads = (
            self.env["crm.lead"]
            .sudo()
            .create([sub._crm_lead_values(kind, next_tiers.get(sub)) for sub in claimed])
        )
        for lead in leads:
            lead.subscription_id.message_post(
                body=_("Opportunity created: %(lead)s", lead=lead._get_html_link()),
                subtype_xmlid="mail.mt_note",
            )
        if leads:
            _logger.info("Subscription opportunities (%s): %d created.", kind, len(leads))
        return leads

    def _crm_lead_values(self, kind, next_tier=None):
        self.ensure_one()
        names = {
            "renewal": _("Renewal: %(sub)s (%(partner)s)"),
            "expansion": _("Expansion: %(sub)s (%(partner)s) to %(tier)s"),
            "save": _("Save: %(sub)s (%(partner)s) is cancelling"),
        }
        if kind == "expansion" and next_tier is None:
            next_tier = self._crm_next_tier()
        name = names[kind] % {
            "sub": self.name,
            "partner": self.partner_id.display_name,
            "tier": next_tier.name if next_tier else "",
        }
        return {
            "name": name,
            "type": "opportunity",
            "partner_id": self.partner_id.id,
            "user_id": self.user_id.id,
            "company_id": self.company_id.id,
            "expected_revenue": self.company_currency_id.round(self.mrr_company * 12),
            "date_deadline": self.current_period_end if kind != "expansion" else False,
            "subscription_id": self.id,
            "subscription_opportunity_kind": kind,
            "description": self._crm_lead_description(kind),
        }

    def _crm_lead_description(self, kind):
        self.ensure_one()
        lines = [
            _(
                "Tier: %(tier)s, %(cycle)s, %(seats)s seat(s)",
                tier=self.tier_id.name,
                cycle=self.cycle_id.name,
                seats=self.quantity,
            ),
            _("Monthly recurring revenue: %(mrr)s", mrr=self.mrr_company),
        ]
        if self.current_period_end:
            lines.append(_("Current period ends: %(date)s", date=self.current_period_end))
        if kind == "save" and self.cancel_reason_id:
            lines.append(_("Reason given: %(reason)s", reason=self.cancel_reason_id.name))
        return "<br/>".join(lines)

    def action_view_opportunities(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_opportunities")
        action["domain"] = [("subscription_id", "=", self.id)]
        action["context"] = {"active_test": False, "default_subscription_id": self.id}
        return action

    @api.model
    def _crm_expansion_from_answers(self, answers):
        """Expansion opportunities for the promoters among NPS ``answers``."""
        promoters = answers.filtered(
            lambda a: (
                a.subscription_scored
                and a.survey_id.subscription_survey_kind == "nps"
                and a.subscription_score >= 9
                and a.subscription_id.state in ("active", "past_due")
            )
        )
        return promoters.subscription_id._crm_create_opportunities("expansion")
