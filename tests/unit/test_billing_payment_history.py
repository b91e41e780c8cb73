# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Payment history in the customer's words and decline reasons (subscription_billing)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from subscription_billing_tools import declines, payment_history

ATTEMPT_STATES = ("scheduled", "processing", "succeeded", "failed", "cancelled")


@pytest.mark.parametrize(
    "state,settled,expected",
    [
        ("succeeded", True, "paid"),
        ("processing", False, "processing"),
        ("processing", True, "processing"),
        ("scheduled", False, "scheduled"),
        ("scheduled", True, "not_needed"),
        ("cancelled", True, "not_needed"),
        ("cancelled", False, "stopped"),
        ("failed", False, "declined"),
        ("failed", True, "declined"),
    ],
)
def test_status(state, settled, expected):
    assert payment_history.status(state, settled) == expected


@given(st.sampled_from(ATTEMPT_STATES))
def test_never_not_needed_beside_an_unpaid_invoice(state):
    """The bug of the portal: "Cancelled - not needed" beside an invoice
    still due. Whatever the attempt state, an unsettled invoice never reads
    "not needed"."""
    assert payment_history.status(state, False) != payment_history.NOT_NEEDED


def test_unknown_state_is_refused():
    with pytest.raises(ValueError):
        payment_history.status("bogus", False)


@pytest.mark.parametrize(
    "status,settled,retry,dunning,expected",
    [
        ("paid", True, False, "none", None),
        ("scheduled", False, False, "in_dunning", None),
        ("not_needed", True, False, "none", None),
        ("declined", True, False, "none", "settled"),
        ("declined", False, True, "in_dunning", "retry"),
        ("declined", False, True, "hard_declined", "retry"),
        ("declined", False, False, "hard_declined", "update_card"),
        ("declined", False, False, "in_dunning", "dunning"),
        ("declined", False, False, "none", "pay_now"),
        ("stopped", False, False, "none", "pay_now"),
        ("stopped", True, False, "none", "settled"),
    ],
)
def test_next_action(status, settled, retry, dunning, expected):
    assert payment_history.next_action(status, settled, retry, dunning) == expected


@pytest.mark.parametrize(
    "final_action,retry,can_retry,expected",
    [
        ("suspend", True, True, "suspend"),
        ("cancel", False, False, "cancel"),
        ("none", True, True, "retry"),
        ("none", True, False, "reminder"),
        ("none", False, True, "reminder"),
    ],
)
def test_next_step_kind(final_action, retry, can_retry, expected):
    assert payment_history.next_step_kind(final_action, retry, can_retry) == expected


@pytest.mark.parametrize(
    "code,reason",
    [
        ("insufficient_funds", "insufficient_funds"),
        ("Expired-Card", "expired_card"),
        ("incorrect_cvc", "incorrect_details"),
        ("authentication_required", "authentication_required"),
        ("currency_not_supported", "not_supported"),
        ("processing_error", "temporary"),
        ("payment_method_missing", "payment_method_missing"),
        # Not revealed to the customer: a plain decline.
        ("stolen_card", "declined"),
        ("lost_card", "declined"),
        ("fraudulent", "declined"),
        ("generic_decline", "declined"),
        ("", "declined"),
        (None, "declined"),
        ("something_new", "declined"),
    ],
)
def test_customer_reason(code, reason):
    assert declines.customer_reason(code) == reason


def test_reason_families_are_known_codes_and_disjoint():
    seen = set()
    for codes in declines.REASONS.values():
        assert not codes & seen
        assert codes <= declines.SOFT_CODES | declines.HARD_CODES
        seen |= codes
