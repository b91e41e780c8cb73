# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Demo data only: the billing side of the demo history (see
subscription_core/models/subscription_demo.py). With the demo payment
provider (``payment_demo``) installed, the demo customers save a card, their
invoices are charged on their dates, and one card is declined at the last
renewal, so dunning has started. The others (and everyone without
payment_demo) pay by invoice, by bank transfer some days later."""

from datetime import timedelta

from odoo import api, fields, models

# Demo subscriptions whose customers save a card (the others pay by invoice).
CARD_PAYERS = (
    "subscription_deco_addict",
    "subscription_portal_demo",
    "subscription_ready_mat",
    "subscription_jackson",
    "subscription_azure_trial",
)


class SubscriptionSubscription(models.Model):
    _inherit = "subscription.subscription"

    @api.model
    def _demo_history(self):
        steps = super()._demo_history()
        if not self._demo_payment_provider():
            return steps
        played = []
        for step in steps:
            if step[2] == "_set_past_due":
                continue  # the declined card below makes it past due
            played.append(step)
            if step[2] == "create" and step[1] in CARD_PAYERS:
                played.append((step[0], step[1], "_demo_save_card", []))
        # Ready Mat's card is declined from its last renewal on.
        played.append((5, "subscription_ready_mat", "_demo_decline_card", []))
        return played

    @api.model
    def _demo_payment_provider(self):
        """The demo payment provider, enabled in test mode, when payment_demo
        is installed."""
        provider = self.env.ref("payment.payment_provider_demo", raise_if_not_found=False)
        if not provider or provider.code != "demo":
            return self.env["payment.provider"]
        provider = provider.sudo()
        if provider.state != "test" or not provider.is_published:
            provider.write({"state": "test", "is_published": True})
        return provider

    def _demo_save_card(self):
        """The customer saves a card (a demo token that is charged successfully)
        and pays automatically with it."""
        provider = self._demo_payment_provider()
        method = self.env.ref("payment_demo.payment_method_demo", raise_if_not_found=False)
        for sub in self:
            token = (
                self.env["payment.token"]
                .sudo()
                .create(
                    {
                        "provider_id": provider.id,
                        "payment_method_id": (
                            method or self.env.ref("payment.payment_method_unknown")
                        ).id,
                        "partner_id": sub.partner_id.id,
                        "provider_ref": f"demo-{sub.partner_id.id}-{sub.id}",
                        "payment_details": "4242",
                        "demo_simulated_state": "done",
                    }
                )
            )
            sub.sudo().write({"payment_token_id": token.id, "billing_mode": "auto_charge"})

    def _demo_decline_card(self):
        """The customer's card is declined from now on."""
        self.payment_token_id.sudo().demo_simulated_state = "error"

    def _demo_settle(self, subs):
        """After each step: invoice the periods it started, charge the
        attempts that are due and run dunning, as the jobs would."""
        res = super()._demo_settle(subs)
        subs._invoice_pending_periods()
        Attempt = self.env["subscription.payment.attempt"].sudo()
        for attempt in Attempt.search(
            Attempt._get_due_domain(fields.Datetime.now()), order="scheduled_date, id"
        ):
            attempt.with_context(tracking_disable=True)._execute()
        self.env["subscription.subscription"]._cron_dunning()
        self._demo_pay_by_transfer()
        return res

    @api.model
    def _demo_pay_by_transfer(self, days=12):
        """Customers who pay by invoice pay it by bank transfer some
        ``days`` after it is issued."""
        today = fields.Date.context_today(self)
        invoices = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("subscription_id.billing_mode", "=", "send_invoice"),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("invoice_date", "<=", today - timedelta(days=days)),
                ]
            )
        )
        if invoices:
            self.env["account.payment.register"].sudo().with_context(
                active_model="account.move", active_ids=invoices.ids
            ).create({"payment_date": today, "group_payment": False})._create_payments()
