# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import time

from odoo import _, api, models
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
    def _lock_due(self, on_date, limit, company=None):
        """Take up to ``limit`` due subscriptions (of ``company`` when given),
        skipping rows another transaction holds, so that several servers can
        run the engine."""
        domain = self._get_due_domain(on_date)
        if company:
            domain = [("company_id", "=", company.id), *domain]
        return lock_for_processing(self, domain, limit, order=("next_action_date", "id"))

    @api.model
    def _get_batch_limits(
        self, prefix="subscription_core.batch", size=None, default_size=DEFAULT_BATCH_SIZE
    ):
        """(size, deadline) of one batch: at most ``size`` records (system
        parameter ``<prefix>_size``) and ``<prefix>_seconds`` seconds, so that
        one call stays well inside Odoo's default worker limits (60 s CPU,
        120 s real) whatever the hooks add per record."""
        params = self.env["ir.config_parameter"].sudo()
        size = size or int(params.get_param(f"{prefix}_size", default_size))
        seconds = float(params.get_param(f"{prefix}_seconds", DEFAULT_BATCH_SECONDS))
        return size, time.monotonic() + seconds

    @api.model
    def _get_engine_companies(self):
        """Companies whose subscriptions the engine processes, each on its
        own business day (see ``res.company._subscription_today``)."""
        return self.env["res.company"].sudo().search([], order="id")

    @api.model
    def _cron_process_due(self, batch_size=None):
        """Process what is due today, one bounded batch per call: trial ends,
        renewals with their scheduled changes, cancellations at period end,
        pause ends and fixed-term expiries. "Today" is each company's date in
        its subscription timezone: companies are processed one after the
        other, each with its own date and timezone. A failing subscription
        is rolled back, flagged with an activity and left for the company's
        next day while the batch goes on (``_process_due_batch``). Progress
        is reported to the cron runner, which commits and calls again while
        work remains; when a company has nothing left, the cron is triggered
        at the start (local midnight) of its next due date."""
        batch_size, deadline = self._get_batch_limits(size=batch_size)
        done = failed = remaining = 0
        for company in self._get_engine_companies():
            today = company._subscription_today()
            engine = company._subscription_env(self)
            if done < batch_size and not (done and time.monotonic() >= deadline):
                subs = engine._lock_due(today, batch_size - done, company)
                # Read the locked rows afresh, in one query for the whole batch.
                subs.invalidate_recordset()
                subs.fetch(self._get_process_due_fields())
                batch_done, batch_failed = subs._process_due_batch(today, deadline, done)
                done += batch_done
                failed += batch_failed
            left = engine.search_count(
                [("company_id", "=", company.id), *self._get_due_domain(today)]
            )
            remaining += left
            if not left:
                engine._schedule_next_run(today, company)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return {"done": done, "failed": failed, "remaining": remaining}

    def _process_due_batch(self, today, deadline, started=0):
        """Run ``_process_due`` on these subscriptions in turn until
        ``deadline`` (at least one when nothing was ``started`` before them).
        Returns the counts of subscriptions processed and failed.

        The subscriptions run in one savepoint, flushed once at its end. When
        one fails in it (or the flush does), the savepoint is rolled back and
        those it had run, the failing one included, run again each in its
        own savepoint: a failing subscription is then rolled back, flagged
        with an activity and left for the company's next day, exactly as if
        each had always run alone; the rest of the batch then goes on in one
        savepoint again. A batch without failure (the common case) thus
        saves a savepoint and a flush per subscription, and no subscription
        runs more than twice."""
        done = failed = 0
        todo = list(self)
        while todo:
            attempted = []
            try:
                with self.env.cr.savepoint():
                    for sub in todo:
                        if (started or done or attempted) and time.monotonic() >= deadline:
                            break
                        attempted.append(sub)
                        sub._process_due(today)
            except Exception as error:  # noqa: BLE001 - redone one by one below
                _logger.info(
                    "Renewal batch: %d subscription(s) redone one by one after a failure: %s",
                    len(attempted),
                    error,
                )
            else:
                return done + len(attempted), failed
            redo = self.browse([sub.id for sub in attempted])
            redo.invalidate_recordset()
            redo.fetch(self._get_process_due_fields())
            for sub in redo:
                done += 1
                try:
                    with self.env.cr.savepoint():
                        sub._process_due(today)
                except Exception as error:  # noqa: BLE001 - one record's failure stays its own
                    _logger.warning("Renewal engine failed on %s: %s", sub.name, error)
                    failed += 1
                    sub._flag_process_error(error, today)
            todo = todo[len(attempted) :]
        return done, failed

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
    def _schedule_next_run(self, today, company):
        """Trigger the engine at the start, in the company's timezone, of the
        company's next due date (tomorrow when a subscription failed today)."""
        self.flush_model(["next_action_date", "state", "company_id"])
        self.env.cr.execute(
            SQL(
                "SELECT MIN(GREATEST(next_action_date, %s::date + 1)) FROM %s "
                "WHERE company_id = %s AND next_action_date IS NOT NULL AND state IN %s",
                today,
                SQL.identifier(self._table),
                company.id,
                DUE_STATES,
            )
        )
        next_date = self.env.cr.fetchone()[0]
        if next_date:
            cron = self.env.ref(
                "subscription_core.ir_cron_subscription_process_due", raise_if_not_found=False
            )
            if cron:
                cron._trigger(at=company._subscription_day_start(next_date))

    # === BACKDATED START ===#

    def _on_lifecycle_done(self):
        """A subscription started with a date in the past catches up at once:
        the periods elapsed since then start in turn, before the follow-up
        work of the action (invoicing, in subscription_billing)."""
        self._catch_up_elapsed()
        return super()._on_lifecycle_done()

    def _catch_up_elapsed(self):
        """Roll subscriptions just started (their last event is the start)
        with a start date in the past up to the company's today, as the
        renewal engine would: each elapsed period starts in turn (and is
        billed by subscription_billing)."""
        overdue = self.filtered(
            lambda s: (
                s.next_action_date and s.next_action_date <= s.company_id._subscription_today()
            )
        )
        if not overdue:
            return
        last_events = dict(
            self.env["subscription.event"]
            .sudo()
            ._read_group([("subscription_id", "in", overdue.ids)], ["subscription_id"], ["id:max"])
        )
        starts = self.env["subscription.event"].sudo().browse(last_events.values())
        started = starts.filtered(
            lambda e: e.event_type in ("trial_started", "activated")
        ).subscription_id
        for sub in overdue & started:
            sub.company_id._subscription_env(sub)._process_due(sub.company_id._subscription_today())
