# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Payment history of a subscription in the customer's words (portal).

Which status an attempt shows, and what happens next, is decided by
``tools/payment_history.py`` from the attempt **and** its invoice: an attempt
that will not run because its invoice was settled another way reads "Not
needed: invoice paid on <date>"; one stopped while its invoice is still due
says that the invoice is still due. Decline reasons come from
``tools/declines.py`` (``customer_reason``); raw provider messages and codes
never reach the customer.
"""

from odoo import fields, models
from odoo.tools import format_amount, format_date

from ..tools import declines, payment_history

SETTLED_PAYMENT_STATES = ("paid", "in_payment", "reversed")


class SubscriptionSubscription(models.Model):
    _inherit = "subscription.subscription"

    def _get_portal_payment_history(self, attempts):
        """Rows of the portal's payment history for ``attempts`` (of this
        subscription, newest first, read in sudo mode by the caller).

        :return: list of dicts with ``attempt``, ``status`` (see
            ``tools/payment_history.STATUSES``), ``status_label``, ``date``,
            ``card`` (a display name or ``''``), ``message`` and ``next``
            (what happens next, or ``''``).
        """
        self.ensure_one()
        retry_dates = {}
        for attempt in attempts.filtered(lambda a: a.state == "scheduled"):
            retry_dates[attempt.invoice_id] = min(
                retry_dates.get(attempt.invoice_id, attempt.scheduled_date),
                attempt.scheduled_date,
            )
        labels = self._get_portal_payment_status_labels()
        explained = set()  # invoices whose next step is already told
        rows = []
        for attempt in attempts:
            invoice = attempt.invoice_id
            settled = self._is_invoice_settled(invoice)
            status = payment_history.status(attempt.state, settled)
            next_key = None
            if invoice not in explained:
                next_key = payment_history.next_action(
                    status, settled, invoice in retry_dates, self.dunning_state
                )
                if next_key:
                    explained.add(invoice)
            token = attempt.token_id
            if attempt.state == "scheduled":
                token = self.payment_token_id or token
            rows.append(
                {
                    "attempt": attempt,
                    "status": status,
                    "status_label": labels[status],
                    "date": self._portal_date(attempt.executed_at or attempt.scheduled_date),
                    "card": token.display_name or "",
                    "message": self._get_portal_payment_message(attempt, status, token),
                    "next": self._get_portal_payment_next(
                        next_key, invoice, retry_dates.get(invoice)
                    )
                    if next_key
                    else "",
                }
            )
        return rows

    def _get_portal_payment_status_labels(self):
        _ = self.env._
        return {
            payment_history.PAID: _("Paid"),
            payment_history.PROCESSING: _("Processing"),
            payment_history.SCHEDULED: _("Scheduled"),
            payment_history.NOT_NEEDED: _("Not needed"),
            payment_history.STOPPED: _("Not taken"),
            payment_history.DECLINED: _("Declined"),
        }

    def _get_portal_decline_reasons(self):
        """Sentence of each decline family (``tools/declines.REASONS``)."""
        _ = self.env._
        return {
            "insufficient_funds": _("insufficient funds."),
            "expired_card": _("the card has expired."),
            "incorrect_details": _("the card details are incorrect."),
            "authentication_required": _("your bank asks you to confirm the payment."),
            "not_supported": _("this card cannot be used for this payment."),
            "temporary": _("a temporary problem with the payment network."),
            "payment_method_missing": _("no saved payment method."),
            declines.REASON_DECLINED: _("your bank declined the payment."),
        }

    def _get_portal_payment_message(self, attempt, status, token):
        _ = self.env._
        amount = self._portal_amount(attempt)
        card = token.display_name or _("your payment method")
        if status == payment_history.PAID:
            return _(
                "%(amount)s charged to %(card)s on %(date)s.",
                amount=amount,
                card=card,
                date=self._portal_date(attempt.executed_at or attempt.scheduled_date),
            )
        if status == payment_history.PROCESSING:
            return _("%(amount)s being processed by your bank.", amount=amount)
        if status == payment_history.SCHEDULED:
            return _(
                "%(amount)s will be charged to %(card)s on %(date)s.",
                amount=amount,
                card=card,
                date=self._portal_date(attempt.scheduled_date),
            )
        if status == payment_history.NOT_NEEDED:
            return self._get_portal_settlement_message(attempt.invoice_id)
        if status == payment_history.STOPPED:
            return _("Not taken: automatic payment was stopped. The invoice is still due.")
        reason = self._get_portal_decline_reasons()[declines.customer_reason(attempt.decline_code)]
        return _("%(amount)s declined: %(reason)s", amount=amount, reason=reason)

    def _get_portal_settlement_message(self, invoice):
        _ = self.env._
        if invoice.state == "cancel":
            return _("Not needed: invoice cancelled.")
        date = self._get_invoice_settlement_date(invoice)
        if invoice.payment_state == "reversed":
            return _("Not needed: invoice credited.")
        if date:
            return _("Not needed: invoice paid on %(date)s.", date=self._portal_date(date))
        return _("Not needed: invoice paid.")

    def _get_portal_payment_next(self, next_key, invoice, retry_date):
        _ = self.env._
        if next_key == payment_history.NEXT_SETTLED:
            date = self._get_invoice_settlement_date(invoice)
            if date:
                return _("Invoice paid on %(date)s.", date=self._portal_date(date))
            return _("Invoice settled.")
        if next_key == payment_history.NEXT_RETRY:
            return _("We will try again on %(date)s.", date=self._portal_date(retry_date))
        if next_key == payment_history.NEXT_UPDATE_CARD:
            return _(
                "We will not charge this card again: please update your payment method "
                "or pay the invoice now."
            )
        if next_key == payment_history.NEXT_DUNNING:
            message = self._get_portal_next_dunning_message()
            if message:
                return message
        return _("The invoice is still due: you can pay it online now.")

    def _get_portal_next_dunning_message(self):
        """The next dunning step, in the customer's words, or ``''``."""
        _ = self.env._
        step = self._get_next_dunning_step()
        if not step or not self.next_dunning_date:
            return ""
        kind = payment_history.next_step_kind(
            step.final_action,
            step.retry,
            bool(self.payment_token_id) and self.dunning_state == "in_dunning",
        )
        date = self._portal_date(self.next_dunning_date)
        return {
            payment_history.STEP_RETRY: _("We will try again on %(date)s.", date=date),
            payment_history.STEP_REMINDER: _(
                "We will remind you on %(date)s. You can pay the invoice now.", date=date
            ),
            payment_history.STEP_SUSPEND: _(
                "Your subscription will be suspended on %(date)s unless the invoice is paid.",
                date=date,
            ),
            payment_history.STEP_CANCEL: _(
                "Your subscription will be cancelled on %(date)s unless the invoice is paid.",
                date=date,
            ),
        }[kind]

    def _get_next_dunning_step(self):
        """The dunning step that runs on ``next_dunning_date``, if any."""
        self.ensure_one()
        policy = self._get_dunning_policy()
        if not policy or self.dunning_state == "none":
            return self.env["subscription.dunning.step"]
        steps = policy._ordered_steps()
        done = list(steps).index(self.dunning_step_id) if self.dunning_step_id in steps else -1
        return steps[done + 1 : done + 2]

    # --- helpers ---

    @staticmethod
    def _is_invoice_settled(invoice):
        """Nothing is owed on ``invoice`` any more (paid, credited or cancelled)."""
        return (
            invoice.state != "posted"
            or invoice.payment_state in SETTLED_PAYMENT_STATES
            or invoice.currency_id.is_zero(invoice.amount_residual)
        )

    @staticmethod
    def _get_invoice_settlement_date(invoice):
        """Date of the last reconciliation that settled ``invoice``, or None."""
        partials = invoice.line_ids.matched_credit_ids
        dates = [date for date in partials.mapped("max_date") if date]
        return max(dates) if dates else None

    def _portal_date(self, value):
        if not value:
            return ""
        if isinstance(value, fields.datetime):
            value = fields.Datetime.context_timestamp(self, value).date()
        return format_date(self.env, value)

    def _portal_amount(self, attempt):
        amount = attempt.amount or attempt.invoice_id.amount_residual
        return format_amount(self.env, amount, attempt.currency_id)
