# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import _, fields, models

from ..tools import nps

_logger = logging.getLogger(__name__)

SURVEY_KINDS = [
    ("nps", "Net Promoter Score"),
    ("csat", "Customer Satisfaction"),
]


class SurveySurvey(models.Model):
    _inherit = "survey.survey"

    subscription_survey_kind = fields.Selection(
        SURVEY_KINDS,
        string="Subscription Survey",
        copy=False,
        index="btree_not_null",
        help="The survey the subscription invitations of this kind use (the first active "
        "one). Its first scale question is the score, its text answers the comment.",
    )


class SurveyUserInput(models.Model):
    """An answer to an NPS or CSAT invitation, tied to its subscription."""

    _inherit = "survey.user_input"

    subscription_id = fields.Many2one(
        "subscription.subscription",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    subscription_score = fields.Integer(string="Score", readonly=True)
    subscription_scored = fields.Boolean(
        readonly=True, help="The score question was answered (a score of 0 is an answer)."
    )

    def _mark_done(self):
        result = super()._mark_done()
        answers = self.filtered(
            lambda a: (
                a.subscription_id and a.survey_id.subscription_survey_kind and not a.test_entry
            )
        )
        if answers:
            answers.sudo()._subscription_record_answers()
        return result

    def _subscription_record_answers(self):
        """Score, NPS category on the customer, feedback from the comment and,
        for a detractor, an activity for the salesperson."""
        Feedback = self.env["subscription.feedback"]
        feedback_vals = []
        for answer in self:
            lines = answer.user_input_line_ids.filtered(lambda line: not line.skipped)
            scale = lines.filtered(lambda line: line.answer_type == "scale")[:1]
            if not scale:
                continue
            score = scale.value_scale
            answer.write({"subscription_score": score, "subscription_scored": True})
            sub = answer.subscription_id
            comment = "\n".join(
                text
                for text in lines.filtered(
                    lambda line: line.answer_type in ("text_box", "char_box")
                ).mapped(lambda line: line.value_text_box or line.value_char_box)
                if text and text.strip()
            )
            if comment:
                feedback_vals.append(
                    {
                        "kind": "survey",
                        "text": comment,
                        "subscription_id": sub.id,
                        "partner_id": sub.partner_id.id,
                        "company_id": sub.company_id.id,
                        "survey_answer_id": answer.id,
                    }
                )
            if answer.survey_id.subscription_survey_kind == "nps":
                answer._subscription_record_nps(score, comment)
        if feedback_vals:
            Feedback.create(feedback_vals)

    def _subscription_record_nps(self, score, comment):
        self.ensure_one()
        sub = self.subscription_id
        category = nps.category(score)
        sub.partner_id.write(
            {
                "subscription_nps_score": score,
                "subscription_nps_category": category,
                "subscription_nps_date": fields.Date.context_today(self),
            }
        )
        if category != nps.DETRACTOR:
            return
        user = sub.company_id.subscription_detractor_user_id or sub.user_id
        if not user:
            _logger.info("NPS detractor on %s: no salesperson to tell.", sub.display_name)
            return
        sub.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=user.id,
            summary=_("Detractor: NPS %(score)s", score=score),
            note=comment or _("No comment given."),
        )


class SubscriptionFeedback(models.Model):
    _inherit = "subscription.feedback"

    survey_answer_id = fields.Many2one(
        "survey.user_input", string="Survey Answer", readonly=True, ondelete="set null"
    )
