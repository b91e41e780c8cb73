# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import pytest
from subscription_core_tools import transitions

EVENT_TYPES = {
    "created",
    "trial_started",
    "activated",
    "renewed",
    "upgraded",
    "downgraded",
    "addon_added",
    "addon_removed",
    "quantity_changed",
    "paused",
    "resumed",
    "cancel_scheduled",
    "cancelled",
    "reactivated",
    "expired",
    "payment_failed",
    "payment_recovered",
    "suspended",
    "saved_by_offer",
}


def test_table_is_sound():
    assert transitions.validate_table(transitions.TRANSITIONS, event_types=EVENT_TYPES) == []
    assert set(transitions.TRANSITIONS) == set(transitions.STATES)


@pytest.mark.parametrize(
    "from_state, to_state, event_type",
    [
        ("draft", "trial", "trial_started"),
        ("draft", "active", "activated"),
        ("trial", "active", "activated"),
        ("active", "paused", "paused"),
        ("paused", "active", "resumed"),
        ("active", "past_due", "payment_failed"),
        ("past_due", "active", "payment_recovered"),
        ("past_due", "suspended", "suspended"),
        ("suspended", "active", "payment_recovered"),
        ("suspended", "active", "reactivated"),
        ("active", "cancelled", "cancelled"),
        ("cancelled", "active", "reactivated"),
        ("expired", "active", "reactivated"),
        ("active", "expired", "expired"),
    ],
)
def test_allowed(from_state, to_state, event_type):
    assert transitions.check_transition(from_state, to_state, event_type) is None


@pytest.mark.parametrize(
    "from_state, to_state, event_type, code",
    [
        # A forged "resume" by writing the state.
        ("paused", "active", "activated", transitions.WRONG_EVENT),
        # Back to draft (then delete) is the ledger-erasing route.
        ("active", "draft", "created", transitions.NOT_ALLOWED),
        ("cancelled", "draft", "created", transitions.NOT_ALLOWED),
        ("cancelled", "paused", "paused", transitions.NOT_ALLOWED),
        ("expired", "cancelled", "cancelled", transitions.NOT_ALLOWED),
        ("draft", "paused", "paused", transitions.NOT_ALLOWED),
        ("trial", "past_due", "payment_failed", transitions.NOT_ALLOWED),
        ("active", "active", "renewed", transitions.SAME_STATE),
        ("active", "deleted", "cancelled", transitions.UNKNOWN_STATE),
        ("gone", "active", "activated", transitions.UNKNOWN_STATE),
    ],
)
def test_refused_with_a_reason(from_state, to_state, event_type, code):
    refusal = transitions.check_transition(from_state, to_state, event_type)
    assert refusal is not None
    assert refusal[0] == code
    assert isinstance(refusal[1], str) and refusal[1]


def test_reason_names_what_is_allowed():
    code, reason = transitions.check_transition("cancelled", "paused", "paused")
    assert code == transitions.NOT_ALLOWED
    assert "allowed from cancelled: active" in reason
    code, reason = transitions.check_transition("paused", "active", "activated")
    assert "resumed" in reason and "'activated'" in reason


def test_no_state_goes_back_to_draft():
    for from_state in transitions.STATES:
        assert "draft" not in transitions.allowed_targets(from_state)


def test_extended_table():
    table = {state: dict(targets) for state, targets in transitions.TRANSITIONS.items()}
    table["paused"] = {**table["paused"], "suspended": ("suspended",)}
    assert transitions.check_transition("paused", "suspended", "suspended", table) is None
    assert transitions.check_transition("paused", "suspended", "suspended")[0] == (
        transitions.NOT_ALLOWED
    )


def test_validate_table_reports_problems():
    problems = transitions.validate_table(
        {"draft": {"limbo": ("x",), "draft": ("created",), "active": ()}},
        event_types=EVENT_TYPES,
    )
    assert any("limbo" in p for p in problems)
    assert any("to itself" in p for p in problems)
    assert any("no event type" in p for p in problems)
    assert any("'x'" in p for p in problems)
