# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_is_zero

from odoo.addons.subscription_core.models.locking import lock_for_processing

from .subscription_subscription import BILLED_STATES

_logger = logging.getLogger(__name__)


class SubscriptionSubscription(models.Model):
    """Period invoices, proration invoices and credit notes."""

    _inherit = "subscription.subscription"

    # === INVOICING ===#

    def _on_period_started(self, event):
        """A billed period starts: mark it to invoice. The invoice itself is
        made right after, in a batch: at the end of the public action that
        started the period, or of the renewal engine's batch."""
        res = super()._on_period_started(event)
        if self.state in BILLED_STATES:
            self.sudo().invoice_pending = True
        return res

    def _on_lifecycle_done(self):
        """Invoice the periods the public action started, in one batch."""
        res = super()._on_lifecycle_done()
        self._invoice_pending_periods()
        return res

    @api.model
    def _demo_invoice_running(self):
        """Demo data: invoice the current period of running subscriptions."""
        subs = self.search([("state", "in", BILLED_STATES)])
        subs.sudo().write({"invoice_pending": True})
        subs._invoice_pending_periods()

    @api.model
    def _cron_process_due(self, batch_size=None):
        """Renew what is due, then invoice the periods it started (and any
        left pending by an earlier failure), in batches."""
        result = super()._cron_process_due(batch_size=batch_size)
        today = fields.Date.context_today(self)
        pending = self._lock_invoice_pending(today, batch_size or 500)
        invoiced = pending._invoice_pending_periods(raise_errors=False)
        left = self.search_count(self._get_invoice_pending_domain(today))
        if pending or left:
            self.env["ir.cron"]._notify_progress(
                done=result["done"] + len(invoiced), remaining=result["remaining"] + left
            )
        result.update(invoiced=len(invoiced), invoice_pending=left)
        return result

    @api.model
    def _get_invoice_pending_domain(self, today):
        return [
            ("invoice_pending", "=", True),
            "|",
            ("process_error_date", "=", False),
            ("process_error_date", "<", today),
        ]

    @api.model
    def _lock_invoice_pending(self, today, limit):
        return lock_for_processing(self, self._get_invoice_pending_domain(today), limit)

    def _invoice_pending_periods(self, raise_errors=True):
        """Invoice the pending periods of these subscriptions: all at once
        (batched create and post), or, if that fails, one by one so that a
        failing subscription is flagged and keeps its period pending for the
        next engine run while the others are invoiced. Returns the
        subscriptions invoiced."""
        subs = self.filtered("invoice_pending")
        if not subs:
            return subs
        try:
            with self.env.cr.savepoint():
                subs._create_period_invoices()
            return subs
        except Exception:
            if raise_errors and len(subs) == 1:
                raise
        today = fields.Date.context_today(self)
        done = self.browse()
        for sub in subs:
            try:
                with self.env.cr.savepoint():
                    sub._create_period_invoices()
                done |= sub
            except Exception as error:  # noqa: BLE001 - one record's failure stays its own
                if raise_errors:
                    raise
                _logger.warning("Invoicing %s failed: %s", sub.name, error)
                sub._flag_process_error(error, today)
        return done

    def _get_invoice_journal(self):
        self.ensure_one()
        journal = self.company_id.subscription_journal_id
        if not journal:
            journal = (
                self.env["account.journal"]
                .sudo()
                .search(
                    [
                        ("type", "=", "sale"),
                        *self.env["account.journal"]._check_company_domain(self.company_id),
                    ],
                    limit=1,
                )
            )
        if not journal:
            raise UserError(
                _(
                    "%(company)s has no sales journal to invoice subscriptions.",
                    company=self.company_id.name,
                )
            )
        return journal

    def _period_invoice(self, period_start):
        return (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("subscription_id", "=", self.id),
                    ("subscription_period_start", "=", period_start),
                    ("subscription_invoice_kind", "=", "period"),
                ],
                limit=1,
            )
        )

    def _create_period_invoice(self):
        """Invoice the current period of one subscription (idempotent: the
        invoice of a period that is already billed is returned as it is)."""
        self.ensure_one()
        return self._create_period_invoices().get(self) or self._period_invoice(
            self.current_period_start
        )

    def _create_period_invoices(self):
        """Invoice the current period of each subscription in advance, in one
        batched create and post, then charge or send each invoice. A period
        already invoiced is skipped (the database would refuse a second
        invoice anyway). Returns {subscription: new invoice}."""
        Move = self.env["account.move"].sudo()
        existing = {
            (move.subscription_id, move.subscription_period_start)
            for move in Move.search(
                [
                    ("subscription_id", "in", self.ids),
                    ("subscription_invoice_kind", "=", "period"),
                    (
                        "subscription_period_start",
                        "in",
                        list(set(self.mapped("current_period_start"))),
                    ),
                ]
            )
        }
        adjustments = (
            self.env["subscription.billing.adjustment"]
            .sudo()
            .search([("subscription_id", "in", self.ids), ("invoice_id", "=", False)])
            .grouped("subscription_id")
        )
        to_invoice = {}
        for sub in self:
            start, end = sub.current_period_start, sub.current_period_end
            if (sub, start) in existing:
                continue
            sub_adjustments = adjustments.get(sub, self.env["subscription.billing.adjustment"])
            lines = sub._prepare_period_line_values(start, end) + [
                sub._prepare_invoice_line_values(
                    adj.product_id, adj.name, 1, adj.amount, adj.date_from, adj.date_to
                )
                for adj in sub_adjustments
            ]
            total = sum(line["quantity"] * line["price_unit"] for line in lines)
            if float_is_zero(total, precision_rounding=sub.currency_id.rounding):
                continue
            to_invoice[sub] = (
                sub._prepare_invoice_values("period", start, end, lines),
                sub_adjustments,
            )
        invoices = {}
        for company, subs in self.browse([s.id for s in to_invoice]).grouped("company_id").items():
            moves = Move.with_company(company).create([to_invoice[sub][0] for sub in subs])
            moves.action_post()
            invoices.update(zip(subs, moves, strict=True))
        # Credit notes waiting for these subscriptions pay what they can first.
        self.browse([sub.id for sub in invoices])._apply_credits()
        for sub, invoice in invoices.items():
            to_invoice[sub][1].invoice_id = invoice
            sub._after_invoice_posted(invoice, trigger=False)
        if invoices:
            # One wake-up of the charging job for the whole batch.
            self.env["subscription.payment.attempt"]._trigger_processing()
        self.sudo().write({"invoice_pending": False})
        self.filtered("process_error").write({"process_error": False, "process_error_date": False})
        return invoices

    def _after_invoice_posted(self, invoice, trigger=True):
        if invoice.move_type != "out_invoice":
            if self.company_id.subscription_send_receipts or self.billing_mode == "send_invoice":
                self._send_invoice(invoice)
            return
        if invoice.currency_id.is_zero(invoice.amount_residual):
            # Paid by the customer's credit notes: nothing to charge.
            self._send_invoice(invoice)
            return
        if self.billing_mode == "auto_charge" and self.payment_token_id:
            self._schedule_payment_attempt(invoice, fields.Datetime.now(), trigger=trigger)
            if self.company_id.subscription_send_receipts:
                self._send_invoice(invoice)
        else:
            self._send_invoice(invoice)

    def _send_invoice(self, invoice):
        """Email it with Odoo's own invoice sending, in the background: a
        failure to send never re-creates or re-posts the invoice."""
        invoice.sending_data = {
            "author_user_id": self.env.user.id,
            "author_partner_id": self.env.user.partner_id.id,
        }
        self.env.ref("account.ir_cron_account_move_send")._trigger()

    def _prepare_period_line_values(self, start, end):
        self.ensure_one()
        last_day = end - timedelta(days=1)
        lines = [
            self._prepare_invoice_line_values(
                self.tier_id.product_id,
                _(
                    "%(tier)s (%(cycle)s), %(start)s to %(end)s",
                    tier=self.tier_id.name,
                    cycle=self.cycle_id.name,
                    start=start,
                    end=last_day,
                ),
                self.quantity,
                self.price_unit,
                start,
                end,
            )
        ]
        for line in self.addon_line_ids:
            lines.append(
                self._prepare_invoice_line_values(
                    line.addon_id.product_id,
                    _(
                        "%(addon)s, %(start)s to %(end)s",
                        addon=line.addon_id.name,
                        start=start,
                        end=last_day,
                    ),
                    line.quantity,
                    line.price_unit,
                    start,
                    end,
                )
            )
        return lines

    def _prepare_invoice_line_values(self, product, name, quantity, price_unit, start, end):
        """Values of one invoice line: override to add analytic or other data."""
        self.ensure_one()
        taxes = product.taxes_id._filter_taxes_by_company(self.company_id)
        fiscal_position = self._get_fiscal_position()
        if fiscal_position:
            taxes = fiscal_position.map_tax(taxes)
        return {
            "product_id": product.id,
            "name": name,
            "quantity": quantity,
            "price_unit": price_unit,
            "tax_ids": [fields.Command.set(taxes.ids)],
            "subscription_period_start": start,
            "subscription_period_end": end,
        }

    def _get_fiscal_position(self):
        self.ensure_one()
        return (
            self.env["account.fiscal.position"]
            .with_company(self.company_id)
            ._get_fiscal_position(self.partner_id)
        )

    def _prepare_invoice_values(self, kind, start, end, lines, move_type="out_invoice"):
        """Values of a subscription invoice: the seam to add fields."""
        self.ensure_one()
        return {
            "move_type": move_type,
            "partner_id": self.partner_id.id,
            "currency_id": self.currency_id.id,
            "journal_id": self._get_invoice_journal().id,
            "invoice_date": fields.Date.context_today(self),
            "invoice_origin": self.name,
            "invoice_user_id": self.user_id.id,
            "fiscal_position_id": self._get_fiscal_position().id,
            "subscription_id": self.id,
            "subscription_period_start": start,
            "subscription_period_end": end,
            "subscription_invoice_kind": kind,
            "invoice_line_ids": [fields.Command.create(line) for line in lines],
        }
