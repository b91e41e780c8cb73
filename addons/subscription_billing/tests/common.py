# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date
from unittest.mock import patch

from odoo.tests import freeze_time

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.subscription_core.tests.common import SubscriptionCommon


class BillingCommon(SubscriptionCommon, AccountTestInvoicingCommon):
    """Subscription catalog (see SubscriptionCommon) on a company with a
    chart of accounts, a 10% sales tax on the tier products, and the demo
    payment provider with tokens that succeed, fail or stay pending."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref("subscription_core.group_subscription_manager")
        cls.tax_10 = cls.env["account.tax"].create(
            {
                "name": "Sales 10%",
                "amount": 10.0,
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        (cls.tier_basic | cls.tier_pro | cls.tier_enterprise).product_id.taxes_id = cls.tax_10
        (cls.addon_storage | cls.addon_support).product_id.taxes_id = cls.tax_10
        demo = cls.env.ref("payment.payment_provider_demo").sudo()
        if demo.company_id != cls.company:
            demo = demo.copy({"company_id": cls.company.id})
        demo.write({"state": "test", "allow_tokenization": True})
        cls.provider = cls.env["payment.provider"].browse(demo.id)
        cls.payment_method = cls.env.ref("payment.payment_method_unknown")
        cls.token_ok = cls._create_token(cls.customer, "done")
        cls.token_fail = cls._create_token(cls.customer, "error")
        cls.token_pending = cls._create_token(cls.customer, "pending")
        cls.token_other = cls._create_token(cls.other_customer, "done")

    @classmethod
    def _create_token(cls, partner, simulated_state):
        return (
            cls.env["payment.token"]
            .sudo()
            .create(
                {
                    "provider_id": cls.provider.id,
                    "payment_method_id": cls.payment_method.id,
                    "partner_id": partner.id,
                    "provider_ref": f"demo-{simulated_state}-{partner.id}",
                    "payment_details": "4242",
                    "demo_simulated_state": simulated_state,
                }
            )
        )

    def _declines_as(self, code):
        """Make the demo provider's failures carry ``code`` (it has none)."""
        Attempt = type(self.env["subscription.payment.attempt"])
        return patch.object(Attempt, "_decline_code_from_transaction", lambda self, tx: code)

    def _billed_subscription(self, on=date(2026, 4, 1), token=None, **kwargs):
        vals = {}
        if token:
            vals = {"payment_token_id": token.id, "billing_mode": "auto_charge"}
        with freeze_time(on):
            sub = self._new_subscription(date_start=on, **vals, **kwargs)
            sub.action_start()
        return sub

    def _process_attempts(self, when):
        with freeze_time(when):
            return self.env["subscription.payment.attempt"]._cron_process_attempts()

    def _renew(self, when):
        """Run the renewal engine, then the invoicing job it wakes up (both
        results in one dict: ``invoiced`` periods, ``invoice_pending`` left)."""
        with freeze_time(when):
            result = self.env["subscription.subscription"]._cron_process_due()
            invoicing = self.env["subscription.billing.period"]._cron_invoice_periods()
        return {
            **result,
            "invoiced": invoicing["done"] - invoicing["failed"],
            "invoice_pending": invoicing["remaining"],
        }

    def _dunning(self, when):
        with freeze_time(when):
            return self.env["subscription.subscription"]._cron_dunning()
