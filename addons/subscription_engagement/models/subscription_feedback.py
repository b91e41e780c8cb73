# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import sentiment

FEEDBACK_KINDS = [
    ("portal", "Portal Form"),
    ("cancellation", "Cancellation"),
    ("call", "Call"),
    ("chat", "Chat"),
    ("email", "Email"),
    ("survey", "Survey"),
    ("other", "Other"),
]
SENTIMENT_LABELS = [
    (sentiment.POSITIVE, "Positive"),
    (sentiment.NEUTRAL, "Neutral"),
    (sentiment.NEGATIVE, "Negative"),
    (sentiment.NOT_ANALYSED, "Not Analysed"),
]
#: Longest feedback text accepted (characters).
MAX_FEEDBACK_LENGTH = 10000


class SubscriptionFeedback(models.Model):
    """What a customer said: from the portal form, a cancellation, a survey
    or a call, chat or email logged by staff. Its sentiment is computed when
    the text is written (in batch, see ``tools/sentiment.py``)."""

    _name = "subscription.feedback"
    _description = "Customer Feedback"
    _order = "date desc, id desc"
    _rec_name = "summary"

    kind = fields.Selection(FEEDBACK_KINDS, required=True, default="other", index=True)
    text = fields.Text(required=True)
    summary = fields.Char(compute="_compute_summary")
    subscription_id = fields.Many2one(
        "subscription.subscription", index="btree_not_null", ondelete="cascade"
    )
    partner_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        ondelete="cascade",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    cancel_reason_id = fields.Many2one(
        "subscription.cancel.reason",
        string="Cancellation Reason",
        ondelete="set null",
        help="The reason given with cancellation feedback.",
    )
    user_id = fields.Many2one(
        "res.users", string="Logged By", default=lambda self: self.env.user, readonly=True
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    sentiment_score = fields.Float(
        compute="_compute_sentiment",
        store=True,
        digits=(3, 4),
        help="From -1 (very negative) to +1 (very positive); empty when not analysed.",
    )
    sentiment_label = fields.Selection(
        SENTIMENT_LABELS,
        string="Sentiment",
        compute="_compute_sentiment",
        store=True,
        index=True,
        help="Texts the analyser cannot read (not English) are not analysed rather than guessed.",
    )

    @api.depends("subscription_id")
    def _compute_partner_id(self):
        for feedback in self:
            if feedback.subscription_id and not feedback.partner_id:
                feedback.partner_id = feedback.subscription_id.partner_id

    @api.depends("subscription_id")
    def _compute_company_id(self):
        for feedback in self:
            feedback.company_id = (
                feedback.subscription_id.company_id or feedback.company_id or self.env.company
            )

    @api.depends("text")
    def _compute_summary(self):
        for feedback in self:
            text = " ".join((feedback.text or "").split())
            feedback.summary = text if len(text) <= 60 else text[:59] + "…"

    @api.depends("text", "partner_id.lang")
    def _compute_sentiment(self):
        """One analyser for the whole batch of records being written."""
        results = sentiment.analyse_batch([(fb.text, fb.partner_id.lang) for fb in self])
        for feedback, (score, label) in zip(self, results, strict=True):
            feedback.sentiment_score = score if score is not None else False
            feedback.sentiment_label = label

    @api.constrains("text")
    def _check_text(self):
        for feedback in self:
            text = (feedback.text or "").strip()
            if not text:
                raise ValidationError(_("Feedback needs a text."))
            if len(text) > MAX_FEEDBACK_LENGTH:
                raise ValidationError(
                    _(
                        "Feedback is limited to %(max)s characters.",
                        max=MAX_FEEDBACK_LENGTH,
                    )
                )

    @api.constrains("subscription_id", "partner_id", "company_id")
    def _check_subscription(self):
        for feedback in self.filtered("subscription_id"):
            sub = feedback.subscription_id
            if feedback.partner_id.commercial_partner_id != sub.commercial_partner_id:
                raise ValidationError(
                    _(
                        "%(partner)s is not the customer of %(subscription)s.",
                        partner=feedback.partner_id.display_name,
                        subscription=sub.name,
                    )
                )
            if feedback.company_id != sub.company_id:
                raise ValidationError(_("Feedback belongs to the company of its subscription."))

    # === ACTIONS ===#

    @api.model
    def _action_log_feedback(self, partner, subscription=None):
        """The quick form staff fill in after a call, chat or email."""
        return {
            "type": "ir.actions.act_window",
            "name": _("Log Feedback"),
            "res_model": self._name,
            "view_mode": "form",
            "views": [
                (
                    self.env.ref(
                        "subscription_engagement.subscription_feedback_view_form_quick"
                    ).id,
                    "form",
                )
            ],
            "target": "new",
            "context": {
                "default_kind": "call",
                "default_partner_id": partner.id,
                "default_subscription_id": subscription.id if subscription else False,
            },
        }
