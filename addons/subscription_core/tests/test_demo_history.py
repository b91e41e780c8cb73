# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import freeze_time, tagged

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestDemoHistory(SubscriptionCommon):
    """The demo loader plays a history through the public methods, each step
    on the day it represents, so events and periods carry those dates in
    order; the clock is back to now afterwards."""

    def _history(self):
        return [
            (relativedelta(months=3), "test_demo_history_sub", "create", [{
                "partner_id": self.customer.id, "tier_id": self.tier_basic.id,
                "cycle_id": self.monthly.id, "quantity": 1,
            }]),
            (relativedelta(months=3), "test_demo_history_sub", "action_start", []),
            (40, "test_demo_history_sub", "change_plan", [], {"tier_id": self.tier_pro.id}),
            (10, "test_demo_history_sub", "action_pause", [], {"until": date(2026, 12, 20)}),
        ]  # fmt: skip

    @freeze_time("2026-12-02 10:30:00")
    def test_history_is_dated_in_order(self):
        subs = self.env["subscription.subscription"]._demo_play(self._history())
        self.assertEqual(len(subs), 1)
        self.assertEqual(subs, self.env.ref("subscription_core.test_demo_history_sub"))
        self.assertEqual(subs.date_start, date(2026, 9, 2))
        events = subs.event_ids.sorted(lambda e: (e.date, e.id))
        self.assertEqual(events, subs.event_ids.sorted("id"), "dates follow the order of events")
        self.assertEqual(
            [(e.event_type, e.date.date()) for e in events],
            [
                ("created", date(2026, 9, 2)),
                ("activated", date(2026, 9, 2)),
                ("renewed", date(2026, 10, 2)),
                ("upgraded", date(2026, 10, 23)),
                ("renewed", date(2026, 11, 2)),
                ("paused", date(2026, 11, 22)),
            ],
        )
        renewals = events.filtered(lambda e: e.event_type == "renewed")
        self.assertEqual(renewals.mapped("effective_date"), [date(2026, 10, 2), date(2026, 11, 2)])
        self.assertEqual(subs.state, "paused")
        self.assertEqual(subs.tier_id, self.tier_pro)
        self.assertEqual(subs.pause_until, date(2026, 12, 20))
        # The clock is back to now.
        self.assertEqual(fields.Datetime.now(), datetime(2026, 12, 2, 10, 30))

    @freeze_time("2026-12-02 10:30:00")
    def test_history_is_played_once(self):
        Subscription = self.env["subscription.subscription"]
        Subscription._demo_play(self._history())
        count = Subscription.search_count([])
        history = self._history()
        self.patch(type(Subscription), "_demo_history", lambda self: history)
        self.assertFalse(Subscription._demo_play_history())
        self.assertEqual(Subscription.search_count([]), count)
