# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_is_zero

from odoo.addons.subscription_core.models.locking import lock_for_processing

from ..tools import dunning

_logger = logging.getLogger(__name__)

BILLED_STATES = ("active", "past_due")


class SubscriptionSubscription(models.Model):
    _inherit = "subscription.subscription"

    # === FIELDS ===#

    billing_mode = fields.Selection(
        selection=[
            ("auto_charge", "Charge the saved payment method"),
            ("send_invoice", "Send the invoice"),
        ],
        required=True,
        default="send_invoice",
        tracking=True,
    )
    payment_token_id = fields.Many2one(
        "payment.token",
        string="Payment Method",
        tracking=True,
        domain="[('partner_id', 'child_of', commercial_partner_id), ('active', '=', True)]",
        help="Saved payment method of the customer, charged off-session.",
    )
    dunning_policy_id = fields.Many2one(
        "subscription.dunning.policy",
        compute="_compute_dunning_policy_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    invoice_ids = fields.One2many(
        "account.move", "subscription_id", string="Invoices", readonly=True
    )
    invoice_count = fields.Integer(compute="_compute_invoice_count")
    payment_attempt_ids = fields.One2many(
        "subscription.payment.attempt", "subscription_id", string="Payment Attempts", readonly=True
    )
    amount_due = fields.Monetary(compute="_compute_amount_due")
    dunning_state = fields.Selection(
        selection=[
            ("none", "Up to date"),
            ("in_dunning", "Retrying"),
            ("hard_declined", "Payment method to update"),
        ],
        default="none",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    dunning_start_date = fields.Date(
        readonly=True, copy=False, help="Day of the first failed payment."
    )
    dunning_step_id = fields.Many2one(
        "subscription.dunning.step", string="Last Dunning Step", readonly=True, copy=False
    )
    next_dunning_date = fields.Date(readonly=True, copy=False, index=True)
    invoice_pending = fields.Boolean(
        readonly=True,
        copy=False,
        index=True,
        help="The current period is to be invoiced (done right after it starts; "
        "kept when invoicing failed, and retried by the renewal engine).",
    )

    # === COMPUTE / CONSTRAINTS ===#

    @api.depends("company_id")
    def _compute_dunning_policy_id(self):
        for sub in self:
            if not sub.dunning_policy_id:
                sub.dunning_policy_id = (
                    sub.company_id.subscription_dunning_policy_id
                    or self.env.ref(
                        "subscription_billing.dunning_policy_default", raise_if_not_found=False
                    )
                )

    def _compute_invoice_count(self):
        counts = dict(
            self.env["account.move"]
            .sudo()
            ._read_group([("subscription_id", "in", self.ids)], ["subscription_id"], ["__count"])
        )
        for sub in self:
            sub.invoice_count = counts.get(sub, 0)

    def _compute_amount_due(self):
        groups = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                self._unpaid_invoice_domain(), ["subscription_id"], ["amount_residual_signed:sum"]
            )
        )
        due = {sub: amount for sub, amount in groups}
        for sub in self:
            amount = due.get(sub, 0.0)
            sub.amount_due = (
                sub.company_id.currency_id._convert(
                    amount, sub.currency_id, sub.company_id, fields.Date.context_today(self)
                )
                if amount
                else 0.0
            )

    def _unpaid_invoice_domain(self):
        return [
            ("subscription_id", "in", self.ids),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
        ]

    @api.constrains("payment_token_id", "partner_id", "currency_id")
    def _check_payment_token(self):
        for sub in self.filtered("payment_token_id"):
            token = sub.payment_token_id.sudo()
            provider = token.provider_id
            if token.partner_id.commercial_partner_id != sub.commercial_partner_id:
                raise ValidationError(
                    _(
                        "%(token)s belongs to another customer than %(name)s.",
                        token=token.display_name,
                        name=sub.name,
                    )
                )
            if provider.state not in ("enabled", "test") or not provider.allow_tokenization:
                raise ValidationError(
                    _(
                        "%(provider)s is not an enabled provider that saves payment methods.",
                        provider=provider.name,
                    )
                )
            if (
                provider.available_currency_ids
                and sub.currency_id not in provider.available_currency_ids
            ):
                raise ValidationError(
                    _(
                        "%(provider)s does not accept payments in %(currency)s.",
                        provider=provider.name,
                        currency=sub.currency_id.name,
                    )
                )

    @api.constrains("billing_mode", "payment_token_id")
    def _check_billing_mode(self):
        for sub in self:
            if sub.billing_mode == "auto_charge" and not sub.payment_token_id:
                raise ValidationError(
                    _(
                        "%(name)s is charged automatically: choose a saved payment method.",
                        name=sub.name,
                    )
                )

    def write(self, vals):
        token_changed = "payment_token_id" in vals
        res = super().write(vals)
        if token_changed:
            self.filtered("payment_token_id")._on_payment_method_updated()
        return res

    # === ACTIONS ===#

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("subscription_id", "=", self.id)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        return action

    def _check_billing_staff(self):
        if not self.env.is_superuser() and not self.env.user.has_group(
            "subscription_core.group_subscription_manager"
        ):
            raise AccessError(
                _("Only the billing team (Subscriptions administrators) can do this.")
            )

    def action_retry_payment_now(self):
        self._check_billing_staff()
        for sub in self:
            invoices = sub._unpaid_invoices()
            if not invoices:
                raise UserError(_("%(name)s has nothing to pay.", name=sub.name))
            if not sub.payment_token_id:
                raise UserError(_("%(name)s has no saved payment method.", name=sub.name))
            for invoice in invoices:
                sub._schedule_payment_attempt(invoice, fields.Datetime.now())
        return True

    def action_stop_dunning(self):
        """Stop retries and notices; the subscription stays as it is."""
        self._check_billing_staff()
        for sub in self.filtered(lambda s: s.dunning_state != "none"):
            sub.payment_attempt_ids.filtered(lambda a: a.state == "scheduled").action_skip()
            sub.write({"dunning_state": "none", "next_dunning_date": False})
            sub.message_post(body=_("Dunning stopped by %(user)s.", user=self.env.user.name))
        return True

    # === INVOICING ===#

    def _on_period_started(self, event):
        """A billed period starts: mark it to invoice. The invoice itself is
        made right after, in a batch: at the end of the public action that
        started the period, or of the renewal engine's batch."""
        res = super()._on_period_started(event)
        if self.state in BILLED_STATES:
            self.invoice_pending = True
        return res

    def action_start(self):
        res = super().action_start()
        self._invoice_pending_periods()
        return res

    def action_activate(self):
        res = super().action_activate()
        self._invoice_pending_periods()
        return res

    def action_resume(self):
        res = super().action_resume()
        self._invoice_pending_periods()
        return res

    def action_reactivate(self):
        res = super().action_reactivate()
        self._invoice_pending_periods()
        return res

    def _demo_start(self):
        res = super()._demo_start()
        self._invoice_pending_periods()
        return res

    @api.model
    def _demo_invoice_running(self):
        """Demo data: invoice the current period of running subscriptions."""
        subs = self.search([("state", "in", BILLED_STATES)])
        subs.write({"invoice_pending": True})
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
        for sub, invoice in invoices.items():
            to_invoice[sub][1].invoice_id = invoice
            sub._after_invoice_posted(invoice)
        self.write({"invoice_pending": False})
        self.filtered("process_error").write({"process_error": False, "process_error_date": False})
        return invoices

    def _after_invoice_posted(self, invoice):
        if invoice.move_type != "out_invoice":
            if self.company_id.subscription_send_receipts or self.billing_mode == "send_invoice":
                self._send_invoice(invoice)
            return
        if self.billing_mode == "auto_charge" and self.payment_token_id:
            self._schedule_payment_attempt(invoice, fields.Datetime.now())
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

    def _on_plan_changed(self, event, preview):
        res = super()._on_plan_changed(event, preview)
        if self.state not in BILLED_STATES or not (preview["credit"] or preview["charge"]):
            return res
        end = self.current_period_end
        product = self.tier_id.product_id
        charge_name = _(
            "Proration: %(plan)s until %(end)s", plan=self.tier_id.name, end=end - timedelta(days=1)
        )
        credit_name = _("Unused time on the previous plan")
        cycle_changed = event.event_type in ("upgraded", "downgraded") and preview.get("new_period")
        if self.company_id.subscription_proration_mode == "next_invoice" and not cycle_changed:
            values = []
            if preview["charge"]:
                values.append({"name": charge_name, "amount": preview["charge"]})
            if preview["credit"]:
                values.append({"name": credit_name, "amount": -preview["credit"]})
            self.env["subscription.billing.adjustment"].sudo().create(
                [
                    {
                        **vals,
                        "subscription_id": self.id,
                        "event_id": event.id,
                        "product_id": product.id,
                        "date_from": event.effective_date,
                        "date_to": end,
                    }
                    for vals in values
                ]
            )
            return res
        net = preview["net"]
        if float_is_zero(net, precision_rounding=self.currency_id.rounding):
            return res
        lines = []
        sign = 1 if net > 0 else -1
        if preview["charge"]:
            lines.append(
                self._prepare_invoice_line_values(
                    product, charge_name, 1, sign * preview["charge"], event.effective_date, end
                )
            )
        if preview["credit"]:
            lines.append(
                self._prepare_invoice_line_values(
                    product, credit_name, 1, -sign * preview["credit"], event.effective_date, end
                )
            )
        invoice = (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .create(
                self._prepare_invoice_values(
                    "proration",
                    event.effective_date,
                    end,
                    lines,
                    move_type="out_invoice" if net > 0 else "out_refund",
                )
            )
        )
        invoice.action_post()
        self._after_invoice_posted(invoice)
        return res

    def _on_ended(self, event):
        res = super()._on_ended(event)
        self.payment_attempt_ids.filtered(lambda a: a.state == "scheduled").write(
            {"state": "cancelled", "error_message": _("The subscription ended.")}
        )
        if self.dunning_state != "none":
            self.write({"dunning_state": "none", "next_dunning_date": False})
        if (
            event.event_type == "cancelled"
            and event.amount_credit > 0
            and self.company_id.subscription_credit_on_cancel
        ):
            line = self._prepare_invoice_line_values(
                self.tier_id.product_id,
                _("Unused time after cancellation on %(date)s", date=event.effective_date),
                1,
                event.amount_credit,
                event.effective_date,
                self.current_period_end,
            )
            credit = (
                self.env["account.move"]
                .sudo()
                .with_company(self.company_id)
                .create(
                    self._prepare_invoice_values(
                        "credit",
                        event.effective_date,
                        self.current_period_end,
                        [line],
                        move_type="out_refund",
                    )
                )
            )
            credit.action_post()
        return res

    # === CHARGING AND DUNNING ===#

    def _unpaid_invoices(self):
        self.ensure_one()
        return self.env["account.move"].sudo().search(self._unpaid_invoice_domain(), order="id")

    def _schedule_payment_attempt(self, invoice, when):
        """Schedule the next attempt to charge ``invoice``."""
        self.ensure_one()
        Attempt = self.env["subscription.payment.attempt"].sudo()
        last = Attempt.search(
            [("invoice_id", "=", invoice.id)], order="attempt_number desc", limit=1
        )
        if last.state in ("scheduled", "processing"):
            if last.state == "scheduled" and last.scheduled_date > when:
                last.scheduled_date = when
            attempt = last
        else:
            attempt = Attempt.create(
                Attempt._prepare_values(self, invoice, last.attempt_number + 1, when)
            )
        attempt._trigger_processing()
        return attempt

    def _on_payment_succeeded(self, attempt):
        """A charge went through; the invoice is paid by then, and
        ``_on_invoice_paid`` has handled the recovery. Checked again for
        channels that report the success before the payment is reconciled."""
        self.ensure_one()
        self._check_recovery()

    def _on_payment_failed(self, attempt):
        """A charge failed: start dunning on the first failure (past due,
        notices, retries on the policy's schedule)."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        vals = {}
        if attempt.decline_type == "hard":
            vals["dunning_state"] = "hard_declined"
        elif self.dunning_state == "none":
            vals["dunning_state"] = "in_dunning"
        first_failure = self.dunning_state == "none"
        if first_failure:
            vals.update(dunning_start_date=today, dunning_step_id=False)
        if vals:
            self.write(vals)
        if first_failure:
            if self.state == "active":
                self._set_past_due(
                    note=_("Payment failed: %(code)s", code=attempt.decline_code or "")
                )
            self._run_dunning_steps(today)
        elif attempt.decline_type == "hard":
            template = self.env.ref(
                "subscription_billing.mail_template_card_update_needed", raise_if_not_found=False
            )
            if template:
                self.message_post_with_source(template, subtype_xmlid="mail.mt_comment")

    def _on_payment_method_updated(self):
        """A new payment method: lift a hard-decline block and retry now."""
        for sub in self.filtered(lambda s: s.dunning_state != "none"):
            sub.dunning_state = "in_dunning"
            for invoice in sub._unpaid_invoices():
                sub._schedule_payment_attempt(invoice, fields.Datetime.now())

    def _on_invoice_paid(self, invoices):
        for sub in self:
            sub._check_recovery()

    def _check_recovery(self):
        """Back to normal once nothing is left unpaid."""
        for sub in self:
            if sub.state not in ("past_due", "suspended") and sub.dunning_state == "none":
                # Nothing to recover (a retry left for a paid invoice cancels
                # itself when it runs).
                continue
            if sub._unpaid_invoices():
                continue
            sub.payment_attempt_ids.filtered(lambda a: a.state == "scheduled").write(
                {"state": "cancelled", "error_message": _("The invoice was paid.")}
            )
            was_dunning = sub.dunning_state != "none"
            if was_dunning:
                sub.write(
                    {"dunning_state": "none", "next_dunning_date": False, "dunning_step_id": False}
                )
            if sub.state in ("past_due", "suspended"):
                sub._set_recovered(note=_("All invoices are paid."))
            if was_dunning:
                template = self.env.ref(
                    "subscription_billing.mail_template_payment_recovered", raise_if_not_found=False
                )
                if template:
                    sub.message_post_with_source(template, subtype_xmlid="mail.mt_comment")

    def _run_dunning_steps(self, today):
        """Run the policy steps due on ``today`` (each step once)."""
        self.ensure_one()
        if self.dunning_state == "none" or not self.dunning_policy_id:
            return
        steps = self.dunning_policy_id._ordered_steps()
        offsets = steps.mapped("day_offset")
        last_done = list(steps).index(self.dunning_step_id) if self.dunning_step_id in steps else -1
        for index in dunning.due_steps(offsets, self.dunning_start_date, today, last_done):
            step = steps[index]
            self._run_dunning_step(step)
            self.dunning_step_id = step
            last_done = index
            if self.state not in BILLED_STATES or self.dunning_state == "none":
                break
        next_date = dunning.next_date(offsets, self.dunning_start_date, last_done)
        self.next_dunning_date = next_date if self.dunning_state != "none" else False

    def _run_dunning_step(self, step):
        self.ensure_one()
        invoices = self._unpaid_invoices()
        if not invoices:
            return
        if step.retry and self.dunning_state == "in_dunning" and self.payment_token_id:
            for invoice in invoices:
                self._schedule_payment_attempt(invoice, fields.Datetime.now())
        template = step.mail_template_id
        if self.dunning_state == "hard_declined" and template and step.final_action == "none":
            template = (
                self.env.ref(
                    "subscription_billing.mail_template_card_update_needed",
                    raise_if_not_found=False,
                )
                or template
            )
        if template:
            self.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
        if (
            step.send_sms
            and "sms" in self.env.registry._init_modules
            and hasattr(self, "_message_sms")
        ):
            self._message_sms(
                _(
                    "Your payment for %(name)s failed. Update your payment method: %(url)s",
                    name=self.name,
                    url=self.get_base_url() + self.get_portal_url(),
                )
            )
        if step.create_activity:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Payment failing since %(date)s", date=self.dunning_start_date),
                user_id=(
                    step.activity_user_id or self.user_id or self.env.ref("base.user_admin")
                ).id,
            )
        if step.final_action == "suspend":
            self._set_suspended(note=_("Suspended after failed payments."))
            self.write({"dunning_state": "none", "next_dunning_date": False})
        elif step.final_action == "cancel":
            reason = self.env.ref("subscription_core.cancel_reason_payment_failure")
            self.action_cancel(reason.id, feedback=_("Payments failed."), at_period_end=False)

    @api.model
    def _cron_dunning(self, batch_size=500):
        """Run the dunning steps due today, one bounded batch per call."""
        today = fields.Date.context_today(self)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM subscription_subscription WHERE next_dunning_date <= %s "
                "AND dunning_state != 'none' ORDER BY next_dunning_date, id LIMIT %s "
                "FOR UPDATE SKIP LOCKED",
                today,
                batch_size,
            )
        )
        subs = self.browse(row[0] for row in self.env.cr.fetchall())
        for sub in subs:
            try:
                with self.env.cr.savepoint():
                    sub._run_dunning_steps(today)
            except Exception as error:  # noqa: BLE001 - one record's failure stays its own
                _logger.warning("Dunning failed on %s: %s", sub.name, error)
                with self.env.cr.savepoint():
                    sub.next_dunning_date = today + timedelta(days=1)
                    sub.message_post(body=_("Dunning step failed: %(error)s", error=str(error)))
        remaining = self.search_count(
            [("next_dunning_date", "<=", today), ("dunning_state", "!=", "none")]
        )
        self.env["ir.cron"]._notify_progress(done=len(subs), remaining=remaining)
        return {"done": len(subs), "remaining": remaining}
