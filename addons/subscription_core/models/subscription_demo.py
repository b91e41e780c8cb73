# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Demo data only: the history of the demo subscriptions, played through the
public lifecycle methods on the days it represents.

The lifecycle methods take "today" from the clock (an event is dated when it
happens), so the player moves the clock with freezegun, an Odoo dependency,
inside this loader only: no production code path knows about demo dates. A
database without freezegun gets the same history, dated on the install day.
"""

import contextlib
import logging
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from .subscription_subscription import DUE_STATES

try:
    from freezegun import freeze_time
except ImportError:  # pragma: no cover - freezegun comes with Odoo
    freeze_time = None

_logger = logging.getLogger(__name__)

MODULE = "subscription_core"


class _StillClock:
    """Stand-in for freezegun's clock when it is missing: time stands still."""

    def move_to(self, when):
        return None


class SubscriptionSubscription(models.Model):
    _inherit = "subscription.subscription"

    @api.model
    def _demo_history(self):
        """The demo history, as steps ``(ago, xml id, method, args, kwargs)``:
        ``ago`` (days, or a ``relativedelta``) before the install day, the
        subscription's xml id (without module), then a public method of
        ``subscription.subscription`` and its arguments. ``"create"`` takes
        the values of a new subscription. Steps run oldest first (steps of
        one day in their order); extend to add steps."""

        def ref(xmlid):
            return self.env.ref(xmlid if "." in xmlid else f"{MODULE}.{xmlid}").id

        sophie, liam, nora = (
            ref("user_sophie_demo"),
            ref("user_liam_demo"),
            ref("user_nora_demo"),
        )
        months = relativedelta
        return [
            # Deco Addict: nine months on Basic, then Pro, then add-ons.
            (months(months=9), "subscription_deco_addict", "create", [{
                "partner_id": ref("base.res_partner_2"), "user_id": sophie,
                "tier_id": ref("tier_basic"), "cycle_id": ref("cycle_monthly"),
                "currency_id": ref("base.USD"), "quantity": 3,
            }]),
            (months(months=9), "subscription_deco_addict", "action_start", []),
            (months(months=5, days=3), "subscription_deco_addict", "change_plan", [], {
                "tier_id": ref("tier_pro"), "quantity": 5,
            }),
            (months(months=3), "subscription_deco_addict", "change_plan", [], {
                "addons": {ref("addon_priority_support"): 1, ref("addon_extra_seat"): 3},
            }),
            # Jackson Group: a yearly plan renewed once, then cancelled.
            (months(months=14), "subscription_jackson", "create", [{
                "partner_id": ref("base.res_partner_10"), "user_id": nora,
                "tier_id": ref("tier_pro"), "cycle_id": ref("cycle_yearly"),
                "currency_id": ref("base.USD"), "quantity": 10,
            }]),
            (months(months=14), "subscription_jackson", "action_start", []),
            (45, "subscription_jackson", "action_cancel",
             [ref("cancel_reason_switched"), "Moved to an in-house tool.", False]),
            # Ready Mat: quarterly since half a year, the last payment failed.
            (months(months=6, days=2), "subscription_ready_mat", "create", [{
                "partner_id": ref("base.res_partner_4"), "user_id": liam,
                "tier_id": ref("tier_basic"), "cycle_id": ref("cycle_quarterly"),
                "currency_id": ref("base.USD"), "quantity": 3,
            }]),
            (months(months=6, days=2), "subscription_ready_mat", "action_start", []),
            (2, "subscription_ready_mat", "_set_past_due", [], {"note": "Card declined."}),
            # Joel Willis (the portal demo user): signed up on the portal,
            # then took a second seat and an extra seat add-on.
            (months(months=4, days=10), "subscription_portal_demo", "create", [{
                "partner_id": ref("base.partner_demo_portal"), "user_id": liam,
                "tier_id": ref("tier_basic"), "cycle_id": ref("cycle_monthly"),
                "currency_id": ref("base.USD"), "quantity": 1, "source": "portal",
            }]),
            (months(months=4, days=10), "subscription_portal_demo", "action_start", []),
            (months(months=2, days=10), "subscription_portal_demo", "change_plan", [], {
                "quantity": 2, "addons": {ref("addon_extra_seat"): 1},
            }),
            # Gemini Furniture: a membership in euros, paused for a month.
            (months(months=3, days=12), "subscription_gemini", "create", [{
                "partner_id": ref("base.res_partner_3"), "user_id": nora,
                "tier_id": ref("tier_basic"), "cycle_id": ref("cycle_monthly"),
                "currency_id": ref("base.EUR"), "kind": "membership",
            }]),
            (months(months=3, days=12), "subscription_gemini", "action_start", []),
            (10, "subscription_gemini", "action_pause", [], {
                "until": fields.Date.context_today(self) + timedelta(days=20),
            }),
            # The Wood Corner: monthly deliveries, cancelling at period end.
            (months(months=2, days=20), "subscription_wood_corner", "create", [{
                "partner_id": ref("base.res_partner_18"), "user_id": sophie,
                "tier_id": ref("tier_basic"), "cycle_id": ref("cycle_monthly"),
                "currency_id": ref("base.USD"), "kind": "delivery",
            }]),
            (months(months=2, days=20), "subscription_wood_corner", "action_start", []),
            (8, "subscription_wood_corner", "action_cancel",
             [ref("cancel_reason_too_expensive"), "Budget cuts next quarter.", True]),
            # Azure Interior: an Enterprise trial, and a draft for a branch.
            (4, "subscription_azure_trial", "create", [{
                "partner_id": ref("base.res_partner_12"), "user_id": sophie,
                "tier_id": ref("tier_enterprise"), "cycle_id": ref("cycle_yearly"),
                "currency_id": ref("base.USD"), "quantity": 20,
            }]),
            (4, "subscription_azure_trial", "action_start", []),
            (2, "subscription_draft", "create", [{
                "partner_id": ref("base.res_partner_12"), "user_id": nora,
                "tier_id": ref("tier_basic"), "cycle_id": ref("cycle_yearly"),
                "currency_id": ref("base.USD"), "quantity": 4,
            }]),
        ]  # fmt: skip

    @api.model
    def _demo_history_deferred(self):
        """True when subscription_billing is being installed in the same run
        but is not loaded yet: it plays the history itself, with invoices
        and payments at their dates."""
        billing = (
            self.env["ir.module.module"]
            .sudo()
            .search(
                [
                    ("name", "=", "subscription_billing"),
                    ("state", "in", ("to install", "to upgrade")),
                ]
            )
        )
        return bool(billing) and "subscription.billing.period" not in self.env

    @api.model
    def _demo_play_history(self):
        """Play ``_demo_history`` once (demo data; see the module docstring)."""
        history = self._demo_history()
        if self.env.ref(f"{MODULE}.{history[0][1]}", raise_if_not_found=False):
            return self.browse()  # played already
        if self._demo_history_deferred():
            return self.browse()
        return self._demo_play(history)

    @api.model
    def _demo_play(self, history):
        """Play ``history`` (see ``_demo_history``): each step with the clock
        on its day (steps of one day a minute apart, from 8:00 UTC), the
        renewal engine on each due date in between (6:00), then the engine
        up to today with the clock back to now. Returns the subscriptions created."""
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        steps = []
        for index, (ago, xmlid, method, args, *kwargs) in enumerate(history):
            day = today - (ago if isinstance(ago, relativedelta) else timedelta(days=ago))
            steps.append((day, index, xmlid, method, args, kwargs[0] if kwargs else {}))
        steps.sort(key=lambda step: step[:2])
        if freeze_time is None:
            _logger.info("freezegun is missing: the demo history is dated today")
        subs = self.browse()
        frozen = freeze_time(steps[0][0]) if freeze_time else contextlib.nullcontext(_StillClock())
        with frozen as clock:
            for day, index, xmlid, method, args, kwargs in steps:
                self._demo_catch_up(subs, day, clock)
                clock.move_to(datetime.combine(day, time(8)) + timedelta(minutes=index))
                if method == "create":
                    sub = self.create(*args)
                    self.env["ir.model.data"]._update_xmlids(
                        [{"xml_id": f"{MODULE}.{xmlid}", "record": sub, "noupdate": True}]
                    )
                    subs |= sub
                else:
                    sub = self.env.ref(f"{MODULE}.{xmlid}")
                    getattr(sub, method)(*args, **kwargs)
                self._demo_settle(sub)
            self._demo_catch_up(subs, today, clock, now=now)
            clock.move_to(now)
        return subs

    def _demo_catch_up(self, subs, day, clock, now=None):
        """Run the renewal engine over ``subs`` up to ``day``, each due date
        early in its morning (at ``now`` for a date due today)."""
        done = set()
        while True:
            due = subs.filtered(
                lambda s: (
                    s.state in DUE_STATES
                    and s.next_action_date
                    and s.next_action_date <= day
                    and (s.id, s.next_action_date) not in done
                )
            )
            if not due:
                return
            first = min(due.mapped("next_action_date"))
            moment = datetime.combine(first, time(6))
            clock.move_to(min(moment, now) if now else moment)
            batch = due.filtered(lambda s, first=first: s.next_action_date == first)
            done.update((sub.id, first) for sub in batch)
            for sub in batch:
                sub._process_due(first)
            self._demo_settle(batch)

    def _demo_settle(self, subs):
        """After each step of the demo history, on its date: what the
        scheduled jobs would do next (subscription_billing invoices and
        charges)."""
