# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_is_zero, groupby
from odoo.tools.misc import format_date

from ..tools import descriptions
from .subscription_subscription import BILLED_STATES

_logger = logging.getLogger(__name__)


class SubscriptionSubscription(models.Model):
    """Period invoices, proration invoices and credit notes."""

    _inherit = "subscription.subscription"

    # === INVOICING ===#

    billing_period_ids = fields.One2many(
        "subscription.billing.period", "subscription_id", string="Billing Periods", readonly=True
    )
    start_billing = fields.Selection(
        selection=[
            ("elapsed", "Bill the elapsed periods"),
            ("current", "Bill from the current period"),
        ],
        string="Billing from",
        default="elapsed",
        required=True,
        copy=False,
        help="For a start date in the past: bill every period since the start "
        "date (default), or only from the period that contains the day it is "
        "started; the elapsed periods are then recorded as not billed.",
    )

    @api.depends("billing_period_ids.state")
    def _compute_invoice_pending(self):
        pending = {
            sub.id
            for [sub] in self.env["subscription.billing.period"]
            .sudo()
            ._read_group(
                [("subscription_id", "in", self.ids), ("state", "=", "to_invoice")],
                ["subscription_id"],
            )
        }
        for sub in self:
            sub.invoice_pending = sub.id in pending

    def _on_period_started(self, event):
        """A billed period starts: record it as a period to invoice (once per
        start date). It is invoiced right after, in a batch: at the end of the
        public action that started it, or by the invoicing job, which the
        renewal engine wakes up."""
        res = super()._on_period_started(event)
        if self.state in BILLED_STATES:
            self._add_billing_period(event)
        return res

    def _add_billing_period(self, event=None):
        """Record the current period as a period to invoice, with what it
        bills (kept for an invoice made later). Idempotent."""
        self.ensure_one()
        start, end = self.current_period_start, self.current_period_end
        Period = self.env["subscription.billing.period"].sudo()
        existing = Period.search(
            [("subscription_id", "=", self.id), ("date_start", "=", start)], order="id", limit=1
        )
        if existing or not (start and end and end > start):
            return existing
        lines = self._get_period_lines(start, end)
        return Period.create(
            {
                "subscription_id": self.id,
                "date_start": start,
                "date_end": end,
                "event_id": event.id if event else False,
                "line_values": lines,
                "amount_untaxed": self.currency_id.round(
                    sum(line["quantity"] * line["price_unit"] for line in lines)
                ),
            }
        )

    def action_start(self, bill_from=None):
        """Start draft subscriptions (see subscription_core). With a start
        date in the past, ``bill_from`` says what is billed: ``'elapsed'``
        (every period since the start date, oldest first) or ``'current'``
        (only from the period that contains today; the elapsed periods are
        recorded as not billed, with a note in the chatter). Without it,
        the subscription's *Billing from* field decides (default elapsed)."""
        if bill_from is not None:
            if bill_from not in ("elapsed", "current"):
                raise UserError(
                    _(
                        "Bill from 'elapsed' or 'current', not %(value)s.",
                        value=bill_from,
                    )
                )
            self.check_access("write")
            self.sudo().write({"start_billing": bill_from})
        return super().action_start()

    def _on_lifecycle_done(self):
        """Invoice the periods the public action started, in one batch (after
        the elapsed periods of a backdated start were rolled up)."""
        res = super()._on_lifecycle_done()
        self._skip_elapsed_periods()
        self._invoice_pending_periods()
        return res

    def _skip_elapsed_periods(self):
        """Subscriptions just started with *Billing from* the current period:
        their elapsed periods (ended on or before today) are not billed."""
        for sub in self.filtered(lambda s: s.start_billing == "current"):
            periods = sub.billing_period_ids
            if not periods or periods.filtered(lambda p: p.state != "to_invoice"):
                continue  # not a start: something was billed already
            today = sub.company_id._subscription_today()
            elapsed = periods.filtered(lambda p, today=today: p.date_end <= today)
            if not elapsed:
                continue
            note = _("Started on %(date)s, billed from the current period.", date=today)
            elapsed.sudo().write({"state": "not_billed", "note": note})
            sub.message_post(
                body=_(
                    "Billed from the current period: %(count)s elapsed period(s) from "
                    "%(start)s to %(end)s are not billed.",
                    count=len(elapsed),
                    start=format_date(self.env, min(elapsed.mapped("date_start"))),
                    end=format_date(
                        self.env, descriptions.last_day(max(elapsed.mapped("date_end")))
                    ),
                )
            )

    @api.model
    def _demo_invoice_running(self):
        """Demo data: invoice the current period of running subscriptions."""
        subs = self.search([("state", "in", BILLED_STATES)])
        for sub in subs:
            sub._add_billing_period()
        subs._invoice_pending_periods()

    @api.model
    def _cron_process_due(self, batch_size=None):
        """Renew what is due. The periods the renewals start are invoiced by
        their own job, in their own batches and transactions (see
        ``subscription.billing.period._cron_invoice_periods``), woken here."""
        result = super()._cron_process_due(batch_size=batch_size)
        if result["done"]:
            self.env["subscription.billing.period"]._trigger_invoicing()
        return result

    def _invoice_pending_periods(self, raise_errors=True):
        """Invoice every period of these subscriptions that has started and
        is not billed yet, oldest first. Returns the invoices made."""
        periods = (
            self.env["subscription.billing.period"]
            .sudo()
            .search(
                [("subscription_id", "in", self.ids), ("state", "=", "to_invoice")],
                order="date_start, id",
            )
        )
        return periods._invoice(raise_errors=raise_errors)["invoices"]

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
        """The live (not cancelled) invoice of the period starting on
        ``period_start``."""
        return (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("subscription_id", "=", self.id),
                    ("subscription_period_start", "=", period_start),
                    ("subscription_invoice_kind", "=", "period"),
                    ("state", "!=", "cancel"),
                ],
                limit=1,
            )
        )

    def _create_period_invoice(self):
        """Invoice the periods of one subscription that are due and return
        the invoice of the current period (idempotent: an invoiced period is
        returned as it is)."""
        self.ensure_one()
        self._invoice_pending_periods()
        return self._period_invoice(self.current_period_start)

    def _create_period_invoices(self, periods):
        """Invoice ``periods`` (``subscription.billing.period`` records of
        these subscriptions, to invoice) in advance: one invoice per period,
        oldest first, in one batched create and post per company, then charge
        or send each invoice. Adjustments waiting for the next invoice go on
        the oldest period invoiced. A period that already has a live invoice
        is linked to it, not billed again (the database would refuse a second
        one anyway); a period with nothing to bill is marked free. Returns the
        invoices."""
        Move = self.env["account.move"].sudo()
        periods = periods.sudo().sorted(lambda p: (p.date_start, p.id))
        live = {
            (move.subscription_id, move.subscription_period_start): move
            for move in Move.search(
                [
                    ("subscription_id", "in", periods.subscription_id.ids),
                    ("subscription_invoice_kind", "=", "period"),
                    ("state", "!=", "cancel"),
                    ("subscription_period_start", "in", list(set(periods.mapped("date_start")))),
                ]
            )
        }
        adjustments = (
            self.env["subscription.billing.adjustment"]
            .sudo()
            .search(
                [("subscription_id", "in", periods.subscription_id.ids), ("invoice_id", "=", False)]
            )
            .grouped("subscription_id")
        )
        to_invoice = []
        for period in periods:
            sub = period.subscription_id
            start, end = period.date_start, period.date_end
            existing = live.get((sub, start))
            if existing:
                period.write({"state": "invoiced", "invoice_id": existing.id})
                continue
            sub_adjustments = adjustments.pop(sub, self.env["subscription.billing.adjustment"])
            lines = sub._prepare_period_line_values(start, end, period.line_values) + [
                sub._prepare_invoice_line_values(
                    adj.product_id, adj.name, 1, adj.amount, adj.date_from, adj.date_to
                )
                for adj in sub_adjustments
            ]
            total = sum(line["quantity"] * line["price_unit"] for line in lines)
            if float_is_zero(total, precision_rounding=sub.currency_id.rounding):
                period.write({"state": "free"})
                if sub_adjustments:
                    adjustments[sub] = sub_adjustments  # for the next period
                continue
            to_invoice.append(
                (period, sub._prepare_invoice_values("period", start, end, lines), sub_adjustments)
            )
        invoiced = []
        # odoo.tools.groupby keeps the order of the items within a company.
        for company, items in groupby(to_invoice, key=lambda item: item[0].company_id):
            moves = Move.with_company(company)._subscription_create_batch(
                [values for _p, values, _a in items]
            )
            moves.action_post()
            invoiced += [
                (period, adjs, move) for (period, _v, adjs), move in zip(items, moves, strict=True)
            ]
        invoices = Move.browse([move.id for _p, _a, move in invoiced])
        # Credit notes waiting for these subscriptions pay what they can first.
        invoices.subscription_id._apply_credits()
        for period, adjs, move in invoiced:
            period.write({"state": "invoiced", "invoice_id": move.id})
            adjs.invoice_id = move
        self.env["subscription.subscription"].sudo()._after_invoices_posted(
            [(period.subscription_id, move) for period, _a, move in invoiced], trigger=False
        )
        if invoices:
            # One wake-up of the charging job for the whole batch.
            self.env["subscription.payment.attempt"]._trigger_processing()
        periods.subscription_id.filtered("process_error").sudo().write(
            {"process_error": False, "process_error_date": False}
        )
        return invoices

    def _after_invoice_posted(self, invoice, trigger=True):
        """Charge or send ``invoice``, just posted for this subscription."""
        self.ensure_one()
        self._after_invoices_posted([(self, invoice)], trigger=trigger)

    @api.model
    def _after_invoices_posted(self, pairs, trigger=True):
        """Charge or send each invoice of ``pairs`` ((subscription, invoice)
        tuples, just posted): an invoice of an auto-charged subscription with
        a saved payment method gets a payment attempt (all of them scheduled
        in one batch), any other is emailed; credit notes are emailed when
        the company sends receipts or the subscription is invoiced by email,
        and an invoice already paid by credit notes is emailed as paid."""
        to_charge = []
        for sub, invoice in pairs:
            send_receipts = sub.company_id.subscription_send_receipts
            if invoice.move_type != "out_invoice":
                if send_receipts or sub.billing_mode == "send_invoice":
                    sub._send_invoice(invoice)
            elif invoice.currency_id.is_zero(invoice.amount_residual):
                # Paid by the customer's credit notes: nothing to charge.
                sub._send_invoice(invoice)
            elif sub.billing_mode == "auto_charge" and sub.payment_token_id:
                to_charge.append((sub, invoice))
                if send_receipts:
                    sub._send_invoice(invoice)
            else:
                sub._send_invoice(invoice)
        if to_charge:
            self._schedule_payment_attempts(to_charge, fields.Datetime.now(), trigger=trigger)

    def _send_invoice(self, invoice):
        """Email it with Odoo's own invoice sending, in the background: a
        failure to send never re-creates or re-posts the invoice."""
        invoice.sending_data = {
            "author_user_id": self.env.user.id,
            "author_partner_id": self.env.user.partner_id.id,
        }
        self.env.ref("account.ir_cron_account_move_send")._trigger()

    def _get_period_lines(self, start, end):
        """What the period from ``start`` to ``end`` bills on the current
        plan: a list of {product_id, name, quantity, price_unit}, kept on the
        billing period when it starts."""
        self.ensure_one()
        sub = self._in_partner_lang()
        lines = [
            {
                "product_id": self.tier_id.product_id.id,
                "name": sub._period_line_name(
                    descriptions.plan_label(sub.tier_id.name, sub.cycle_id.name), start, end
                ),
                "quantity": self.quantity,
                "price_unit": self.price_unit,
            }
        ]
        for line in sub.addon_line_ids:
            lines.append(
                {
                    "product_id": line.addon_id.product_id.id,
                    "name": sub._period_line_name(line.addon_id.name, start, end),
                    "quantity": line.quantity,
                    "price_unit": line.price_unit,
                }
            )
        return lines

    def _in_partner_lang(self):
        """This subscription in its customer's language: what invoices say
        is written in it."""
        self.ensure_one()
        return self.with_context(lang=self.partner_id.lang or self.env.lang)

    def _period_line_name(self, item, start, end, template=None):
        """Description of an invoice line billing ``item`` for the period
        [start, end): "Pro (Monthly) – 12/02/2026 to 01/01/2027", the last
        day served shown (see ``tools/descriptions``), dates in the language
        and date format of the environment (see ``_in_partner_lang``).
        ``template`` is a translated text with ``%(item)s``, ``%(start)s``
        and ``%(end)s``."""
        self.ensure_one()
        if not (start and end) or end <= start:
            return item  # not a period (e.g. a credit on its last day)
        env = self.env
        return descriptions.period_description(
            item,
            start,
            end,
            lambda day: format_date(env, day),
            template=template or env._("%(item)s – %(start)s to %(end)s"),
        )

    def _prepare_period_line_values(self, start, end, lines=None):
        """Invoice line values of the period from ``start`` to ``end``:
        ``lines`` as kept on its billing period (see ``_get_period_lines``),
        else the current plan."""
        self.ensure_one()
        Product = self.env["product.product"]
        return [
            self._prepare_invoice_line_values(
                Product.browse(line["product_id"]),
                line["name"],
                line["quantity"],
                line["price_unit"],
                start,
                end,
            )
            for line in (lines or self._get_period_lines(start, end))
        ]

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
