# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Property test: over a random year of operations on one subscription, what
is billed (posted invoices less posted credit notes, before tax) equals the
price of each day of service given, per the proration rules of
subscription_core/tools/proration.py: a day of a period is worth the period's
amount divided by its length in days, at the plan of that day."""

from contextlib import closing
from datetime import date, timedelta
from fractions import Fraction
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged

from .common import BillingCommon

SERVED_STATES = ("active", "past_due")

OPERATIONS = st.sampled_from(
    [
        "upgrade",
        "downgrade_now",
        "downgrade_later",
        "seats_up",
        "seats_down",
        "addon_add",
        "addon_remove",
        "cycle",
        "pause",
        "pause_until",
        "resume",
        "cancel_now",
        "cancel_later",
        "reactivate",
    ]
)
# Start days: month ends, a leap day, the day before one, a plain day.
STARTS = st.sampled_from(
    [
        date(2027, 1, 31),
        date(2027, 12, 31),
        date(2028, 2, 28),
        date(2028, 2, 29),
        date(2027, 3, 31),
        date(2027, 8, 30),
        date(2027, 5, 14),
    ]
)


@tagged("post_install", "-at_install")
class TestBilledEqualsServed(BillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.subscription_credit_on_cancel = True

    # --- operations --------------------------------------------------------

    def _operate(self, sub, operation, today, rnd):
        tiers = (self.tier_basic | self.tier_pro).sorted("sequence")
        other_tier = (tiers - sub.tier_id)[:1]
        addons = {line.addon_id.id: line.quantity for line in sub.addon_line_ids}
        if operation == "upgrade":
            sub.change_plan(tier_id=self.tier_pro.id, effective="now")
        elif operation == "downgrade_now":
            sub.change_plan(tier_id=other_tier.id, quantity=1, effective="now")
        elif operation == "downgrade_later":
            sub.change_plan(tier_id=self.tier_basic.id, effective="period_end")
        elif operation == "seats_up":
            sub.change_plan(quantity=sub.quantity + 1 + rnd % 3, effective="now")
        elif operation == "seats_down":
            sub.change_plan(quantity=max(1, sub.quantity - 1), effective="now")
        elif operation == "addon_add":
            addons[self.addon_storage.id] = addons.get(self.addon_storage.id, 0) + 1
            sub.change_plan(addons=addons, effective="now")
        elif operation == "addon_remove":
            sub.change_plan(addons={}, effective="now")
        elif operation == "cycle":
            cycles = [self.monthly, self.quarterly, self.yearly]
            cycle = [c for c in cycles if c != sub.cycle_id][rnd % 2]
            sub.change_plan(cycle_id=cycle.id, effective="now")
        elif operation == "pause":
            sub.action_pause()
        elif operation == "pause_until":
            sub.action_pause(until=today + timedelta(days=1 + rnd % 40))
        elif operation == "resume":
            sub.action_resume()
        elif operation == "cancel_now":
            sub.action_cancel(self.reason.id, at_period_end=False)
        elif operation == "cancel_later":
            sub.action_cancel(self.reason.id)
        elif operation == "reactivate":
            sub.action_reactivate()

    # --- the model of service ------------------------------------------------

    def _day_price(self, sub):
        """Price of one day of service today (a Fraction), or 0."""
        if sub.state not in SERVED_STATES:
            return Fraction(0)
        length = (sub.current_period_end - sub.current_period_start).days
        return Fraction(str(sub.recurring_amount)) / length

    def _billed(self, sub):
        moves = sub.invoice_ids.filtered(lambda m: m.state == "posted")
        billed = sum(
            (m.amount_untaxed if m.move_type == "out_invoice" else -m.amount_untaxed) for m in moves
        )
        return billed, len(moves)

    def _run(self, start, cycle, pause_policy, proration_mode, plan):
        self.company.subscription_pause_policy = pause_policy
        self.company.subscription_proration_mode = proration_mode
        sub = self._billed_subscription(on=start, cycle=cycle, quantity=2)
        Sub = type(sub)
        due_domain = Sub._get_due_domain

        def only_this_one(records, on_date):
            return [*due_domain(records, on_date), ("id", "=", sub.id)]

        horizon = start + timedelta(days=366)
        operations = {}
        for offset, operation, rnd in plan:
            operations.setdefault(start + timedelta(days=offset), []).append((operation, rnd))
        served = Fraction(0)
        today = start
        log = []
        with patch.object(Sub, "_get_due_domain", only_this_one):
            while True:
                with freeze_time(today):
                    for operation, rnd in operations.get(today, []):
                        try:
                            with self.env.cr.savepoint():
                                self._operate(sub, operation, today, rnd)
                                log.append((today, operation))
                        except (UserError, ValidationError):
                            # Not allowed now: refused as a whole, nothing written.
                            log.append((today, operation, "refused"))
                candidates = [d for d in operations if d > today] + [horizon]
                if sub.next_action_date and sub.next_action_date > today:
                    candidates.append(sub.next_action_date)
                following = min(candidates)
                if sub.state in SERVED_STATES:
                    self.assertLessEqual(following, sub.current_period_end, log)
                served += self._day_price(sub) * (following - today).days
                today = following
                if today >= horizon:
                    break
                self._renew(today)
            with freeze_time(today):
                # Close the account: whatever runs is cancelled now, which
                # credits the paid days not served.
                if sub.state in ("active", "past_due", "paused"):
                    sub.action_cancel(self.reason.id, at_period_end=False)
        for move in sub.invoice_ids:
            self.assertEqual(move.state, "posted", log)
            self.assertGreaterEqual(move.amount_total, 0.0, log)
        self.assertFalse(sub.process_error, log)
        billed, count = self._billed(sub)
        served = float(served)
        self.assertLessEqual(
            abs(billed - served),
            0.01 * count + 1e-6,
            f"billed {billed:.2f}, served {served:.4f}, {count} moves: {log}",
        )

    @settings(
        max_examples=10,
        derandomize=True,
        deadline=None,
        database=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        start=STARTS,
        cycle=st.sampled_from(["monthly", "quarterly", "yearly"]),
        pause_policy=st.sampled_from(["credit", "extend"]),
        proration_mode=st.sampled_from(["immediate", "next_invoice"]),
        plan=st.lists(
            st.tuples(st.integers(min_value=0, max_value=365), OPERATIONS, st.integers(0, 99)),
            min_size=1,
            max_size=14,
        ),
    )
    def test_billed_equals_served(self, start, cycle, pause_policy, proration_mode, plan):
        with closing(self.env.cr.savepoint()):
            self._run(start, getattr(self, cycle), pause_policy, proration_mode, plan)
