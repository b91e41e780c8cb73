# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..tools import nps

# Occasions of _engagement_send that invite to a survey, and the survey kind.
SURVEY_OCCASIONS = {"nps_invitation": "nps", "csat_invitation": "csat"}


class SubscriptionSubscription(models.Model):
    """NPS and CSAT invitations: the answer (with its token) is created for
    each subscription an invitation is claimed for, just before the mails
    are rendered (``_engagement_prepare``)."""

    _inherit = "subscription.subscription"

    nps_invited_date = fields.Date(
        string="Last NPS Invitation",
        readonly=True,
        copy=False,
        groups="subscription_core.group_subscription_user",
    )
    nps_next_date = fields.Date(
        string="Next NPS Invitation",
        compute="_compute_nps_next_date",
        store=True,
        index="btree_not_null",
        help="30 days after the start, then every 90 days, never within 60 days of the "
        "customer's last invitation; the rule 'Subscription: NPS invitation' runs on it.",
    )
    survey_answer_ids = fields.One2many(
        "survey.user_input",
        "subscription_id",
        string="Survey Answers",
        groups="subscription_core.group_subscription_user",
    )

    @api.depends(
        "date_start", "state", "nps_invited_date", "partner_id.subscription_nps_invited_date"
    )
    def _compute_nps_next_date(self):
        for sub in self:
            if sub.state not in ("active", "past_due"):
                sub.nps_next_date = False
                continue
            sub.nps_next_date = nps.next_invitation_date(
                sub.date_start,
                sub.nps_invited_date,
                sub.partner_id.sudo().subscription_nps_invited_date,
            )

    def _engagement_prepare(self, occasion):
        """Called by ``_engagement_send`` for the subscriptions it claimed,
        before the mails are rendered."""
        kind = SURVEY_OCCASIONS.get(occasion)
        if not kind or not self:
            return
        survey = (
            self.env["survey.survey"]
            .sudo()
            .search([("subscription_survey_kind", "=", kind)], order="id", limit=1)
        )
        if not survey:
            raise ValueError(f"No active {kind} survey to invite to.")
        self.env["survey.user_input"].sudo().create(
            [
                {
                    "survey_id": survey.id,
                    "partner_id": sub.partner_id.id,
                    "email": sub.partner_id.email,
                    "nickname": sub.partner_id.name,
                    "subscription_id": sub.id,
                }
                for sub in self
            ]
        )
        if kind == "nps":
            today = fields.Date.context_today(self)
            self.sudo().write({"nps_invited_date": today})
            self.partner_id.sudo().write({"subscription_nps_invited_date": today})

    def _survey_invitation_url(self, kind):
        """Full URL of the latest invitation of ``kind`` (used by the templates)."""
        self.ensure_one()
        answer = (
            self.sudo()
            .survey_answer_ids.filtered(
                lambda a: a.survey_id.subscription_survey_kind == kind and a.state != "done"
            )
            .sorted("id")[-1:]
        )
        if not answer:
            return ""
        return self.get_base_url() + answer.get_start_url()

    @api.model
    def _engagement_send_csat(self, events):
        """CSAT invitation for each event (a plan change, a recovery), once per event."""
        template = self.env.ref("subscription_engagement.mail_template_csat_invitation")
        keys = {event.subscription_id.id: f"event-{event.id}" for event in events}
        return events.subscription_id._engagement_send(
            "csat_invitation", template, period_keys=keys, marketing=True
        )
