# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    subscription_save_opportunity_mrr = fields.Monetary(
        string="Save Opportunity From MRR",
        currency_field="currency_id",
        help="A subscription whose monthly recurring revenue (company currency) is at least "
        "this amount gets a 'Save' opportunity when its cancellation is scheduled. 0: never.",
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    subscription_save_opportunity_mrr = fields.Monetary(
        related="company_id.subscription_save_opportunity_mrr",
        currency_field="currency_id",
        readonly=False,
    )
