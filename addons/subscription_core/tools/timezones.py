# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The business day of a company: which date it is "today" in a timezone, and
the moment (naive UTC, as Odoo stores datetimes) a local date begins."""

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = "UTC"


def get_zone(name):
    """The zone called ``name``; UTC when empty or unknown."""
    try:
        return ZoneInfo(name or UTC)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(UTC)


def local_date(now_utc, tz_name):
    """Date in ``tz_name`` at the naive UTC datetime ``now_utc``."""
    aware = now_utc.replace(tzinfo=timezone.utc)
    return aware.astimezone(get_zone(tz_name)).date()


def local_midnight_utc(day, tz_name):
    """Naive UTC datetime at which ``day`` begins in ``tz_name`` (the first
    existing local time of that day, should midnight fall in a DST gap)."""
    zone = get_zone(tz_name)
    local = datetime.combine(day, time.min, tzinfo=zone)
    # zoneinfo resolves a non-existent wall time forward via fold; normalise
    # through UTC and back to be sure we stay on ``day``.
    start = local.astimezone(timezone.utc)
    if start.astimezone(zone).date() < day:
        start = datetime.combine(day, time(1), tzinfo=zone).astimezone(timezone.utc)
    return start.replace(tzinfo=None)
