# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import time

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every

from odoo.addons.subscription_core.models.locking import lock_for_processing

from ..tools import descriptions

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200
CHUNK_SIZE = 200  # periods per create and post


class SubscriptionBillingPeriod(models.Model):
    """One billed period of a subscription, written when the period starts
    (activation, renewal, resume, reactivation) and claimed by the invoicing
    batch. It is the list of "periods due": every period that has started
    and is not billed yet is invoiced, oldest first, exactly once (one row
    per subscription and start date; the database also keeps one live
    period invoice per subscription and start date)."""

    _name = "subscription.billing.period"
    _description = "Subscription Billing Period"
    _order = "subscription_id, date_start desc, id desc"
    _rec_name = "date_start"
    _check_company_auto = True

    subscription_id = fields.Many2one(
        "subscription.subscription", required=True, ondelete="cascade", index=True, readonly=True
    )
    # Precomputed: written by the INSERT of each period (the renewal engine
    # creates one per renewal), not by an UPDATE after it.
    company_id = fields.Many2one(
        related="subscription_id.company_id", store=True, precompute=True, index=True, readonly=True
    )
    currency_id = fields.Many2one(related="subscription_id.currency_id")
    date_start = fields.Date(required=True, readonly=True)
    date_end = fields.Date(required=True, readonly=True, help="First day after the period.")
    date_last = fields.Date(
        string="Last Day",
        compute="_compute_date_last",
        help="Last day of the period (included), as invoices show it.",
    )
    state = fields.Selection(
        selection=[
            ("to_invoice", "To Invoice"),
            ("invoiced", "Invoiced"),
            ("free", "Nothing to Bill"),
            ("not_billed", "Not Billed"),
        ],
        string="Status",
        required=True,
        default="to_invoice",
        index=True,
        readonly=True,
    )
    invoice_id = fields.Many2one(
        "account.move", string="Invoice", readonly=True, copy=False, index="btree_not_null"
    )
    invoice_state = fields.Selection(related="invoice_id.state", string="Invoice Status")
    event_id = fields.Many2one("subscription.event", readonly=True, ondelete="set null")
    line_values = fields.Json(
        readonly=True,
        help="What the period bills (product, description, quantity, unit "
        "price), taken when the period starts: a period invoiced later, after "
        "an outage, bills the plan it was served on.",
    )
    amount_untaxed = fields.Monetary(
        readonly=True, aggregator=None, help="Total of the lines before tax."
    )
    note = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "subscription_start_uniq",
            "UNIQUE(subscription_id, date_start)",
            "A subscription has one billing period per start date.",
        ),
        ("dates_check", "CHECK(date_end > date_start)", "A period ends after it starts."),
    ]

    @api.depends("date_end")
    def _compute_date_last(self):
        for period in self:
            period.date_last = descriptions.last_day(period.date_end)

    # === BUSINESS ===#

    @api.model
    def _get_due_domain(self, today):
        """Periods to invoice on ``today`` (the subscription's company date):
        started, not billed, and not on a subscription whose invoicing failed
        today (retried the next day)."""
        return [
            ("state", "=", "to_invoice"),
            ("date_start", "<=", today),
            "|",
            ("subscription_id.process_error_date", "=", False),
            ("subscription_id.process_error_date", "<", today),
        ]

    @api.model
    def _claim(self, company, today, limit):
        """Lock up to ``limit`` due periods of ``company``, oldest first, with
        the suite's row-claiming helper (rows another transaction holds are
        skipped). A subscription is kept only for the oldest periods it has
        to invoice: if an older one is held elsewhere, its periods wait for
        the next call, so that each subscription is billed in order."""
        domain = [("company_id", "=", company.id), *self._get_due_domain(today)]
        claimed = lock_for_processing(self, domain, limit, order=("date_start", "id"))
        if not claimed:
            return claimed
        pending = self.search_fetch(
            [("subscription_id", "in", claimed.subscription_id.ids), ("state", "=", "to_invoice")],
            ["subscription_id", "date_start"],
            order="date_start, id",
        )
        blocked = set()
        keep = self.browse()
        for period in pending:
            sub = period.subscription_id
            if sub in blocked:
                continue
            if period in claimed:
                keep |= period
            else:
                blocked.add(sub)
        return keep

    @api.model
    def _cron_invoice_periods(self, batch_size=None):
        """Invoice the periods that have started and are not billed yet,
        oldest first, one bounded batch per call (``batch_size`` periods,
        system parameters ``subscription_billing.invoice_batch_size`` and
        ``..._seconds``), each company on its own date. A batch is
        created and posted at once; when that fails, subscription by
        subscription, a failing one is flagged and retried the next day.
        Progress is reported to the cron runner, which commits and calls
        again while work remains; a re-run bills nothing twice."""
        Sub = self.env["subscription.subscription"]
        batch_size, deadline = Sub._get_batch_limits(
            prefix="subscription_billing.invoice_batch",
            size=batch_size,
            default_size=DEFAULT_BATCH_SIZE,
        )
        done = remaining = failed = 0
        for company in Sub._get_engine_companies():
            today = company._subscription_today()
            periods = company._subscription_env(self)
            while done < batch_size and not (done and time.monotonic() >= deadline):
                # The whole batch claimed at once, at the start of the
                # transaction: a later claim in the same transaction would
                # meet, under REPEATABLE READ, rows that another worker
                # invoiced since the snapshot, and fail to serialize.
                claimed = periods._claim(company, today, batch_size - done)
                if not claimed:
                    break
                # Chunks of at most CHUNK_SIZE periods (oldest first): one
                # create and post each; what the deadline leaves is released
                # unbilled (and the loop's own test then stops it).
                for chunk in split_every(CHUNK_SIZE, claimed.ids, claimed.browse):
                    if done and time.monotonic() >= deadline:
                        break
                    result = chunk._invoice(raise_errors=False)
                    done += len(chunk)
                    failed += result["failed"]
            remaining += periods.search_count(
                [("company_id", "=", company.id), *self._get_due_domain(today)]
            )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return {"done": done, "failed": failed, "remaining": remaining}

    def _invoice(self, raise_errors=True):
        """Invoice these periods, oldest first per subscription: all at once
        (batched create and post), or, if that fails, one subscription at a
        time, so that a failing subscription keeps its periods to invoice
        and is flagged while the others are billed."""
        periods = self.filtered(lambda p: p.state == "to_invoice").sorted(
            lambda p: (p.date_start, p.id)
        )
        if not periods:
            return {"invoices": self.env["account.move"], "failed": 0}
        try:
            with self.env.cr.savepoint():
                return {"invoices": periods._create_invoices(), "failed": 0}
        except Exception:
            subs = periods.subscription_id
            if raise_errors and len(subs) == 1:
                raise
        invoices = self.env["account.move"]
        failed = 0
        for sub, sub_periods in periods.grouped("subscription_id").items():
            try:
                with self.env.cr.savepoint():
                    invoices |= sub_periods._create_invoices()
            except Exception as error:  # noqa: BLE001 - one record's failure stays its own
                if raise_errors:
                    raise
                _logger.warning("Invoicing %s failed: %s", sub.name, error)
                failed += 1
                sub._flag_process_error(error, sub.company_id._subscription_today())
        return {"invoices": invoices, "failed": failed}

    def _create_invoices(self):
        """Create and post one invoice per period, in one batch per company,
        then charge or send each. A period with nothing to bill is marked
        free. Returns the invoices."""
        subs = self.subscription_id
        return subs._create_period_invoices(self)

    @api.model
    def _lines_of_invoice(self, move):
        """What a period invoice billed, as kept in ``line_values``."""
        return [
            {
                "product_id": line.product_id.id,
                "name": line.name,
                "quantity": line.quantity,
                "price_unit": line.price_unit,
            }
            for line in move.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        ]

    @api.model
    def _create_from_invoice(self, move):
        """The billing period of a period invoice made before periods were
        recorded (databases from 18.0.1.0.0), with what that invoice billed."""
        return self.create(
            {
                "subscription_id": move.subscription_id.id,
                "date_start": move.subscription_period_start,
                "date_end": move.subscription_period_end,
                "state": "invoiced",
                "invoice_id": move.id,
                "line_values": self._lines_of_invoice(move),
                "amount_untaxed": move.amount_untaxed,
            }
        )

    def _reissue(self):
        """Invoice again a period whose invoice was cancelled (the
        adjustments it carried go on the new invoice). Returns the invoice."""
        self.ensure_one()
        old = self.invoice_id
        if self.state != "invoiced" or old.state != "cancel":
            raise UserError(
                _(
                    "The period from %(start)s of %(name)s has a live invoice (%(invoice)s): "
                    "only a period whose invoice was cancelled can be invoiced again.",
                    start=self.date_start,
                    name=self.subscription_id.name,
                    invoice=old.name or "-",
                )
            )
        self.env["subscription.billing.adjustment"].sudo().search(
            [("invoice_id", "=", old.id)]
        ).invoice_id = False
        vals = {"state": "to_invoice", "invoice_id": False}
        if not self.line_values:
            # Recorded by the upgrade from 18.0.1.0.0: bill what was billed.
            vals["line_values"] = self._lines_of_invoice(old)
        self.write(vals)
        invoices = self._invoice()["invoices"]
        self.subscription_id.message_post(
            body=_(
                "Period from %(start)s invoiced again (%(invoice)s): %(old)s was cancelled.",
                start=self.date_start,
                invoice=invoices.name or "-",
                old=old.name,
            )
        )
        return invoices

    def _trigger_invoicing(self):
        cron = self.env.ref(
            "subscription_billing.ir_cron_subscription_invoice_periods", raise_if_not_found=False
        )
        if cron:
            cron._trigger()
