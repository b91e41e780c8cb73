# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""How the scheduled actions become queue jobs: the mode, how many jobs a
stage needs and their identity keys. Plain Python (no ``odoo`` import).

A stage (renewal, invoicing, charging) with ``due`` records and batches of
``batch_size`` needs ``ceil(due / batch_size)`` jobs, at most ``max_jobs``.
Jobs already started hold their own batch (their rows are still counted as
due until they commit): they count towards that number. Jobs waiting in
the queue are identified by their *slot*, a number in their identity key
(``subscription_queue_job:<stage>:<slot>``): a new job takes the lowest
free slot, so running the scheduled action again adds no job for a batch
already waiting.
"""

import math

IDENTITY_PREFIX = "subscription_queue_job"

#: ``auto``: queue jobs when queue_job is loaded server-wide (a job runner
#: dispatches them), else the scheduled actions work as without this addon;
#: ``queue``: always queue jobs (a job runner started on its own);
#: ``cron``: never (the scheduled actions do the work themselves).
MODES = ("auto", "queue", "cron")


def parse_mode(value):
    """The mode named by ``value`` (``auto`` when empty), None if unknown."""
    mode = (value or "auto").strip().lower()
    return mode if mode in MODES else None


def use_jobs(mode, server_wide_modules):
    """Whether the scheduled actions queue jobs in ``mode`` on a server that
    loads ``server_wide_modules``."""
    if mode == "queue":
        return True
    if mode == "cron":
        return False
    return "queue_job" in server_wide_modules


def identity_key(stage, slot):
    """Identity key of the job of ``stage`` in ``slot``."""
    return f"{IDENTITY_PREFIX}:{stage}:{slot}"


def stage_key_pattern(stage):
    """SQL ``LIKE`` pattern of the identity keys of ``stage``."""
    return f"{IDENTITY_PREFIX}:{stage}:%"


def slot_of(key):
    """The slot number of an identity key of this module, None otherwise."""
    prefix, _sep, slot = (key or "").rpartition(":")
    if not prefix.startswith(f"{IDENTITY_PREFIX}:") or not slot.isdigit():
        return None
    return int(slot)


def jobs_needed(due, batch_size, max_jobs, started=0):
    """Number of jobs to have waiting for ``due`` records in batches of
    ``batch_size`` (at most ``max_jobs``), ``started`` jobs running."""
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, not {batch_size}")
    if max_jobs < 1:
        raise ValueError(f"max_jobs must be at least 1, not {max_jobs}")
    if due <= 0:
        return 0
    return max(0, min(math.ceil(due / batch_size), max_jobs) - max(0, started))


def free_slots(needed, waiting_slots):
    """Slots of the jobs to add so that ``needed`` jobs wait, given the slots
    of the jobs already waiting: the lowest slots not taken."""
    waiting = set(waiting_slots)
    count = max(0, needed - len(waiting))
    slots, slot = [], 0
    while len(slots) < count:
        if slot not in waiting:
            slots.append(slot)
        slot += 1
    return slots
