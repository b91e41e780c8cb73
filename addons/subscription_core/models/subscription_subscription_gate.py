# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, models
from odoo.exceptions import UserError

from ..tools import transitions


class SubscriptionSubscription(models.Model):
    """The lifecycle gate: the one way to change the state (checked against
    the transition table of ``tools/transitions.py``, written with its ledger
    event), its hooks, and the fields only the public methods may change."""

    _inherit = "subscription.subscription"

    # === PROTECTED FIELDS ===#

    @api.model
    def _get_protected_fields(self):
        """Fields that only the lifecycle and plan methods change once a
        subscription has started, mapped to the public way to change them
        (shown in the error). A direct ``write`` of one of them on a
        non-draft subscription is refused to everyone but the system
        (``env.su``): internal code writes them through ``sudo()``, after
        its own checks. ``state`` is refused on drafts too. Extend to
        protect more fields (subscription_billing adds its dunning fields)."""
        plan = _("change the plan (change_plan)")
        lifecycle = _(
            "use the lifecycle actions (action_start, action_activate, action_pause, "
            "action_resume, action_cancel, action_reactivate)"
        )
        fixed = _("cancel it and start a new subscription")
        return {
            "state": lifecycle,
            "tier_id": plan,
            "cycle_id": plan,
            "quantity": plan,
            "price_unit": plan,
            "addon_line_ids": plan,
            "pending_tier_id": plan,
            "pending_cycle_id": plan,
            "pending_quantity": plan,
            "pending_addons": plan,
            "currency_id": fixed,
            "company_id": fixed,
            "partner_id": fixed,
            "date_start": lifecycle,
            "period_anchor_date": lifecycle,
            "trial_end_date": lifecycle,
            "current_period_start": lifecycle,
            "current_period_end": lifecycle,
            "pause_until": lifecycle,
            "cancel_at_period_end": lifecycle,
            "cancel_date": lifecycle,
            "cancel_reason_id": lifecycle,
        }

    def _check_protected_write(self, vals):
        """Refuse a direct change of a protected field (see
        ``_get_protected_fields``), naming the method to use."""
        if self.env.su:
            return
        protected = self._get_protected_fields()
        names = [fname for fname in vals if fname in protected]
        if not names:
            return
        for sub in self:
            for fname in names:
                if sub.state == "draft" and fname != "state":
                    continue
                if not sub._protected_value_changes(fname, vals[fname]):
                    continue
                raise UserError(
                    _(
                        "%(field)s of %(name)s (%(state)s) cannot be written directly: %(how)s.",
                        field=self._fields[fname]._description_string(self.env),
                        name=sub.display_name,
                        state=dict(self._fields["state"]._description_selection(self.env))[
                            sub.state
                        ],
                        how=protected[fname],
                    )
                )

    def _protected_value_changes(self, fname, value):
        """Whether writing ``value`` would change ``fname`` (writing back the
        same value, as an import may, is harmless)."""
        field = self._fields[fname]
        if field.type in ("one2many", "many2many"):
            return bool(value)
        new = field.convert_to_record(field.convert_to_cache(value, self, validate=False), self)
        return new != self[fname]

    # === THE LIFECYCLE GATE ===#

    def _get_state_transitions(self):
        """The transition table (see ``tools/transitions.py``): override to
        allow more moves, e.g. ``{**super()._get_state_transitions(),
        'paused': {..., 'suspended': ('suspended',)}}``."""
        return transitions.TRANSITIONS

    def _check_transition(self, new_state, event_type):
        """Raise a clear UserError when the table refuses the move."""
        self.ensure_one()
        refusal = transitions.check_transition(
            self.state, new_state, event_type, self._get_state_transitions()
        )
        if not refusal:
            return
        labels = dict(self._fields["state"]._description_selection(self.env))
        allowed = transitions.allowed_targets(self.state, self._get_state_transitions())
        raise UserError(
            _(
                "%(name)s cannot go from %(from)s to %(to)s by %(event)s "
                "(from %(from)s it can go to: %(allowed)s). %(reason)s",
                name=self.display_name,
                to=labels.get(new_state, new_state),
                event=event_type,
                allowed=", ".join(labels.get(s, s) for s in allowed) or _("nothing"),
                reason=refusal[1],
                **{"from": labels.get(self.state, self.state)},
            )
        )

    def _change_state(self, new_state, event_type, vals=None, **event_vals):
        """The one way to change the state of a subscription.

        Checks the move against the transition table, writes ``state`` with
        ``vals`` and appends the ``event_type`` event (with ``event_vals``)
        to the ledger in the same step, then calls ``_on_state_changed``.
        Refused moves raise ``UserError``. Returns the event.
        """
        self.ensure_one()
        old_state = self.state
        self._check_transition(new_state, event_type)
        event = self._write_and_log(event_type, {**(vals or {}), "state": new_state}, **event_vals)
        self._on_state_changed(old_state, new_state, event)
        return event

    def _apply_transition(self, event_type, vals, **event_vals):
        """Write ``vals`` and log exactly one event with the MRR movement,
        for events that do not change the state (renewals, plan changes,
        scheduled cancellations). A ``state`` in ``vals`` is handed to
        ``_change_state``, so that it is checked like any change of state."""
        self.ensure_one()
        if "state" in vals and vals["state"] != self.state:
            vals = dict(vals)
            return self._change_state(vals.pop("state"), event_type, vals, **event_vals)
        return self._write_and_log(event_type, vals, **event_vals)

    def _write_and_log(self, event_type, vals, **event_vals):
        # The caller may run the lifecycle on this record; the protected
        # fields are then written as the system (sudo keeps the user for
        # the chatter and the event).
        self.check_access("write")
        mrr_before = self.mrr_company
        self.sudo().write(vals)
        return self._log_event(event_type, mrr_before, **event_vals)

    def _log_event(self, event_type, mrr_before, **vals):
        """Append one event to the ledger (as the system)."""
        self.ensure_one()
        return self._log_events(event_type, {self: mrr_before}, **vals)

    def _log_events(self, event_type, mrr_before_by_sub, **vals):
        values = []
        for sub, mrr_before in mrr_before_by_sub.items():
            values.append(
                {
                    "subscription_id": sub.id,
                    "event_type": event_type,
                    "mrr_before": mrr_before,
                    "mrr_after": sub.mrr_company,
                    "tier_to_id": sub.tier_id.id,
                    "user_id": self.env.uid,
                    **vals,
                }
            )
        return self.env["subscription.event"].sudo().create(values)

    # === HOOKS ===#

    def _on_state_changed(self, old_state, new_state, event):
        """Called by ``_change_state`` after every change of state, once the
        state and its ``event`` are written. The one hook to react to a
        state (notify, provision, stop charging...): extend it and call
        ``super()``."""

    def _on_lifecycle_done(self):
        """Called once at the end of each public lifecycle action
        (``action_start``, ``action_activate``, ``action_pause``,
        ``action_resume``, ``action_cancel``, ``action_reactivate``,
        ``action_cancel_pending_change``, demo start) with the records it
        acted on. Extend it for follow-up work done in one batch, e.g. to
        invoice the periods the action started (subscription_billing)."""
