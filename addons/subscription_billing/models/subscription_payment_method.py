# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, fields, models


class SubscriptionSubscription(models.Model):
    """The customer changes the payment method (portal)."""

    _inherit = "subscription.subscription"

    def _use_payment_token(self, token):
        """Charge ``token`` from now on, and charge it the open invoices again.

        Turns automatic charging on (the model checks that the token belongs
        to the customer and can be charged, see ``_check_payment_token``); a
        blocked dunning is lifted (``_on_payment_method_updated``). Every
        posted, unpaid invoice of the subscription gets an attempt scheduled
        now, run by the payment-attempt engine (an attempt already scheduled
        or being processed is reused: never two charges of one invoice).

        :return: the attempts scheduled (``subscription.payment.attempt``)
        """
        self.ensure_one()
        self.sudo().write({"payment_token_id": token.id, "billing_mode": "auto_charge"})
        attempts = self.env["subscription.payment.attempt"].sudo()
        now = fields.Datetime.now()
        for invoice in self._unpaid_invoices():
            attempts |= self._schedule_payment_attempt(invoice, now)
        self.message_post(
            body=_(
                "Payment method changed to %(token)s by %(user)s; %(count)s open invoice(s) "
                "to charge again.",
                token=token.display_name,
                user=self.env.user.name,
                count=len(attempts),
            )
        )
        return attempts
