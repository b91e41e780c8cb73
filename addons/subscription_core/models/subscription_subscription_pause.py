# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models

from .subscription_subscription import MRR_STATES


class SubscriptionSubscription(models.Model):
    """Pauses and the paid period: what a pause credits, what a cancellation
    refunds, and how a resume continues the paid period (pause policy)."""

    _inherit = "subscription.subscription"

    # === PAUSE AND CANCELLATION CREDITS ===#

    def _get_pause_policy(self):
        """How a pause treats the paid period: 'credit' (the unused days are
        credited at the pause, the resume starts a new period) or 'extend'
        (nothing is credited, the resume continues the paid period).
        subscription_billing reads it from the company setting."""
        self.ensure_one()
        return "credit"

    def _paused_since(self):
        """Day the current pause started (the last pause event), or None."""
        self.ensure_one()
        event = (
            self.env["subscription.event"]
            .sudo()
            .search(
                [("subscription_id", "=", self.id), ("event_type", "=", "paused")],
                order="id desc",
                limit=1,
            )
        )
        return event.effective_date or None

    def _pause_credit(self, on_date):
        """Credit of a pause on ``on_date``: the unused part of the paid
        period under the 'credit' policy, nothing under 'extend'."""
        self.ensure_one()
        if self._get_pause_policy() == "extend":
            return 0.0
        return self._unused_amount(on_date)

    def _cancel_credit(self, on_date):
        """Unused paid amount when cancelling now on ``on_date``: the rest of
        a running period, or of a period paused under the 'extend' policy
        (counted from the pause day)."""
        self.ensure_one()
        if self.state in MRR_STATES:
            return self._unused_amount(on_date)
        if self.state == "paused" and self._get_pause_policy() == "extend":
            since = self._paused_since()
            return self._unused_amount(since) if since else 0.0
        return 0.0

    def _extended_period_values(self, on_date):
        """Under the 'extend' pause policy, the period values that let a
        resume on ``on_date`` continue the paid period: its start and end
        move by the days paused, so its length (and each day's price) stays
        the same and the days left at the pause are served from the resume.
        The next renewal starts on the new end. Returns {} when a new period
        must start instead."""
        self.ensure_one()
        since = self._paused_since()
        start, end = self.current_period_start, self.current_period_end
        if not (since and start and end) or since >= end or on_date < since:
            return {}
        if self._get_pause_policy() != "extend":
            # Paused and resumed on the first day of a billed period: a new
            # period would start on the same day as the billed one; continue
            # it instead (subscription_billing bills back the pause credit).
            if on_date == since == start:
                return {"current_period_start": start, "current_period_end": end}
            return {}
        shift = on_date - since
        new_end = end + shift
        if self.date_end:
            if on_date >= self.date_end:
                return {}
            new_end = min(new_end, self.date_end)
        values = {"current_period_start": start + shift, "current_period_end": new_end}
        if shift:
            values["period_anchor_date"] = new_end
        return values
