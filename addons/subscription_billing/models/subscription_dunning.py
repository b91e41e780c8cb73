# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import timedelta

from odoo import _, api, fields, models

from odoo.addons.subscription_core.models.locking import lock_for_processing

from ..tools import dunning
from .subscription_subscription import BILLED_STATES

_logger = logging.getLogger(__name__)


class SubscriptionSubscription(models.Model):
    """Charging the saved payment method and dunning."""

    _inherit = "subscription.subscription"

    # === CHARGING AND DUNNING ===#

    def _unpaid_invoices(self):
        self.ensure_one()
        return self.env["account.move"].sudo().search(self._unpaid_invoice_domain(), order="id")

    def _schedule_payment_attempt(self, invoice, when, trigger=True):
        """Schedule the next attempt to charge ``invoice``."""
        self.ensure_one()
        return self._schedule_payment_attempts([(self, invoice)], when, trigger=trigger)

    @api.model
    def _schedule_payment_attempts(self, pairs, when, trigger=True):
        """Schedule the next attempt to charge each invoice of ``pairs``
        ((subscription, invoice) tuples), in one search and one create for
        the batch: an invoice whose last attempt is still scheduled or
        processing keeps it (brought forward to ``when``), any other gets a
        new attempt numbered after its last one. Returns the attempts, in the
        order of ``pairs``."""
        Attempt = self.env["subscription.payment.attempt"].sudo()
        invoice_ids = list({invoice.id for _sub, invoice in pairs})
        last_by_invoice = {}
        if invoice_ids:
            for attempt in Attempt.search(
                [("invoice_id", "in", invoice_ids)], order="attempt_number desc, id desc"
            ):
                last_by_invoice.setdefault(attempt.invoice_id.id, attempt)
        kept, to_create = {}, {}
        for sub, invoice in pairs:
            if invoice.id in kept or invoice.id in to_create:
                continue
            last = last_by_invoice.get(invoice.id, Attempt)
            if last.state in ("scheduled", "processing"):
                if last.state == "scheduled" and last.scheduled_date > when:
                    last.scheduled_date = when
                kept[invoice.id] = last
            else:
                to_create[invoice.id] = Attempt._prepare_values(
                    sub, invoice, last.attempt_number + 1, when
                )
        created = Attempt.create(list(to_create.values()))
        by_invoice = {**kept, **dict(zip(to_create, created, strict=True))}
        attempts = Attempt.browse([by_invoice[invoice.id].id for _sub, invoice in pairs])
        if trigger and attempts:
            attempts._trigger_processing()
        return attempts

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
        today = self.company_id._subscription_today()
        vals = {}
        if attempt.decline_type == "hard":
            vals["dunning_state"] = "hard_declined"
        elif self.dunning_state == "none":
            vals["dunning_state"] = "in_dunning"
        first_failure = self.dunning_state == "none"
        if first_failure:
            vals.update(dunning_start_date=today, dunning_step_id=False)
        if vals:
            self.sudo().write(vals)
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
            sub.sudo().dunning_state = "in_dunning"
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
            sub.payment_attempt_ids.filtered(lambda a: a.state == "scheduled").sudo().write(
                {"state": "cancelled", "error_message": _("The invoice was paid.")}
            )
            was_dunning = sub.dunning_state != "none"
            if was_dunning:
                sub.sudo().write(
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

    def _get_dunning_policy(self):
        """The policy that applies: the subscription's own, else its
        company's default (set on install, see hooks.py), else the standard
        policy."""
        self.ensure_one()
        return (
            self.dunning_policy_id
            or self.company_id.subscription_dunning_policy_id
            or self.env.ref("subscription_billing.dunning_policy_default", raise_if_not_found=False)
        )

    def _run_dunning_steps(self, today):
        """Run the policy steps due on ``today`` (each step once)."""
        self.ensure_one()
        policy = self._get_dunning_policy()
        if self.dunning_state == "none" or not policy:
            return
        steps = policy._ordered_steps()
        offsets = steps.mapped("day_offset")
        last_done = list(steps).index(self.dunning_step_id) if self.dunning_step_id in steps else -1
        for index in dunning.due_steps(offsets, self.dunning_start_date, today, last_done):
            step = steps[index]
            self._run_dunning_step(step)
            self.sudo().dunning_step_id = step
            last_done = index
            if self.state not in BILLED_STATES or self.dunning_state == "none":
                break
        next_date = dunning.next_date(offsets, self.dunning_start_date, last_done)
        self.sudo().next_dunning_date = next_date if self.dunning_state != "none" else False

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
            self.sudo().write({"dunning_state": "none", "next_dunning_date": False})
        elif step.final_action == "cancel":
            reason = self.env.ref("subscription_core.cancel_reason_payment_failure")
            self.action_cancel(reason.id, feedback=_("Payments failed."), at_period_end=False)

    @api.model
    def _cron_dunning(self, batch_size=500):
        """Run the dunning steps due today, one bounded batch per call; each
        company on its own date (see ``res.company._subscription_today``)."""
        done = remaining = 0
        for company in self._get_engine_companies():
            today = company._subscription_today()
            domain = [
                ("company_id", "=", company.id),
                ("next_dunning_date", "<=", today),
                ("dunning_state", "!=", "none"),
            ]
            subs = company._subscription_env(self)
            if done < batch_size:
                subs = lock_for_processing(
                    subs, domain, batch_size - done, order=("next_dunning_date", "id")
                )
                done += len(subs)
                subs._run_dunning_batch(today)
            remaining += self.search_count(domain)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return {"done": done, "remaining": remaining}

    def _run_dunning_batch(self, today):
        """Run the due steps of each subscription in its own savepoint; a
        failing one is retried the next day and the batch goes on."""
        for sub in self:
            try:
                with self.env.cr.savepoint():
                    sub._run_dunning_steps(today)
            except Exception as error:  # noqa: BLE001 - one record's failure stays its own
                _logger.warning("Dunning failed on %s: %s", sub.name, error)
                with self.env.cr.savepoint():
                    sub.sudo().next_dunning_date = today + timedelta(days=1)
                    sub.message_post(body=_("Dunning step failed: %(error)s", error=str(error)))
