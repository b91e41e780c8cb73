# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    subscription_detractor_user_id = fields.Many2one(
        "res.users",
        string="Detractor Follow-up",
        help="Who gets an activity when a customer answers the NPS survey with 0 to 6; "
        "empty: the subscription's salesperson.",
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    subscription_detractor_user_id = fields.Many2one(
        related="company_id.subscription_detractor_user_id", readonly=False
    )
