# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

NPS_CATEGORIES = [
    ("promoter", "Promoter"),
    ("passive", "Passive"),
    ("detractor", "Detractor"),
]


class ResPartner(models.Model):
    """The customer's last Net Promoter Score answer, and when it was last asked."""

    _inherit = "res.partner"

    subscription_nps_score = fields.Integer(
        string="Last NPS Score",
        readonly=True,
        copy=False,
        groups="subscription_core.group_subscription_user",
        help="The customer's last answer (0-10) to the NPS survey.",
    )
    subscription_nps_category = fields.Selection(
        NPS_CATEGORIES,
        string="NPS Category",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="subscription_core.group_subscription_user",
        help="From the last NPS answer: 9-10 promoter, 7-8 passive, 0-6 detractor.",
    )
    subscription_nps_date = fields.Date(
        string="Last NPS Answer",
        readonly=True,
        copy=False,
        groups="subscription_core.group_subscription_user",
    )
    subscription_nps_invited_date = fields.Date(
        string="Last NPS Invitation",
        readonly=True,
        copy=False,
        groups="subscription_core.group_subscription_user",
        help="No new NPS invitation goes to this customer within 60 days of this day.",
    )
