# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import _, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    subscription_token_update_id = fields.Many2one(
        "subscription.subscription",
        string="Payment Method of Subscription",
        readonly=True,
        index="btree_not_null",
        help="Validation made from the portal to save a new payment method for this "
        "subscription: once done, the subscription is charged with the new token.",
    )

    def _post_process(self):
        """Report the outcome of subscription charges to their attempt, after
        account_payment has paid and reconciled the invoice.

        Late results count: a transaction reported failed that the provider
        later confirms (its delayed notification) turns its failed attempt
        into a success; a pending one that later fails starts dunning. The
        attempt applies each outcome once (``_record_result``).

        A validation made to update a subscription's payment method gives the
        subscription its new token (``_use_payment_token``).
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
        for tx in self.filtered(
            lambda t: t.state == "done" and t.token_id and t.subscription_token_update_id
        ):
            tx._use_token_for_subscription()
        return res

    def _use_token_for_subscription(self):
        """Make the subscription use the token this validation saved; a token
        it cannot use (another currency...) is noted on the subscription."""
        self.ensure_one()
        subscription = self.subscription_token_update_id.sudo()
        if subscription.payment_token_id == self.token_id:
            return
        try:
            with self.env.cr.savepoint():
                subscription._use_payment_token(self.token_id)
        except UserError as error:  # ValidationError is a UserError
            _logger.info("%s cannot use %s: %s", subscription.name, self.token_id.id, error)
            subscription.message_post(
                body=_(
                    "The payment method %(token)s saved by the customer cannot be used: %(error)s",
                    token=self.token_id.display_name,
                    error=str(error.args[0] if error.args else error),
                )
            )
