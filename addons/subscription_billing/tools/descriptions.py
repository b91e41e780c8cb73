# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Invoice line descriptions of subscription periods (pure Python).

Periods are stored half-open, ``[start, end)``: ``end`` is the first day of
the next period. What people read shows the **last day served** instead
(inclusive), so a monthly period stored as [2 Dec 2026, 2 Jan 2027) reads
"12/02/2026 to 01/01/2027". One convention for every description, the
invoice header and the invoice lists.
"""

from datetime import timedelta

PERIOD_TEMPLATE = "%(item)s – %(start)s to %(end)s"


def last_day(end):
    """Last day served by a half-open period ending (excluded) on ``end``;
    None for an open end."""
    return end - timedelta(days=1) if end else None


def plan_label(tier, cycle=None):
    """A tier and its billing cycle as customers read them: "Pro (Monthly)"."""
    return f"{tier} ({cycle})" if cycle else tier


def period_description(item, start, end, format_date, template=PERIOD_TEMPLATE):
    """Description of ``item`` billed for the half-open period [start, end).

    :param item: what is billed ("Pro (Monthly)", an add-on's name)
    :param format_date: callable turning a date into the reader's text (the
        partner's language and date format)
    :param template: the (translated) text, with the ``%(item)s``,
        ``%(start)s`` and ``%(end)s`` placeholders; ``%(end)s`` is the last
        day served
    :raises ValueError: when the period is empty or reversed
    """
    if not (start and end) or end <= start:
        raise ValueError(f"Not a period: {start} to {end} (end excluded)")
    return template % {
        "item": item,
        "start": format_date(start),
        "end": format_date(last_day(end)),
    }
