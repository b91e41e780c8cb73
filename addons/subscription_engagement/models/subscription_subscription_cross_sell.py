# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from werkzeug.urls import url_encode

from odoo import models


class SubscriptionSubscription(models.Model):
    """Cross-sell: the add-ons allowed on the customer's tier that the
    subscription does not have yet, with their catalog price, each with a
    link to the portal's change page with that add-on already chosen (the
    customer then sees the preview of what will be charged, and confirms:
    the change goes through ``change_plan`` like any other)."""

    _inherit = "subscription.subscription"

    def _engagement_cross_sell(self, limit=3):
        """List of dicts ``addon``, ``price`` (a ``subscription.price``: its
        amount per cycle in the subscription currency) and ``url``."""
        self.ensure_one()
        if self.state not in ("trial", "active", "past_due") or self.has_pending_change:
            return []
        candidates = (
            self.tier_id.sudo()
            .addon_ids.filtered(
                lambda a: (
                    a.active
                    and a not in self.addon_line_ids.addon_id
                    and (not a.company_id or a.company_id == self.company_id)
                )
            )
            .sorted("sequence")
        )
        prices = self._find_prices(candidates)
        offered = [addon for addon in candidates if addon in prices][:limit]
        return [
            {"addon": addon, "price": prices[addon], "url": self._cross_sell_url(addon)}
            for addon in offered
        ]

    def _cross_sell_url(self, addon):
        """Absolute link to the portal change page with ``addon`` added."""
        self.ensure_one()
        query = {
            "tier_id": self.tier_id.id,
            "cycle_id": self.cycle_id.id,
            "quantity": self.quantity,
            **{f"addon_{line.addon_id.id}": line.quantity for line in self.addon_line_ids},
            f"addon_{addon.id}": 1,
            "access_token": self._portal_ensure_token(),
        }
        base = self.get_base_url() + f"/my/subscriptions/{self.id}/change"
        return f"{base}?{url_encode(query)}"
