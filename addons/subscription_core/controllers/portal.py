# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Customer portal of subscriptions.

The controller is written in two files by concern and put together here:
``portal_pages`` (home counter, list, detail, access check) and
``portal_actions`` (change plan, pause, resume, undo, cancel). Other addons
inherit ``SubscriptionPortal`` from this module and override its ``_prepare_*``
and ``_get_*`` hooks.
"""

from .portal_actions import ADDON_INPUT, MAX_PORTAL_QUANTITY, SubscriptionPortalActions
from .portal_pages import ENDED_STATES, ONGOING_STATES

__all__ = [
    "ADDON_INPUT",
    "ENDED_STATES",
    "MAX_PORTAL_QUANTITY",
    "ONGOING_STATES",
    "SubscriptionPortal",
]


class SubscriptionPortal(SubscriptionPortalActions):
    """The subscription portal controller: inherit this class."""
