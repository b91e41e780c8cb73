# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import time
from datetime import datetime

from odoo import _, api, fields, models
from odoo.tools import SQL

from .locking import lock_for_processing
from .subscription_subscription import (
    DEFAULT_BATCH_SECONDS,
    DEFAULT_BATCH_SIZE,
    DUE_STATES,
    MAX_CATCH_UP,
)

_logger = logging.getLogger(__name__)


class SubscriptionSubscription(models.Model):
    """The renewal engine (scheduled action)."""

    _inherit = "subscription.subscription"

    # === RENEWAL ENGINE ===#

    @api.model
    def _get_due_domain(self, on_date):
        """Subscriptions the renewal engine must process on ``on_date``."""
        return [
            ("next_action_date", "<=", on_date),
            ("state", "in", DUE_STATES),
            "|",
            ("process_error_date", "=", False),
            ("process_error_date", "<", on_date),
        ]

    @api.model
    def _lock_due(self, on_date, limit):
        """Take up to ``limit`` due subscriptions, skipping rows another
        transaction holds, so that several servers can run the engine."""
        return lock_for_processing(
            self, self._get_due_domain(on_date), limit, order=("next_action_date", "id")
        )

    @api.model
    def _cron_process_due(self, batch_size=None):
        """Process what is due today, one bounded batch per call: trial ends,
        renewals with their scheduled changes, cancellations at period end,
        pause ends and fixed-term expiries. Each subscription runs in its own
        savepoint; a failing one is rolled back, flagged with an activity and
        left for tomorrow while the batch goes on. Progress is reported to
        the cron runner, which commits and calls again while work remains."""
        batch_size = batch_size or int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("subscription_core.batch_size", DEFAULT_BATCH_SIZE)
        )
        # A batch also stops after this many seconds, so that one call stays
        # well inside Odoo's default worker limits (60 s CPU, 120 s real)
        # whatever the hooks add per subscription (invoices, charges).
        time_budget = float(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("subscription_core.batch_seconds", DEFAULT_BATCH_SECONDS)
        )
        deadline = time.monotonic() + time_budget
        today = fields.Date.context_today(self)
        subs = self._lock_due(today, batch_size)
        # Read the locked rows afresh, in one query for the whole batch.
        subs.invalidate_recordset()
        subs.fetch(self._get_process_due_fields())
        failed = self.browse()
        done = 0
        for sub in subs:
            if done and time.monotonic() >= deadline:
                break
            done += 1
            try:
                with self.env.cr.savepoint():
                    sub._process_due(today)
            except Exception as error:  # noqa: BLE001 - one record's failure stays its own
                _logger.warning("Renewal engine failed on %s: %s", sub.name, error)
                failed |= sub
                sub._flag_process_error(error, today)
        remaining = self.search_count(self._get_due_domain(today))
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if not remaining:
            self._schedule_next_run(today)
        return {"done": done, "failed": len(failed), "remaining": remaining}

    @api.model
    def _get_process_due_fields(self):
        """Fields the renewal engine reads, prefetched once per batch."""
        return [
            "state",
            "next_action_date",
            "trial_end_date",
            "current_period_start",
            "current_period_end",
            "period_anchor_date",
            "date_start",
            "date_end",
            "auto_renew",
            "cancel_at_period_end",
            "cancel_reason_id",
            "has_pending_change",
            "pause_until",
            "cycle_id",
            "tier_id",
            "partner_id",
            "company_id",
            "currency_id",
            "mrr_company",
            "recurring_amount",
            "process_error",
        ]

    def _process_due(self, today):
        """Catch up everything due on or before ``today``."""
        self.ensure_one()
        for _step in range(MAX_CATCH_UP):
            due = self.next_action_date
            if not due or due > today or self.state not in DUE_STATES:
                break
            if self.state == "trial":
                if self.cancel_at_period_end:
                    self._end("cancelled", due, {})
                else:
                    self._activate(due)
            elif self.state == "paused":
                self._resume(due)
            elif self.cancel_at_period_end:
                self._end("cancelled", due, {})
            elif (self.date_end and due >= self.date_end) or not self.auto_renew:
                self._end("expired", due, {})
            else:
                self._renew(due)
        if self.process_error:
            self.write({"process_error": False, "process_error_date": False})

    def _flag_process_error(self, error, today):
        self.ensure_one()
        message = str(error) or error.__class__.__name__
        with self.env.cr.savepoint():
            self.write({"process_error": message, "process_error_date": today})
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Renewal failed"),
                note=message,
                user_id=(self.user_id or self.env.ref("base.user_admin")).id,
            )

    @api.model
    def _schedule_next_run(self, today):
        self.flush_model(["next_action_date", "state"])
        self.env.cr.execute(
            SQL(
                "SELECT MIN(next_action_date) FROM %s WHERE next_action_date > %s AND state IN %s",
                SQL.identifier(self._table),
                today,
                DUE_STATES,
            )
        )
        next_date = self.env.cr.fetchone()[0]
        if next_date:
            cron = self.env.ref(
                "subscription_core.ir_cron_subscription_process_due", raise_if_not_found=False
            )
            if cron:
                cron._trigger(at=datetime.combine(next_date, datetime.min.time()))
