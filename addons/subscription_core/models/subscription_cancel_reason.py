# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class SubscriptionCancelReason(models.Model):
    _name = "subscription.cancel.reason"
    _description = "Cancellation Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    kind = fields.Selection(
        selection=[("voluntary", "Voluntary"), ("involuntary", "Involuntary")],
        required=True,
        default="voluntary",
        help="Voluntary: the customer chose to leave. Involuntary: the "
        "subscription ended for them, e.g. after failed payments.",
    )
