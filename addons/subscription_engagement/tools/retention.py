# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Pure rules of save offers and win-back links (no Odoo import)."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

MAX_DISCOUNT_PERCENT = 100
MAX_PERIODS = 36


def window_open(last_accepted, today, window_days):
    """Whether a new offer may be taken on ``today`` when the last one was
    taken on ``last_accepted`` (None: never). A window of 0 days means no
    limit; otherwise an offer is taken at most once in ``window_days``."""
    if not last_accepted or not window_days:
        return True
    return today >= last_accepted + timedelta(days=window_days)


def discount_applies(date_from, periods, period_start, discounted_before):
    """Whether the period starting on ``period_start`` gets a discount of
    ``periods`` periods that starts with the first period starting on or
    after ``date_from``, ``discounted_before`` periods of it being billed
    already (the periods that started from ``date_from`` up to before this
    one)."""
    if not date_from or not periods or period_start < date_from:
        return False
    return discounted_before < periods


def discount_amount(base, percent):
    """The discount of ``percent`` % on ``base`` (a positive amount), before
    rounding by the currency; never more than ``base``, never negative."""
    if base <= 0 or percent <= 0:
        return 0.0
    percent = min(percent, MAX_DISCOUNT_PERCENT)
    value = Decimal(str(base)) * Decimal(str(percent)) / Decimal(100)
    return float(value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))


def link_message(subscription_id, offer_id, expires):
    """The text signed in a win-back link: the subscription, the offer (0
    without one) and the expiry (a POSIX timestamp, whole seconds)."""
    return f"{int(subscription_id)}:{int(offer_id or 0)}:{int(expires)}"


def link_expired(expires, now_timestamp):
    """Whether a link valid until ``expires`` (POSIX seconds) is expired."""
    return int(now_timestamp) >= int(expires)
