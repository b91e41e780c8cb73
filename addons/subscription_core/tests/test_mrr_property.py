# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Property test: after any sequence of public operations, the events'
``mrr_delta`` of a subscription sum to its ``mrr_company``, and every change
of state went through the transition table."""

from contextlib import closing
from datetime import date, timedelta
from unittest.mock import patch

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged

from ..tools import transitions
from .common import SubscriptionCommon

STEPS = st.one_of(
    st.tuples(st.just("advance"), st.integers(min_value=1, max_value=45)),
    st.tuples(
        st.just("change"),
        st.sampled_from(
            ["up", "down", "seats_up", "seats_down", "addon_add", "addon_remove", "cycle"]
        ),
        st.sampled_from(["now", "period_end"]),
    ),
    st.tuples(st.just("pause"), st.booleans()),
    st.tuples(st.just("resume")),
    st.tuples(st.just("cancel"), st.booleans()),
    st.tuples(st.just("undo")),
    st.tuples(st.just("reactivate")),
    st.tuples(st.just("payment_failed")),
    st.tuples(st.just("payment_recovered")),
    st.tuples(st.just("suspended")),
)


@tagged("post_install", "-at_install")
class TestMrrLedgerProperty(SubscriptionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tiers = cls.tier_basic | cls.tier_pro | cls.tier_enterprise

    # --- the steps ------------------------------------------------------------

    def _change(self, sub, what, effective):
        tiers = self.tiers.sorted("sequence")
        index = list(tiers).index(sub.tier_id)
        addons = {line.addon_id.id: line.quantity for line in sub.addon_line_ids}
        kwargs = {}
        if what == "up" and index + 1 < len(tiers):
            kwargs["tier_id"] = tiers[index + 1].id
        elif what == "down" and index > 0:
            kwargs["tier_id"] = tiers[index - 1].id
        elif what == "seats_up":
            kwargs["quantity"] = sub.quantity + 2
        elif what == "seats_down" and sub.quantity > 1:
            kwargs["quantity"] = sub.quantity - 1
        elif what == "addon_add":
            addons[self.addon_storage.id] = addons.get(self.addon_storage.id, 0) + 1
            kwargs["addons"] = addons
        elif what == "addon_remove" and addons:
            kwargs["addons"] = {}
        elif what == "cycle":
            kwargs["cycle_id"] = (
                self.quarterly if sub.cycle_id == self.monthly else self.monthly
            ).id
        if kwargs:
            sub.change_plan(effective=effective, **kwargs)

    def _apply(self, sub, step, today):
        kind = step[0]
        if kind == "change":
            self._change(sub, step[1], step[2])
        elif kind == "pause":
            sub.action_pause(until=today + timedelta(days=10) if step[1] else None)
        elif kind == "resume":
            sub.action_resume()
        elif kind == "cancel":
            sub.action_cancel(self.reason.id, at_period_end=step[1])
        elif kind == "undo":
            sub.action_undo_cancel()
        elif kind == "reactivate":
            sub.action_reactivate()
        elif kind == "payment_failed":
            sub._set_past_due(note="test")
        elif kind == "payment_recovered":
            sub._set_recovered(note="test")
        elif kind == "suspended":
            sub._set_suspended(note="test")

    # --- the checks -----------------------------------------------------------

    def _check(self, sub, state_before, moves, step):
        sub.invalidate_recordset()
        total = sum(sub.event_ids.mapped("mrr_delta"))
        self.assertAlmostEqual(
            total,
            sub.mrr_company,
            places=2,
            msg=f"after {step}: the ledger sums to {total}, the MRR is {sub.mrr_company}",
        )
        state = state_before
        for old, new, event_type in moves:
            self.assertEqual(old, state, f"after {step}: a state change bypassed the gate")
            self.assertIsNone(transitions.check_transition(old, new, event_type), step)
            state = new
        self.assertEqual(state, sub.state, f"after {step}: the state changed outside the gate")
        moves.clear()

    def _run(self, tier, cycle, steps):
        Sub = type(self.env["subscription.subscription"])
        original = Sub._change_state
        moves = []

        def change_state(records, new_state, event_type, vals=None, **event_vals):
            old = records.state
            event = original(records, new_state, event_type, vals, **event_vals)
            moves.append((old, new_state, event_type))
            return event

        today = date(2028, 1, 31)
        with patch.object(Sub, "_change_state", change_state):
            with freeze_time(today):
                sub = self._new_subscription(tier=tier, cycle=cycle, date_start=today)
                sub.action_start()
            self._check(sub, "draft", moves, "start")
            for step in steps:
                state_before = sub.state
                if step[0] == "advance":
                    today += timedelta(days=step[1])
                    with freeze_time(today):
                        self.env["subscription.subscription"]._cron_process_due()
                else:
                    with freeze_time(today):
                        try:
                            with self.env.cr.savepoint():
                                self._apply(sub, step, today)
                        except (UserError, ValidationError):
                            # Refused as a whole: nothing was written.
                            moves.clear()
                self._check(sub, state_before, moves, step)

    @settings(
        max_examples=40,
        derandomize=True,
        deadline=None,
        database=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )
    # Every kind of step at least once, whatever the generated examples are.
    @example(
        tier="basic",
        cycle="monthly",
        steps=[
            ("change", "up", "now"),
            ("change", "seats_up", "period_end"),
            ("advance", 40),
            ("change", "addon_add", "now"),
            ("change", "down", "period_end"),
            ("pause", True),
            ("advance", 5),
            ("resume",),
            ("payment_failed",),
            ("suspended",),
            ("payment_recovered",),
            ("cancel", True),
            ("undo",),
            ("change", "cycle", "now"),
            ("change", "seats_down", "now"),
            ("change", "addon_remove", "now"),
            ("cancel", False),
            ("reactivate",),
            ("pause", False),
            ("advance", 100),
        ],
    )
    @example(
        tier="enterprise",
        cycle="yearly",
        steps=[("change", "down", "now"), ("advance", 20), ("cancel", True), ("advance", 400)],
    )
    @given(
        tier=st.sampled_from(["basic", "pro", "enterprise"]),
        cycle=st.sampled_from(["monthly", "quarterly", "yearly"]),
        steps=st.lists(STEPS, min_size=1, max_size=12),
    )
    def test_ledger_sums_to_mrr_after_any_sequence(self, tier, cycle, steps):
        # One savepoint per example: each starts from the same database.
        with closing(self.env.cr.savepoint()):
            self._run(getattr(self, f"tier_{tier}"), getattr(self, cycle), steps)
