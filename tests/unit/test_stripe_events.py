# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shape checks of Stripe webhook events (subscription_billing)."""

import json

import pytest
from subscription_billing_tools import stripe_events

GOOD = {
    "id": "evt_1",
    "type": "payment_intent.succeeded",
    "data": {"object": {"id": "pi_1", "metadata": {"odoo_attempt_id": "3"}}},
}


def test_good_event():
    assert stripe_events.parse_event(json.dumps(GOOD)) == GOOD
    assert stripe_events.parse_event(json.dumps(GOOD).encode()) == GOOD


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (json.dumps([GOOD]), "JSON list"),
        (json.dumps("evt"), "JSON str"),
        (json.dumps({**GOOD, "id": None}), "'id'"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "id"}), "'id'"),
        (json.dumps({**GOOD, "id": 12}), "'id'"),
        (json.dumps({**GOOD, "id": "x" * 300}), "too long"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "type"}), "'type'"),
        (json.dumps({**GOOD, "type": ""}), "'type'"),
        (json.dumps({**GOOD, "data": None}), "'data'"),
        (json.dumps({**GOOD, "data": {"object": "pi_1"}}), "'data.object'"),
        (json.dumps({**GOOD, "data": {"object": {}, "previous_attributes": []}}), "previous"),
        (json.dumps({**GOOD, "data": {"object": {"metadata": "x"}}}), "metadata"),
    ],
)
def test_malformed(body, reason):
    with pytest.raises(stripe_events.MalformedEvent, match=reason):
        stripe_events.parse_event(body)
