# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    subscription_period_start = fields.Date(copy=False)
    subscription_period_end = fields.Date(
        copy=False, help="First day after the period this line bills."
    )
