# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models

from ..tools import descriptions

# Payment states of a posted customer invoice or credit note still open.
OPEN_PAYMENT_STATES = ("not_paid", "partial")


class SubscriptionSubscription(models.Model):
    """Credits that reach the customer: every credit the suite computes
    (pause, plan change proration, immediate cancellation, staff adjustment)
    is a posted credit note in the subscription's currency, reconciled at
    once with the open invoices of the subscription and then with each new
    one, oldest first, until it is used up."""

    _inherit = "subscription.subscription"

    # === POLICY ===#

    def _get_pause_policy(self):
        self.ensure_one()
        return self.company_id.subscription_pause_policy or "credit"

    # === HOOKS ===#

    def _on_paused(self, event):
        res = super()._on_paused(event)
        if event.amount_credit > 0:
            self._credit_customer(
                event.amount_credit,
                self._unused_time_line_name(
                    event.effective_date,
                    self._in_partner_lang().env._(
                        "Unused time on %(item)s – %(start)s to %(end)s (paused)"
                    ),
                ),
                event.effective_date,
                self.current_period_end,
                product=event.tier_to_id.product_id,
            )
        return res

    def _resume(self, on_date):
        """Under the 'credit' policy, a pause and resume on the first day of
        a billed period continue it: bill back what the pause credited."""
        pause = self.event_ids.filtered(lambda e: e.event_type == "paused").sorted("id")[-1:]
        continued = self._get_pause_policy() == "credit" and self._extended_period_values(on_date)
        event = super()._resume(on_date)
        if continued and pause.amount_credit > 0:
            self._invoice_now(
                [
                    self._prepare_invoice_line_values(
                        pause.tier_to_id.product_id,
                        self._unused_time_line_name(
                            on_date,
                            self._in_partner_lang().env._(
                                "%(item)s – %(start)s to %(end)s (resumed the day of the pause)"
                            ),
                        ),
                        1,
                        pause.amount_credit,
                        on_date,
                        self.current_period_end,
                    )
                ],
                on_date,
                self.current_period_end,
            )
        return event

    def _on_ended(self, event):
        res = super()._on_ended(event)
        # Charges waiting for a next invoice that will not come: bill them.
        charges = (
            self.env["subscription.billing.adjustment"]
            .sudo()
            .search(
                [
                    ("subscription_id", "=", self.id),
                    ("invoice_id", "=", False),
                    ("amount", ">", 0),
                ]
            )
        )
        if charges:
            charges.invoice_id = self._invoice_now(
                [
                    self._prepare_invoice_line_values(
                        adj.product_id, adj.name, 1, adj.amount, adj.date_from, adj.date_to
                    )
                    for adj in charges
                ],
                min(charges.mapped("date_from")) or event.effective_date,
                event.effective_date,
            )
        self.payment_attempt_ids.filtered(lambda a: a.state == "scheduled").sudo().write(
            {"state": "cancelled", "error_message": _("The subscription ended.")}
        )
        if self.dunning_state != "none":
            self.sudo().write({"dunning_state": "none", "next_dunning_date": False})
        if (
            event.event_type == "cancelled"
            and event.amount_credit > 0
            and self.company_id.subscription_credit_on_cancel
        ):
            self._credit_customer(
                event.amount_credit,
                self._unused_time_line_name(
                    event.effective_date,
                    self._in_partner_lang().env._(
                        "Unused time on %(item)s – %(start)s to %(end)s (cancelled)"
                    ),
                ),
                event.effective_date,
                self.current_period_end,
            )
        return res

    # === CREDIT NOTES ===#

    def _unused_time_line_name(self, on_date, template):
        """Description of a line for the current plan from ``on_date`` to the
        end of the current period, in the customer's language: ``template``
        is translated in it by the caller (see ``_in_partner_lang`` and
        ``_period_line_name``)."""
        sub = self._in_partner_lang()
        return sub._period_line_name(
            descriptions.plan_label(sub.tier_id.name, sub.cycle_id.name),
            on_date,
            self.current_period_end,
            template=template,
        )

    def _credit_customer(self, amount, name, date_from, date_to, product=None):
        """Post a credit note of ``amount`` (subscription currency, before
        the product's taxes) and apply it to the open invoices. Returns it."""
        self.ensure_one()
        amount = self.currency_id.round(amount)
        if amount <= 0:
            return self.env["account.move"]
        product = product or self.tier_id.product_id
        line = self._prepare_invoice_line_values(product, name, 1, amount, date_from, date_to)
        return self._post_credit_note([line], date_from, date_to)

    def _invoice_now(self, lines, date_from, date_to, kind="proration"):
        """Post an invoice of ``lines`` outside the period invoices, apply the
        customer's credit notes to it, then charge or send it."""
        self.ensure_one()
        invoice = (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .create(self._prepare_invoice_values(kind, date_from, date_to, lines))
        )
        invoice.action_post()
        self._apply_credits()
        self._after_invoice_posted(invoice)
        return invoice

    def _post_credit_note(self, lines, date_from, date_to, kind="credit"):
        self.ensure_one()
        credit_note = (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .create(
                self._prepare_invoice_values(
                    kind, date_from, date_to, lines, move_type="out_refund"
                )
            )
        )
        credit_note.action_post()
        self._after_invoice_posted(credit_note)
        self._apply_credits()
        return credit_note

    def _open_moves_domain(self, move_types):
        return [
            ("subscription_id", "in", self.ids),
            ("move_type", "in", move_types),
            ("state", "=", "posted"),
            ("payment_state", "in", OPEN_PAYMENT_STATES),
        ]

    def _apply_credits(self):
        """Reconcile the open credit notes of these subscriptions with their
        open invoices, oldest invoice first. An invoice whose charge is being
        sent to the provider is left alone (the charge takes its residual).
        Whatever a credit note does not use stays open for the next invoices."""
        Move = self.env["account.move"].sudo()
        credit_notes = Move.search(self._open_moves_domain(("out_refund",)))
        if not credit_notes:
            return
        subs = credit_notes.subscription_id
        invoices = Move.search(subs._open_moves_domain(("out_invoice",)), order="invoice_date, id")
        charging = (
            self.env["subscription.payment.attempt"]
            .sudo()
            .search([("invoice_id", "in", invoices.ids), ("state", "=", "processing")])
            .invoice_id
        )
        invoices -= charging
        by_sub = invoices.grouped("subscription_id")
        settled = self.env["account.move"]
        for sub, sub_credit_notes in credit_notes.grouped("subscription_id").items():
            sub_invoices = by_sub.get(sub)
            if not sub_invoices:
                continue
            for credit_line in sub_credit_notes.line_ids.filtered(_is_open_receivable):
                for invoice in sub_invoices:
                    if credit_line.reconciled:
                        break
                    debit_lines = invoice.line_ids.filtered(
                        lambda line, account=credit_line.account_id: (
                            _is_open_receivable(line) and line.account_id == account
                        )
                    )
                    if debit_lines:
                        (debit_lines + credit_line).reconcile()
                        settled |= invoice
        # An invoice settled by credit notes only is 'reversed', for which
        # Odoo calls no paid hook: recover the subscription the same way.
        settled = settled.filtered(lambda move: move.payment_state == "reversed")
        if settled:
            settled.subscription_id._on_invoice_paid(settled)

    # === AMOUNT DUE ===#

    @api.depends("invoice_ids.amount_residual", "invoice_ids.state")
    def _compute_amount_due(self):
        """What the customer owes, in the subscription's currency: the
        residuals of the open invoices (in their own currency, so a rate
        change does not move it) less the credit notes not applied yet."""
        groups = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                self._open_moves_domain(("out_invoice", "out_refund")),
                ["subscription_id", "move_type", "currency_id"],
                ["amount_residual:sum"],
            )
        )
        due = dict.fromkeys(self, 0.0)
        today = fields.Date.context_today(self)
        for sub, move_type, currency, residual in groups:
            if currency != sub.currency_id:
                residual = currency._convert(residual, sub.currency_id, sub.company_id, today)
            due[sub] += residual if move_type == "out_invoice" else -residual
        for sub in self:
            sub.amount_due = sub.currency_id.round(due.get(sub, 0.0))


def _is_open_receivable(line):
    return line.account_type == "asset_receivable" and not line.reconciled
