# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

MAX_HORIZON_DAYS = 365


class SubscriptionMetricHealthBacktest(models.TransientModel):
    """How well the health score ranks churn: the scores as of a past day
    (from the ledger as it was then), compared with who churned in the
    following days (AUC, ``tools/health.py``). For administrators."""

    _name = "subscription.metric.health.backtest"
    _description = "Health Score Backtest"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date = fields.Date(
        string="Scores As Of",
        required=True,
        default=lambda self: fields.Date.context_today(self) - timedelta(days=90),
        help="The day whose scores are tested; the horizon after it must have passed.",
    )
    horizon_days = fields.Integer(
        string="Horizon (Days)",
        required=True,
        default=90,
        help="Churn counted in this many days after the day of the scores.",
    )
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    auc = fields.Float(
        string="AUC",
        digits=(3, 3),
        readonly=True,
        help="The probability that a subscription that churned had a lower score than one "
        "that stayed (ties count one half): 0.5 is chance, 1 a perfect ranking.",
    )
    auc_defined = fields.Boolean(readonly=True)
    subscription_count = fields.Integer(string="Subscriptions Scored", readonly=True)
    churned_count = fields.Integer(string="Churned in the Horizon", readonly=True)

    @api.constrains("horizon_days")
    def _check_horizon_days(self):
        for wizard in self:
            if not 1 <= wizard.horizon_days <= MAX_HORIZON_DAYS:
                raise ValidationError(
                    self.env._("The horizon is between 1 and %(max)s days.", max=MAX_HORIZON_DAYS)
                )

    def action_run(self):
        """Score the live subscriptions as of the day and compare with the
        churn that followed; the result is shown in the wizard."""
        self.ensure_one()
        today = self.company_id._subscription_today()
        if self.date + timedelta(days=self.horizon_days) > today:
            raise UserError(
                self.env._(
                    "Choose a day at least %(days)s days ago: the churn after it must be known.",
                    days=self.horizon_days,
                )
            )
        result = (
            self.env["subscription.metric.health"]
            .sudo()
            ._backtest(self.date, horizon=self.horizon_days, companies=self.company_id)
        )
        self.write(
            {
                "state": "done",
                "auc": result["auc"] or 0.0,
                "auc_defined": result["auc"] is not None,
                "subscription_count": result["subscriptions"],
                "churned_count": result["churned"],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
