# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools import periods

_logger = logging.getLogger(__name__)


class SubscriptionSubscription(models.Model):
    """Lifecycle: the public actions, the state gate and the ledger."""

    _inherit = "subscription.subscription"

    # === ACTION METHODS ===#

    def action_start(self):
        """Start draft subscriptions: into trial when the tier offers one,
        otherwise straight to active. The start date is ``date_start`` (today
        when empty); it cannot lie in the future."""
        today = fields.Date.context_today(self)
        for sub in self:
            sub._check_state(("draft",), _("start"))
            start = sub.date_start or today
            if start > today:
                raise UserError(
                    _(
                        "%(name)s starts on %(date)s: it can be started from that day on.",
                        name=sub.name,
                        date=start,
                    )
                )
            sub._lock_catalog_prices()
            if sub.tier_id.trial_days > 0:
                trial_end = start + timedelta(days=sub.tier_id.trial_days)
                if sub.date_end and trial_end > sub.date_end:
                    trial_end = sub.date_end
                sub._change_state(
                    "trial",
                    "trial_started",
                    {
                        "date_start": start,
                        "trial_end_date": trial_end,
                        "current_period_start": start,
                        "current_period_end": trial_end,
                    },
                )
            else:
                sub.sudo().write({"date_start": start})
                sub._activate(start)
        self._on_lifecycle_done()
        return True

    def action_activate(self):
        """Activate draft or trial subscriptions today (ends a trial early)."""
        today = fields.Date.context_today(self)
        for sub in self:
            sub._check_state(("draft", "trial"), _("activate"))
            if sub.state == "draft":
                sub._lock_catalog_prices()
                if not sub.date_start or sub.date_start > today:
                    sub.sudo().write({"date_start": today})
            sub._activate(today)
        self._on_lifecycle_done()
        return True

    def action_pause(self, until=None):
        """Pause active subscriptions, optionally until a date (the day they
        resume). A pause stops the service and the MRR; the unused part of
        the current period is recorded on the event as a credit."""
        today = fields.Date.context_today(self)
        until = fields.Date.to_date(until) if until else False
        if until and until <= today:
            raise UserError(_("A pause must end after today."))
        for sub in self:
            sub._check_state(("active",), _("pause"))
            if sub.cancel_at_period_end:
                raise UserError(
                    _("%(name)s is cancelling at period end: it cannot be paused.", name=sub.name)
                )
            if until and sub.date_end and until >= sub.date_end:
                raise UserError(
                    _(
                        "%(name)s ends on %(date)s: the pause must end before.",
                        name=sub.name,
                        date=sub.date_end,
                    )
                )
            credit = sub._pause_credit(today)
            event = sub._apply_transition(
                "paused",
                {"state": "paused", "pause_until": until},
                amount_credit=credit,
            )
            sub._on_paused(event)
        self._on_lifecycle_done()
        return True

    def action_resume(self):
        """Resume paused subscriptions today: a new period starts today."""
        today = fields.Date.context_today(self)
        for sub in self:
            sub._check_state(("paused",), _("resume"))
            sub._resume(today)
        self._on_lifecycle_done()
        return True

    def action_cancel(self, reason_id, feedback=None, at_period_end=True):
        """Cancel subscriptions for a reason (a ``subscription.cancel.reason``
        id or record, required). With ``at_period_end`` (the default) running
        subscriptions keep their service until the end of the period; paused,
        suspended and draft ones, or ``at_period_end=False``, end today."""
        reason = self._get_cancel_reason(reason_id)
        today = fields.Date.context_today(self)
        feedback = (feedback or "").strip() or False
        for sub in self:
            sub._check_state(
                ("draft", "trial", "active", "past_due", "paused", "suspended"),
                _("cancel"),
            )
            if at_period_end and sub.state in ("trial", "active", "past_due"):
                if sub.cancel_at_period_end:
                    raise UserError(
                        _("%(name)s is already cancelling at the end of its period.", name=sub.name)
                    )
                sub._apply_transition(
                    "cancel_scheduled",
                    {
                        "cancel_at_period_end": True,
                        "cancel_reason_id": reason.id,
                        "cancel_feedback": feedback,
                    },
                    reason_id=reason.id,
                    note=feedback,
                )
            else:
                credit = sub._cancel_credit(today)
                sub._end(
                    "cancelled",
                    today,
                    {"cancel_reason_id": reason.id, "cancel_feedback": feedback},
                    amount_credit=credit,
                )
        self._on_lifecycle_done()
        return True

    def action_reactivate(self):
        """Undo a scheduled cancellation, or restart a cancelled, expired or
        suspended subscription as a new period starting today at the current
        catalog prices."""
        today = fields.Date.context_today(self)
        for sub in self:
            if sub.cancel_at_period_end and sub.state in ("trial", "active", "past_due"):
                sub._apply_transition(
                    "reactivated",
                    {
                        "cancel_at_period_end": False,
                        "cancel_reason_id": False,
                        "cancel_feedback": False,
                    },
                )
                continue
            sub._check_state(("cancelled", "expired", "suspended"), _("reactivate"))
            if sub.date_end and sub.date_end <= today:
                raise UserError(
                    _(
                        "%(name)s had a fixed term ending on %(date)s: clear or "
                        "extend the end date before reactivating it.",
                        name=sub.name,
                        date=sub.date_end,
                    )
                )
            sub.sudo()._lock_catalog_prices()
            sub._start_period(
                "reactivated",
                today,
                {
                    "cancel_at_period_end": False,
                    "cancel_reason_id": False,
                    "cancel_feedback": False,
                    "cancel_date": False,
                    "pause_until": False,
                },
            )
        self._on_lifecycle_done()
        return True

    def action_undo_cancel(self):
        """Withdraw a scheduled cancellation (see ``action_reactivate``)."""
        for sub in self:
            if not sub.cancel_at_period_end:
                raise UserError(_("%(name)s has no scheduled cancellation to undo.", name=sub.name))
        return self.action_reactivate()

    def action_cancel_pending_change(self):
        """Drop a change scheduled for the end of the period."""
        self.check_access("write")
        self.sudo().write(self._pending_reset_values())
        self._on_lifecycle_done()
        return True

    def action_view_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "subscription_core.subscription_event_action"
        )
        action["domain"] = [("subscription_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    # === LIFECYCLE (INTERNAL) ===#

    def _check_state(self, allowed, verb):
        self.ensure_one()
        if self.state not in allowed:
            state_labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                _(
                    "You cannot %(verb)s %(name)s while it is %(state)s (allowed: %(allowed)s).",
                    verb=verb,
                    name=self.name,
                    state=state_labels[self.state],
                    allowed=", ".join(state_labels[s] for s in allowed),
                )
            )

    @api.model
    def _get_cancel_reason(self, reason_id):
        if isinstance(reason_id, models.BaseModel):
            reason_id = reason_id.id
        if not reason_id:
            raise UserError(_("A cancellation reason is required."))
        reason_id = self._parse_quantity(reason_id, _("Cancellation reason"))
        reason = self.env["subscription.cancel.reason"].sudo().browse(reason_id).exists()
        if not reason:
            raise UserError(_("The cancellation reason %(id)s does not exist.", id=reason_id))
        return reason

    def _period_end_from(self, anchor, start):
        end = periods.next_period_end(
            anchor, self.cycle_id.interval_unit, self.cycle_id.interval_count, start
        )
        return periods.clip_end(end, self.date_end or None)

    def _activate(self, on_date):
        """Active from ``on_date``: the first paid period starts. A trial
        ended early ends on ``on_date`` (``trial_end_date`` is the first day
        after the trial, the day billing starts)."""
        self.ensure_one()
        trial_end = self.trial_end_date
        if trial_end and on_date < trial_end:
            trial_end = on_date
        return self._start_period("activated", on_date, {"trial_end_date": trial_end})

    def _resume(self, on_date):
        """Resume on ``on_date``: under the 'extend' pause policy the paid
        period continues (shifted by the days paused, see
        ``_extended_period_values``); otherwise a new period starts."""
        self.ensure_one()
        extended = self._extended_period_values(on_date)
        if extended:
            return self._apply_transition(
                "resumed",
                {"state": "active", "pause_until": False, **extended},
                effective_date=on_date,
            )
        return self._start_period("resumed", on_date, {"pause_until": False})

    def _start_period(self, event_type, on_date, extra_vals):
        """Move to active with a new billing anchor on ``on_date``."""
        self.ensure_one()
        if self.date_end and on_date >= self.date_end:
            return self._end("expired", self.date_end, {})
        vals = {
            "period_anchor_date": on_date,
            "current_period_start": on_date,
            "current_period_end": self._period_end_from(on_date, on_date),
            **extra_vals,
        }
        event = self._change_state("active", event_type, vals, effective_date=on_date)
        self._on_period_started(event)
        return event

    def _renew(self, on_date):
        """Roll over to the period starting on ``on_date`` (the end of the
        current one), applying a scheduled change first."""
        self.ensure_one()
        events = self.env["subscription.event"]
        if self.has_pending_change:
            plan = self._pending_plan()
            lines = self._plan_lines(plan)
            if self._plan_differs(plan, lines):
                preview = self._compute_change(plan, "now")
                preview.update(
                    credit=0.0,
                    charge=0.0,
                    net=0.0,
                    amount_untaxed=0.0,
                    amount_tax=0.0,
                    amount_total=0.0,
                )
                cycle_changes = plan["cycle"] != self.cycle_id
                events |= self._apply_change(plan, preview)
                if cycle_changes:
                    # _apply_change started a period today: restart it on the
                    # renewal date instead.
                    self.sudo().write({"period_anchor_date": on_date})
            else:
                self.sudo().write(self._pending_reset_values())
        anchor = self.period_anchor_date or self.date_start
        try:
            end = self._period_end_from(anchor, on_date)
        except ValueError:
            # The renewal date is not on the anchored schedule (e.g. a plan
            # change restarted the period): anchor the schedule on it.
            anchor = on_date
            self.sudo().write({"period_anchor_date": on_date})
            end = self._period_end_from(anchor, on_date)
        # A renewal moves only untracked period dates: skip the tracking
        # bookkeeping, which would cost more than the renewal itself.
        renewed = (
            self.with_context(tracking_disable=True)
            ._apply_transition(
                "renewed",
                {"current_period_start": on_date, "current_period_end": end},
                effective_date=on_date,
            )
            .with_env(self.env)
        )
        events |= renewed
        self._on_period_started(renewed)
        return events

    def _end(self, final_state, on_date, extra_vals, **event_vals):
        """Cancel or expire on ``on_date``."""
        self.ensure_one()
        vals = {
            "cancel_at_period_end": False,
            **self._pending_reset_values(),
            **extra_vals,
        }
        if final_state == "cancelled":
            vals["cancel_date"] = on_date
        elif not self.date_end or self.date_end > on_date:
            vals["date_end"] = on_date
        vals.setdefault("cancel_reason_id", self.cancel_reason_id.id)
        event = self._change_state(
            final_state,
            final_state,
            vals,
            effective_date=on_date,
            reason_id=vals.get("cancel_reason_id") or False,
            **event_vals,
        )
        self._on_ended(event)
        return event

    def _demo_start(self):
        """Demo data: start subscriptions at their (past) start date and roll
        them up to today as the renewal engine would have."""
        self.action_start()
        today = fields.Date.context_today(self)
        for sub in self:
            sub._process_due(today)
        self._on_lifecycle_done()

    # === PAYMENT STATES (used by subscription_billing) ===#

    def _set_past_due(self, note=None):
        """A payment failed: active → past due (idempotent)."""
        for sub in self.filtered(lambda s: s.state == "active"):
            sub._change_state("past_due", "payment_failed", note=note)

    def _set_recovered(self, note=None):
        """A late payment came in: past due or suspended → active."""
        for sub in self.filtered(lambda s: s.state in ("past_due", "suspended")):
            sub._change_state("active", "payment_recovered", note=note)

    def _set_suspended(self, note=None):
        """Dunning gave up: past due → suspended (no service, no MRR)."""
        for sub in self.filtered(lambda s: s.state == "past_due"):
            sub._change_state("suspended", "suspended", note=note)

    # === HOOKS ===#

    def _on_period_started(self, event):
        """Called when a billed period begins: activation, renewal, resume,
        reactivation. ``event`` is the ledger entry; the period is
        ``current_period_start``/``current_period_end``. Override to invoice
        and charge the period (subscription_billing does)."""

    def _on_paused(self, event):
        """Called after a pause; ``event.amount_credit`` is the unused part
        of the paid period under the 'credit' pause policy (0 under
        'extend'). Override to credit it (subscription_billing does)."""

    def _on_plan_changed(self, event, preview):
        """Called after a plan change applied now on a running subscription.
        ``preview`` holds the proration (``credit``, ``charge``, ``net``) also
        stored on ``event``. Override to invoice the proration."""

    def _on_ended(self, event):
        """Called when a subscription is cancelled or expires."""
