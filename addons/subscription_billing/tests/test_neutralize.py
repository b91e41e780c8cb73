# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""data/neutralize.sql of subscription_core and subscription_billing, run as
``odoo-bin neutralize`` runs them."""

from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import tagged

from .common import BillingCommon

CRONS = (
    "subscription_core.ir_cron_subscription_webhook_deliver",
    "subscription_billing.ir_cron_subscription_process_attempts",
    "subscription_billing.ir_cron_subscription_dunning",
)


@tagged("post_install", "-at_install")
class TestNeutralize(BillingCommon):
    def test_neutralize_queries(self):
        self.company.write(
            {
                "subscription_stripe_enabled": True,
                "subscription_stripe_secret_key": "sk_live_secret",
                "subscription_stripe_webhook_secret": "whsec_live",
            }
        )
        webhook = self.env["subscription.webhook"].create(
            {"name": "Provisioning", "url": "https://93.184.215.14/hooks/subscriptions"}
        )
        crons = self.env["ir.cron"].browse([self.env.ref(xmlid).id for xmlid in CRONS])
        crons.sudo().active = True
        renewal = self.env.ref("subscription_core.ir_cron_subscription_process_due")
        renewal_active = renewal.active
        self.env.flush_all()

        queries = list(get_neutralization_queries(["subscription_core", "subscription_billing"]))
        self.assertEqual(len(queries), 2, "one data/neutralize.sql per addon")
        for query in queries:
            self.env.cr.execute(query)
        self.env.invalidate_all()

        company = self.company.sudo()
        self.assertFalse(company.subscription_stripe_enabled)
        self.assertFalse(company.subscription_stripe_secret_key)
        self.assertFalse(company.subscription_stripe_webhook_secret)
        self.assertFalse(webhook.active)
        self.assertFalse(any(crons.mapped("active")), crons.filtered("active").mapped("name"))
        self.assertEqual(renewal.active, renewal_active, "only what talks to the outside")
        # Charging falls back to the generic channel, whose providers Odoo's own
        # payment neutralization disables.
        attempt = self.env["subscription.payment.attempt"].new(
            {"subscription_id": self._new_subscription().id, "token_id": self.token_ok.id}
        )
        self.assertEqual(attempt._get_channel(), "transaction")
