# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The subscription state machine (pure Python, no Odoo import).

``TRANSITIONS`` maps each state to the states it may move to, and each of
those moves to the ledger event types that may cause it. A change of state
that is not in the table is refused: ``check_transition`` says why.

========== ============ =====================================================
From       To           Event types
========== ============ =====================================================
draft      trial        trial_started
draft      active       activated
draft      cancelled    cancelled
draft      expired      expired (activation after a fixed term's end)
trial      active       activated
trial      cancelled    cancelled
trial      expired      expired
active     past_due     payment_failed
active     paused       paused
active     cancelled    cancelled
active     expired      expired
past_due   active       payment_recovered
past_due   suspended    suspended
past_due   cancelled    cancelled
past_due   expired      expired
paused     active       resumed
paused     cancelled    cancelled
paused     expired      expired (the pause reaches a fixed term's end)
suspended  active       payment_recovered, reactivated
suspended  cancelled    cancelled
suspended  expired      expired
cancelled  active       reactivated
expired    active       reactivated
========== ============ =====================================================

Everything else that happens to a running subscription (renewals, plan
changes, scheduled cancellations) is an event without a change of state.
"""

STATES = (
    "draft",
    "trial",
    "active",
    "past_due",
    "paused",
    "suspended",
    "cancelled",
    "expired",
)

TRANSITIONS = {
    "draft": {
        "trial": ("trial_started",),
        "active": ("activated",),
        "cancelled": ("cancelled",),
        "expired": ("expired",),
    },
    "trial": {
        "active": ("activated",),
        "cancelled": ("cancelled",),
        "expired": ("expired",),
    },
    "active": {
        "past_due": ("payment_failed",),
        "paused": ("paused",),
        "cancelled": ("cancelled",),
        "expired": ("expired",),
    },
    "past_due": {
        "active": ("payment_recovered",),
        "suspended": ("suspended",),
        "cancelled": ("cancelled",),
        "expired": ("expired",),
    },
    "paused": {
        "active": ("resumed",),
        "cancelled": ("cancelled",),
        "expired": ("expired",),
    },
    "suspended": {
        "active": ("payment_recovered", "reactivated"),
        "cancelled": ("cancelled",),
        "expired": ("expired",),
    },
    "cancelled": {
        "active": ("reactivated",),
    },
    "expired": {
        "active": ("reactivated",),
    },
}

# Refusal codes returned by check_transition (the model words them).
UNKNOWN_STATE = "unknown_state"
SAME_STATE = "same_state"
NOT_ALLOWED = "not_allowed"
WRONG_EVENT = "wrong_event"


def allowed_targets(from_state, table=None):
    """States reachable from ``from_state`` (a tuple, in table order)."""
    return tuple((table or TRANSITIONS).get(from_state, {}))


def check_transition(from_state, to_state, event_type, table=None):
    """Check one change of state.

    :return: ``None`` when the table allows ``from_state`` → ``to_state``
        caused by ``event_type``; otherwise a ``(code, reason)`` pair where
        ``code`` is one of the module's refusal codes and ``reason`` an
        English sentence saying what is allowed instead.
    """
    table = table or TRANSITIONS
    for state in (from_state, to_state):
        if state not in table:
            return (UNKNOWN_STATE, f"{state!r} is not a subscription state.")
    if from_state == to_state:
        return (SAME_STATE, f"The subscription is already {from_state}.")
    targets = table[from_state]
    if to_state not in targets:
        allowed = ", ".join(targets) or "none"
        return (
            NOT_ALLOWED,
            f"A subscription cannot go from {from_state} to {to_state} "
            f"(allowed from {from_state}: {allowed}).",
        )
    if event_type not in targets[to_state]:
        return (
            WRONG_EVENT,
            f"{from_state} to {to_state} is caused by {', '.join(targets[to_state])}, "
            f"not by {event_type!r}.",
        )
    return None


def validate_table(table, states=STATES, event_types=None):
    """Consistency check of a (possibly extended) table: every state is
    known, and every event type is in ``event_types`` when given. Returns a
    list of problems (empty when the table is sound)."""
    problems = []
    for from_state, targets in table.items():
        if from_state not in states:
            problems.append(f"unknown source state {from_state!r}")
        for to_state, causes in targets.items():
            if to_state not in states:
                problems.append(f"unknown target state {to_state!r} from {from_state!r}")
            if to_state == from_state:
                problems.append(f"{from_state!r} to itself is not a change of state")
            if not causes:
                problems.append(f"{from_state!r} to {to_state!r} has no event type")
            for cause in causes:
                if event_types is not None and cause not in event_types:
                    problems.append(f"unknown event type {cause!r}")
    return problems
