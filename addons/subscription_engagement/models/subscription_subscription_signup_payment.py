# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import fields, models

_logger = logging.getLogger(__name__)


class SubscriptionSubscription(models.Model):
    """Sign-up without trial: the first period's invoice is issued in advance
    and paid on Odoo's payment form (the card saved as a token); the
    subscription waits in draft and is activated when that invoice is paid."""

    _inherit = "subscription.subscription"

    def _signup_awaits_payment(self):
        """Whether this is a sign-up waiting for its first payment."""
        self.ensure_one()
        return self.state == "draft" and self.source == "signup"

    def _signup_prepare_first_payment(self):
        """Issue and post the invoice of the first period, starting today
        (the subscription's start date), with billing's own line and invoice
        values. When the subscription starts, billing links this invoice to
        the period instead of billing it again. Returns the invoice."""
        self.ensure_one()
        start = fields.Date.context_today(self)
        self.sudo().write({"date_start": start})
        end = self._period_end_from(start, start)
        lines = self._prepare_period_line_values(start, end, self._get_period_lines(start, end))
        invoice = (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .create(self._prepare_invoice_values("period", start, end, lines))
        )
        invoice.action_post()
        return invoice

    def _signup_first_invoice(self):
        self.ensure_one()
        return (
            self._period_invoice(self.date_start) if self.date_start else self.env["account.move"]
        )

    def _on_invoice_paid(self, invoices):
        """A sign-up's first invoice is paid: save the card the customer paid
        with as the subscription's payment method and start it."""
        waiting = self.filtered(lambda s: s._signup_awaits_payment())
        for sub in waiting:
            paid = invoices.filtered(lambda inv, sub=sub: inv.subscription_id == sub)
            token = (
                paid.sudo()
                .transaction_ids.filtered(lambda tx: tx.state == "done" and tx.token_id)[:1]
                .token_id
            )
            vals = {"date_start": paid[:1].subscription_period_start or sub.date_start}
            if token:
                vals.update(payment_token_id=token.id, billing_mode="auto_charge")
            sub.sudo().write(vals)
            sub.sudo().action_start()
            _logger.info("Sign-up %s paid: started (%s).", sub.name, sub.state)
        return super(SubscriptionSubscription, self - waiting)._on_invoice_paid(invoices)
