# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _post_process(self):
        """Report the outcome of subscription charges to their attempt, after
        account_payment has paid and reconciled the invoice.

        Late results count: a transaction reported failed that the provider
        later confirms (its delayed notification) turns its failed attempt
        into a success; a pending one that later fails starts dunning. The
        attempt applies each outcome once (``_record_result``).
        """
        res = super()._post_process()
        attempts = (
            self.env["subscription.payment.attempt"]
            .sudo()
            .search(
                [
                    ("transaction_id", "in", self.ids),
                    ("state", "in", ("scheduled", "processing", "failed")),
                ]
            )
        )
        for attempt in attempts:
            attempt._record_result(attempt._result_from_transaction(attempt.transaction_id))
        return res
