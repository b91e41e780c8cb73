# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..tools import engagement


class SubscriptionCycle(models.Model):
    _inherit = "subscription.cycle"

    reminder_days = fields.Integer(
        string="Renewal Reminder (days)",
        compute="_compute_reminder_days",
        store=True,
        readonly=False,
        precompute=True,
        help="Days before the end of a period that the renewal reminder is sent "
        "(defaults: yearly 30, quarterly 7, monthly 3).",
    )

    _sql_constraints = [
        (
            "reminder_days_positive",
            "CHECK(reminder_days >= 0)",
            "The renewal reminder cannot be sent after the renewal.",
        ),
    ]

    @api.depends("interval_unit", "interval_count")
    def _compute_reminder_days(self):
        for cycle in self:
            cycle.reminder_days = engagement.default_reminder_days(
                cycle.interval_unit, cycle.interval_count
            )
