# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Which dunning steps are due (pure Python).

A policy is an ordered list of steps, each ``day_offset`` days after the
first failed payment. A step runs once: the caller remembers the index of the
last step it ran.
"""

from datetime import timedelta


def due_steps(offsets, start, today, last_done=-1):
    """Indexes of the steps to run on ``today``, in order.

    :param offsets: the steps' day offsets, in execution order
    :param start: date of the first failure
    :param last_done: index of the last step already run (-1: none)
    """
    if start is None:
        return []
    return [
        index
        for index, offset in enumerate(offsets)
        if index > last_done and start + timedelta(days=offset) <= today
    ]


def next_date(offsets, start, last_done):
    """Date of the first step after ``last_done``, or None when none is left."""
    for index, offset in enumerate(offsets):
        if index > last_done:
            return start + timedelta(days=offset)
    return None
