# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Batch settlement of the confirmed transactions of subscription charges.

Odoo's ``account_payment`` post-processes confirmed transactions one at a
time: for each, a payment is created, posted and reconciled, and a message is
posted on each invoice. For the transactions of subscription payment attempts
the same work is done for the whole batch at once
(``account.payment._subscription_settle``) and the messages are logged in one
pass; the rest of the post-processing chain (``super()``) runs unchanged and
finds the payments already made. Any transaction that needs more than a plain
payment (an early payment discount, a partial capture, an invoice still in
draft, no journal) is left to Odoo's own ``_create_payment``.
"""

from collections import defaultdict

from odoo import SUPERUSER_ID, models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _post_process(self):
        """Settle the subscription charges of ``self`` in one batch, then run
        the standard post-processing, their chatter messages logged together."""
        settled = self._subscription_settle_batch()
        if not settled:
            return super()._post_process()
        messages = []
        res = super(
            PaymentTransaction,
            self.with_context(subscription_collect_messages=(frozenset(settled.ids), messages)),
        )._post_process()
        settled._subscription_log_collected(messages)
        return res

    def _log_message_on_linked_documents(self, message):
        """Collect the message of a transaction settled in a batch instead of
        posting it at once (see ``_post_process``); its linked documents are
        its invoices only (the engine created it so)."""
        ids, collected = self.env.context.get("subscription_collect_messages") or ((), None)
        if collected is None or self.id not in ids:
            return super()._log_message_on_linked_documents(message)
        collected.append((self, message))
        return None

    def _subscription_log_collected(self, messages):
        """Log the collected messages on the invoices, one batch per author,
        as notes without notification (``message_post`` of the engine)."""
        bodies_by_author = defaultdict(dict)
        for tx, message in messages:
            author = self.env.user.partner_id if self.env.uid == SUPERUSER_ID else tx.partner_id
            for invoice in tx._get_invoices_to_notify():
                bodies_by_author[author.id][invoice.id] = message
        for author_id, bodies in bodies_by_author.items():
            self.env["account.move"].sudo().browse(list(bodies))._message_log_batch(
                bodies=bodies, author_id=author_id
            )

    def _subscription_settle_batch(self):
        """Create, post and reconcile the payments of the confirmed
        transactions of subscription charges in ``self`` at once.

        :return: the transactions settled here
        """
        settleable = self._subscription_settleable()
        if not settleable:
            return settleable
        for company, txs in settleable.grouped("company_id").items():
            txs = txs.with_company(company)
            vals_list = [tx._subscription_payment_values() for tx in txs]
            payments = (
                self.env["account.payment"]
                .with_company(company)
                ._subscription_settle(vals_list, [tx.invoice_ids for tx in txs])
            )
            for tx, payment in zip(txs, payments, strict=True):
                tx.payment_id = payment
        return settleable

    def _subscription_settleable(self):
        """The transactions of ``self`` that the batch settles: confirmed,
        not post-processed, of a subscription payment attempt, without a
        payment yet, paying posted invoices without an early payment
        discount, through a provider with a journal."""
        candidates = self.filtered(
            lambda tx: (
                tx.state == "done"
                and not tx.is_post_processed
                and tx.operation != "validation"
                and not tx.payment_id
                and not tx.source_transaction_id
                and not tx.child_transaction_ids
                and tx.provider_id.journal_id
                and tx.invoice_ids
                and all(invoice.state == "posted" for invoice in tx.invoice_ids)
            )
        )
        if not candidates:
            return candidates
        charged = (
            self.env["subscription.payment.attempt"]
            .sudo()
            .search([("transaction_id", "in", candidates.ids)])
            .transaction_id
        )
        return candidates.filtered(
            lambda tx: (
                tx in charged
                and not any(
                    invoice._get_invoice_next_payment_values().get("installment_state") == "epd"
                    for invoice in tx.invoice_ids
                )
            )
        )

    def _subscription_payment_values(self):
        """Values of the payment of this transaction, as Odoo's
        ``_create_payment`` builds them (without early payment discount)."""
        self.ensure_one()
        journal = self.provider_id.journal_id
        method_line = journal.inbound_payment_method_line_ids.filtered(
            lambda line: line.payment_provider_id == self.provider_id
        )
        return {
            "amount": abs(self.amount),
            "payment_type": "inbound" if self.amount > 0 else "outbound",
            "currency_id": self.currency_id.id,
            "partner_id": self.partner_id.commercial_partner_id.id,
            "partner_type": "customer",
            "journal_id": journal.id,
            "company_id": self.provider_id.company_id.id,
            "payment_method_line_id": method_line.id,
            "payment_token_id": self.token_id.id,
            "payment_transaction_id": self.id,
            "memo": f"{self.reference} - {self.partner_id.display_name or ''} - "
            f"{self.provider_reference or ''}",
            "invoice_ids": self.invoice_ids,
        }
