# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Classify card decline codes as soft (retry later) or hard (stop retrying).

A *soft* decline may succeed later without the customer doing anything:
insufficient funds, a processing error, an issuer that is unavailable. They
are retried on the dunning schedule. A *hard* decline will fail again until
the customer changes something: the card is lost or stolen, expired, the
number or CVC is wrong, the account is closed. Retrying it only costs fees
and hurts the merchant's standing with the networks, so dunning stops
retrying and asks the customer to update the payment method.

``do_not_honor`` and ``generic_decline`` are soft at first but become hard
after ``GENERIC_HARD_AFTER`` failures of the same code, as card networks
recommend. Codes follow Stripe's decline codes, which most gateways map to;
unknown codes are soft (retrying an unknown failure a few times is the safe
default) unless they look like a card problem (see ``_HARD_HINTS``).
"""

SOFT = "soft"
HARD = "hard"

SOFT_CODES = frozenset(
    {
        "insufficient_funds",
        "processing_error",
        "try_again_later",
        "issuer_not_available",
        "reenter_transaction",
        "approve_with_id",
        "call_issuer",
        "card_velocity_exceeded",
        "withdrawal_count_limit_exceeded",
        "duplicate_transaction",
        "rate_limit",
        "api_connection_error",
        "authentication_required",
        "offline_pin_required",
        "online_or_offline_pin_required",
        "do_not_honor",
        "generic_decline",
        "card_declined",
        "not_permitted",
        "no_action_taken",
        "revocation_of_authorization",
        "security_violation",
        "service_not_allowed",
        "stop_payment_order",
        "testmode_decline",
        "transaction_not_allowed",
    }
)

HARD_CODES = frozenset(
    {
        "stolen_card",
        "lost_card",
        "pickup_card",
        "restricted_card",
        "expired_card",
        "incorrect_number",
        "invalid_number",
        "incorrect_cvc",
        "invalid_cvc",
        "invalid_expiry_month",
        "invalid_expiry_year",
        "invalid_account",
        "new_account_information_available",
        "card_not_supported",
        "currency_not_supported",
        "fraudulent",
        "merchant_blacklist",
        "account_closed",
        "payment_method_missing",
    }
)

# Soft codes that become hard once they repeat: the issuer keeps refusing.
GENERIC_CODES = frozenset({"do_not_honor", "generic_decline", "card_declined"})
GENERIC_HARD_AFTER = 3

_HARD_HINTS = ("stolen", "lost", "expired", "invalid", "incorrect", "fraud", "closed")


def normalize(code):
    """Lower-case, trimmed code ('' for None)."""
    return (code or "").strip().lower().replace(" ", "_").replace("-", "_")


def classify(code, occurrences=1):
    """Return 'soft' or 'hard' for a decline ``code`` seen ``occurrences``
    times in a row on the same invoice."""
    code = normalize(code)
    if code in HARD_CODES:
        return HARD
    if code in GENERIC_CODES:
        return HARD if occurrences >= GENERIC_HARD_AFTER else SOFT
    if code in SOFT_CODES or not code:
        return SOFT
    return HARD if any(hint in code for hint in _HARD_HINTS) else SOFT


def is_retryable(code, occurrences=1):
    return classify(code, occurrences) == SOFT


# What the customer is told about a decline, by family of codes (the portal
# translates each family into a sentence). Lost, stolen, fraudulent and
# blocked cards are told as a plain decline, as card networks ask: the reason
# is for the merchant, and the cardholder learns it from the bank.
REASON_DECLINED = "declined"
REASONS = {
    "insufficient_funds": frozenset(
        {"insufficient_funds", "withdrawal_count_limit_exceeded", "card_velocity_exceeded"}
    ),
    "expired_card": frozenset({"expired_card", "invalid_expiry_month", "invalid_expiry_year"}),
    "incorrect_details": frozenset(
        {
            "incorrect_number",
            "invalid_number",
            "incorrect_cvc",
            "invalid_cvc",
            "invalid_account",
            "account_closed",
            "new_account_information_available",
        }
    ),
    "authentication_required": frozenset(
        {"authentication_required", "offline_pin_required", "online_or_offline_pin_required"}
    ),
    "not_supported": frozenset(
        {
            "card_not_supported",
            "currency_not_supported",
            "transaction_not_allowed",
            "service_not_allowed",
            "not_permitted",
        }
    ),
    "temporary": frozenset(
        {
            "processing_error",
            "try_again_later",
            "issuer_not_available",
            "reenter_transaction",
            "rate_limit",
            "api_connection_error",
            "duplicate_transaction",
        }
    ),
    "payment_method_missing": frozenset({"payment_method_missing"}),
}
_REASON_BY_CODE = {code: reason for reason, codes in REASONS.items() for code in codes}


def customer_reason(code):
    """Family of ``code`` to explain the decline to the customer (one of
    ``REASONS``' keys, or ``REASON_DECLINED`` for any other code)."""
    return _REASON_BY_CODE.get(normalize(code), REASON_DECLINED)
