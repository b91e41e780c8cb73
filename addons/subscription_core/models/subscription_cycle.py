# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import mrr


class SubscriptionCycle(models.Model):
    _name = "subscription.cycle"
    _description = "Billing Cycle"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    interval_unit = fields.Selection(
        selection=[
            ("day", "Days"),
            ("week", "Weeks"),
            ("month", "Months"),
            ("year", "Years"),
        ],
        required=True,
        default="month",
    )
    interval_count = fields.Integer(
        string="Every",
        required=True,
        default=1,
        help="Number of units in one billing period, at least 1.",
    )
    monthly_factor = fields.Float(
        compute="_compute_monthly_factor",
        digits=(16, 6),
        help="What one period's amount is worth per month (used for MRR).",
    )

    _sql_constraints = [
        (
            "interval_count_positive",
            "CHECK(interval_count >= 1)",
            "A billing cycle lasts at least one unit.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_interval_count(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_interval_count(vals)
        return super().write(vals)

    @api.model
    def _check_interval_count(self, vals):
        # Checked before the database's CHECK constraint for a clear message.
        if "interval_count" in vals and (vals["interval_count"] or 0) < 1:
            raise ValidationError(_("A billing cycle lasts at least one unit."))

    @api.depends("interval_unit", "interval_count")
    def _compute_monthly_factor(self):
        for cycle in self:
            if cycle.interval_unit and cycle.interval_count >= 1:
                cycle.monthly_factor = mrr.monthly_factor(cycle.interval_unit, cycle.interval_count)
            else:
                cycle.monthly_factor = 0.0
