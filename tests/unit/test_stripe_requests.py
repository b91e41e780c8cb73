# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stripe requests of payment attempts, with the real SDK against tests/fake_stripe.py.

No network: the fake PaymentIntents API listens on loopback.
"""

import importlib.util
import sys
from pathlib import Path

import pytest
import stripe
from subscription_billing_tools.request_pool import run_requests
from subscription_billing_tools.stripe_requests import (
    classify_error,
    create_or_find_intent,
    search_query,
)


def _load_fake_stripe():
    path = Path(__file__).resolve().parents[1] / "fake_stripe.py"
    if "fake_stripe" not in sys.modules:
        spec = importlib.util.spec_from_file_location("fake_stripe", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["fake_stripe"] = module
        spec.loader.exec_module(module)
    return sys.modules["fake_stripe"]


fake_stripe = _load_fake_stripe()

KEY = "sk_test_subscription_suite"


@pytest.fixture(scope="module")
def server():
    with fake_stripe.FakeStripe(delay=0) as fake:
        yield fake


@pytest.fixture(autouse=True)
def untouched_stripe_globals():
    """No call may write the SDK's module settings (they are shared by threads)."""
    names = ("api_key", "api_base", "default_http_client", "max_network_retries", "api_version")
    before = {name: getattr(stripe, name) for name in names}
    yield
    assert {name: getattr(stripe, name) for name in names} == before


def params(method="pm_card_visa", key="sub1-inv1-try1-abc", customer="cus_test_a", amount=1250):
    return {
        "amount": amount,
        "currency": "eur",
        "customer": customer,
        "payment_method": method,
        "off_session": True,
        "confirm": True,
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
        "description": "SUB0001 INV/2026/00001",
        "metadata": {"odoo_attempt_id": "1", "odoo_idempotency_key": key},
    }


def charge(server, key, method="pm_card_visa", **kwargs):
    kwargs.setdefault("max_network_retries", 0)
    return create_or_find_intent(params(method, key), KEY, key, api_base=server.url, **kwargs)


def test_create_succeeds(server):
    created = server.created
    outcome = charge(server, "key-ok-1")
    assert outcome["error"] is None
    intent = outcome["intent"]
    assert isinstance(intent, dict)
    assert intent["status"] == "succeeded"
    assert intent["amount"] == 1250 and intent["currency"] == "eur"
    assert intent["metadata"]["odoo_idempotency_key"] == "key-ok-1"
    assert server.created == created + 1


def test_same_idempotency_key_same_intent(server):
    first = charge(server, "key-replay")
    created = server.created
    again = charge(server, "key-replay")
    assert again["intent"]["id"] == first["intent"]["id"]
    assert server.created == created, "Stripe answered the first result: nothing charged twice"


def test_card_declined(server):
    outcome = charge(server, "key-declined", "pm_card_chargeDeclined")
    assert outcome["intent"] is None
    error = outcome["error"]
    assert error["kind"] == "card"
    assert error["decline_code"] == "generic_decline"
    assert error["code"] == "card_declined"
    assert error["message"] == "Your card was declined."
    assert error["intent_id"].startswith("pi_fake_")
    assert server.intents[error["intent_id"]]["status"] == "requires_payment_method"


def test_card_error_without_decline_code_uses_its_code(server):
    error = charge(server, "key-expired", "pm_card_chargeDeclinedExpiredCard")["error"]
    assert (error["kind"], error["decline_code"], error["code"]) == (
        "card",
        "expired_card",
        "expired_card",
    )
    error = charge(server, "key-funds", "pm_card_chargeDeclinedInsufficientFunds")["error"]
    assert error["decline_code"] == "insufficient_funds"


@pytest.mark.parametrize(
    "method, customer", [("pm_missing", "cus_test_a"), ("pm_x", "cus_missing")]
)
def test_deleted_card_or_customer_is_missing_method(server, method, customer):
    key = f"key-missing-{method}-{customer}"
    outcome = create_or_find_intent(
        params(method, key, customer=customer), KEY, key, api_base=server.url
    )
    assert outcome["intent"] is None
    assert outcome["error"]["kind"] == "missing_method"
    assert outcome["error"]["decline_code"] == "payment_method_missing"
    assert outcome["error"]["code"] == "resource_missing"


def test_server_error_is_unknown(server):
    requests = server.requests
    outcome = charge(server, "key-500", "pm_server_error")
    assert outcome["error"]["kind"] == "unknown"
    assert outcome["error"]["decline_code"] is None
    assert server.requests == requests + 1, "max_network_retries=0: one request"


def test_connection_refused_is_unknown():
    with fake_stripe.FakeStripe(delay=0) as fake:
        url = fake.url
    outcome = create_or_find_intent(
        params(), KEY, "key-refused", api_base=url, max_network_retries=0
    )
    assert outcome["intent"] is None
    assert outcome["error"]["kind"] == "unknown"


def test_lost_answer_is_unknown_then_resolved_by_the_key(server):
    server.drop_responses = 1
    outcome = charge(server, "key-dropped")
    assert outcome["error"]["kind"] == "unknown"
    created = server.created
    assert created and any(
        intent["metadata"].get("odoo_idempotency_key") == "key-dropped"
        for intent in server.intents.values()
    ), "the charge was made although its answer was lost"
    again = charge(server, "key-dropped")
    assert again["intent"]["status"] == "succeeded"
    assert server.created == created


def test_sdk_retries_a_lost_answer_with_the_same_key(server):
    server.drop_responses = 1
    created = server.created
    outcome = charge(server, "key-retried", max_network_retries=2)
    assert outcome["error"] is None
    assert outcome["intent"]["status"] == "succeeded"
    assert server.created == created + 1


def test_same_key_other_parameters_is_unknown(server):
    charge(server, "key-idem")
    outcome = create_or_find_intent(
        {**params("pm_card_visa", "key-idem"), "amount": 999}, KEY, "key-idem", api_base=server.url
    )
    assert outcome["error"]["kind"] == "unknown"


@pytest.mark.parametrize("api_key", ["sk_live_wrong", "", None])
def test_bad_api_key_is_refused(server, api_key):
    created = server.created
    outcome = create_or_find_intent(params(), api_key, "key-auth", api_base=server.url)
    assert outcome["intent"] is None
    assert outcome["error"]["kind"] == "refused"
    assert outcome["error"]["decline_code"] == "processing_error"
    assert outcome["error"]["message"]
    assert server.created == created


def test_retrieve_by_id(server):
    first = charge(server, "key-retrieve")
    created, requests = server.created, server.requests
    outcome = create_or_find_intent(
        params(), KEY, "key-retrieve", intent_id=first["intent"]["id"], api_base=server.url
    )
    assert outcome["intent"] == first["intent"]
    assert (server.created, server.requests) == (created, requests + 1)


def test_retrieve_unknown_id_is_refused(server):
    outcome = create_or_find_intent(
        params(), KEY, "key-x", intent_id="pi_does_not_exist", api_base=server.url
    )
    assert outcome["error"]["kind"] == "refused"
    assert outcome["error"]["code"] == "resource_missing"


def test_search_finds_the_intent_of_the_key(server):
    first = charge(server, "key-search")
    created = server.created
    outcome = create_or_find_intent(
        params("pm_card_visa", "key-search"),
        KEY,
        "key-search-new-window",
        search_key="key-search",
        api_base=server.url,
    )
    assert outcome["intent"]["id"] == first["intent"]["id"]
    assert server.created == created


def test_search_without_result_creates(server):
    created = server.created
    outcome = create_or_find_intent(
        params("pm_card_visa", "key-never-sent"),
        KEY,
        "key-never-sent",
        search_key="key-never-sent",
        api_base=server.url,
    )
    assert outcome["intent"]["status"] == "succeeded"
    assert outcome["intent"]["metadata"]["odoo_idempotency_key"] == "key-never-sent"
    assert server.created == created + 1


def test_search_query_is_quoted():
    assert (
        search_query("sub1-inv2-try3-ab") == "metadata['odoo_idempotency_key']:'sub1-inv2-try3-ab'"
    )
    assert search_query("a'b\\c") == "metadata['odoo_idempotency_key']:'a\\'b\\\\c'"


def test_processing_intent(server):
    outcome = charge(server, "key-processing", "pm_processing")
    assert outcome["error"] is None and outcome["intent"]["status"] == "processing"


def test_classify_other_stripe_errors():
    rate = classify_error(stripe.RateLimitError("Too many requests", code="rate_limit"))
    assert (rate["kind"], rate["decline_code"], rate["code"]) == (
        "refused",
        "processing_error",
        "rate_limit",
    )
    invalid = classify_error(
        stripe.InvalidRequestError("No such thing", param="amount", code="resource_missing")
    )
    assert invalid["kind"] == "refused"
    card = classify_error(stripe.CardError("Declined", param=None, code=None, json_body={}))
    assert (card["kind"], card["decline_code"], card["intent_id"]) == (
        "card",
        "card_declined",
        None,
    )
    assert classify_error(stripe.IdempotencyError("Key reused"))["kind"] == "unknown"


def test_uses_a_replaced_default_http_client(monkeypatch):
    """Odoo tests replace ``stripe.default_http_client`` with a canned one: it is used."""
    sent = []

    class Canned(stripe.HTTPClient):
        name = "canned"

        def request(self, method, url, headers, post_data=None, *, _usage=None):
            sent.append((method, url, headers.get("Idempotency-Key")))
            return '{"id": "pi_canned", "object": "payment_intent", "status": "succeeded"}', 200, {}

        def close(self):
            pass

    monkeypatch.setattr(stripe, "default_http_client", Canned())
    outcome = create_or_find_intent(params(), KEY, "key-canned")
    assert outcome == {
        "intent": {"id": "pi_canned", "object": "payment_intent", "status": "succeeded"},
        "error": None,
    }
    assert sent == [("post", "https://api.stripe.com/v1/payment_intents", "key-canned")]


def test_many_concurrent_charges_each_get_their_own_outcome():
    with fake_stripe.FakeStripe(delay=0.05) as fake:
        methods = ["pm_card_visa", "pm_card_chargeDeclined", "pm_missing", "pm_server_error"]
        keys = [f"key-pool-{i}" for i in range(24)]

        def request(i, key):
            method = methods[i % 4]
            return lambda: create_or_find_intent(
                params(method, key), KEY, key, api_base=fake.url, max_network_retries=0
            )

        results = run_requests([(key, request(i, key)) for i, key in enumerate(keys)], size=8)
        kinds = {
            key: outcome.value["error"] and outcome.value["error"]["kind"]
            for key, outcome in results.items()
        }
        assert all(outcome.status == "ok" for outcome in results.values())
        expected = [None, "card", "missing_method", "unknown"]
        assert [kinds[key] for key in keys] == [expected[i % 4] for i in range(24)]
        for i, key in enumerate(keys[::4]):
            intent = results[key].value["intent"]
            assert intent["metadata"]["odoo_idempotency_key"] == key, i
        assert 1 < fake.peak_in_flight <= 8
        assert fake.created == 12  # succeeded and declined ones


def test_provider_rate_limit_is_refused_and_the_pool_limit_avoids_it():
    def requests_to(fake, run):
        def request(key):
            return lambda: create_or_find_intent(
                params("pm_card_visa", key), KEY, key, api_base=fake.url, max_network_retries=0
            )

        return [(f"{run}-{i}", request(f"{run}-{i}")) for i in range(40)]

    with fake_stripe.FakeStripe(delay=0, rate_limit=20) as fake:
        results = run_requests(requests_to(fake, "burst"), size=8)
        errors = [outcome.value["error"] for outcome in results.values()]
        limited = [error for error in errors if error]
        assert fake.rate_limited == len(limited) > 0
        assert {(error["kind"], error["code"]) for error in limited} == {("refused", "rate_limit")}

    with fake_stripe.FakeStripe(delay=0, rate_limit=20) as fake:
        results = run_requests(requests_to(fake, "paced"), size=8, rate_limit=20)
        assert fake.rate_limited == 0
        assert all(outcome.value["error"] is None for outcome in results.values())


def test_concurrent_companies_never_mix_keys_or_addresses():
    """Two companies (two keys, two Stripe addresses) charged at once in one pool."""
    with (
        fake_stripe.FakeStripe(delay=0.02) as server_a,
        fake_stripe.FakeStripe(delay=0.02) as server_b,
    ):
        companies = [("sk_test_company_a", server_a), ("sk_test_company_b", server_b)]

        def request(i):
            api_key, server = companies[i % 2]
            key = f"key-company-{i}"
            return lambda: create_or_find_intent(
                params("pm_card_visa", key), api_key, key, api_base=server.url
            )

        results = run_requests([(i, request(i)) for i in range(32)], size=8)
        assert all(outcome.value["error"] is None for outcome in results.values())
        for index, (api_key, server) in enumerate(companies):
            assert server.created == 16
            assert {auth for auth, _key in server._replies} == {f"Bearer {api_key}"}
            assert {int(key.rsplit("-", 1)[1]) % 2 for _auth, key in server._replies} == {index}
