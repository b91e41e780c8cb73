# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.addons.subscription_billing.tests.common import BillingCommon

from .common import EngagementCommon


class RetentionCommon(EngagementCommon, BillingCommon):
    """Engagement fixtures on a company with accounting (period invoices),
    plus four save offers: 20 % off 3 periods for the "too expensive"
    reason, a 2-period pause and a downgrade from Pro to Basic for every
    reason, and a discount of another company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason_other = cls.env["subscription.cancel.reason"].create(
            {"name": "Missing features (test)"}
        )
        Offer = cls.env["subscription.retention.offer"]
        Offer.search([]).active = False  # shipped offers stay out of the way
        cls.offer_discount = Offer.create(
            {
                "name": "20% off for 3 months",
                "sequence": 1,
                "kind": "discount",
                "discount_percent": 20,
                "discount_periods": 3,
                "reason_ids": [(6, 0, cls.reason.ids)],
                "winback": True,
            }
        )
        cls.offer_pause = Offer.create(
            {"name": "Take a break", "sequence": 2, "kind": "pause", "pause_periods": 2}
        )
        cls.offer_downgrade = Offer.create(
            {
                "name": "Switch to Basic",
                "sequence": 3,
                "kind": "downgrade",
                "downgrade_tier_id": cls.tier_basic.id,
                "tier_ids": [(6, 0, cls.tier_pro.ids)],
            }
        )
        cls.company_b = cls.env["res.company"].create({"name": "Company B (retention)"})
        cls.offer_company_b = Offer.create(
            {
                "name": "Other company discount",
                "kind": "discount",
                "discount_percent": 50,
                "discount_periods": 1,
                "company_id": cls.company_b.id,
            }
        )
        cls.Acceptance = cls.env["subscription.retention.acceptance"]
