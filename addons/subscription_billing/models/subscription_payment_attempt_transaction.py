# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Charging payment attempts through Odoo's ``payment.transaction``: the
generic channel, which serves every tokenizing provider."""

from odoo import api, fields, models

from ..tools import declines


class SubscriptionPaymentAttempt(models.Model):
    _inherit = "subscription.payment.attempt"

    def _charge_via_transaction(self):
        """Charge the token off-session through Odoo's payment engine.

        The transaction's reference is the idempotency key. A transaction still
        in draft (never sent, or sent but its answer lost with the rolled-back
        phase) is sent again under the same reference, which the providers
        deduplicate; any other state is the provider's answer and is read.
        """
        self.ensure_one()
        tx = self.transaction_id
        if tx.state == "draft":
            tx._send_payment_request()
        if tx.state in ("done", "cancel", "error") and not tx.is_post_processed:
            # Post-process now (pays and reconciles the invoice), which
            # reports the result through payment.transaction._post_process.
            tx._post_process()
            return None
        return self._result_from_transaction(tx)

    def _prepare_transaction_values(self):
        token = self.token_id
        return {
            "provider_id": token.provider_id.id,
            "payment_method_id": token.payment_method_id.id,
            "reference": self.idempotency_key,
            "amount": self.amount,
            "currency_id": self.currency_id.id,
            "partner_id": self.subscription_id.partner_id.id,
            "token_id": token.id,
            "operation": "offline",
            "invoice_ids": [fields.Command.set(self.invoice_id.ids)],
        }

    @api.model
    def _result_from_transaction(self, tx):
        if tx.state == "done":
            return {"state": "succeeded"}
        if tx.state in ("cancel", "error"):
            code = self._decline_code_from_transaction(tx)
            return {"state": "failed", "decline_code": code, "error_message": tx.state_message}
        return {"state": "processing"}

    @api.model
    def _decline_code_from_transaction(self, tx):
        """Best decline code a generic provider gives: a known code found in
        its message, else 'generic_decline' (soft)."""
        message = declines.normalize(tx.state_message or "")
        for code in sorted(declines.HARD_CODES | declines.SOFT_CODES, key=len, reverse=True):
            if code in message:
                return code
        return "generic_decline" if tx.state == "error" else "processing_error"
