# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The Stripe request of one payment attempt, safe to run in a pool's thread.

No Odoo import, no ORM: the charging loop prepares plain values in phase 1,
``create_or_find_intent`` runs in ``request_pool.run_requests``' threads, and
phase 2 records the plain dict it returns. Each call builds its own
``stripe.StripeClient`` (API key, base address, retries per client); no
module global of ``stripe`` is written. The HTTP client is shared: the SDK's
``RequestsClient`` keeps one ``requests`` session per thread.
"""

import threading

import stripe

SEARCH_FIELD = "odoo_idempotency_key"

_http_client_lock = threading.Lock()
_http_client = None


def shared_http_client():
    """The HTTP client of the calls: ``stripe.default_http_client`` when set
    (tests replace it), else one client made once for this module."""
    global _http_client
    if stripe.default_http_client is not None:
        return stripe.default_http_client
    with _http_client_lock:
        if _http_client is None:
            _http_client = stripe.new_default_http_client()
        return _http_client


def search_query(search_key):
    """Stripe search query for the intent that carries ``search_key`` in its metadata."""
    escaped = search_key.replace("\\", "\\\\").replace("'", "\\'")
    return f"metadata['{SEARCH_FIELD}']:'{escaped}'"


def _message(error):
    return error.user_message or str(error)


def classify_error(error):
    """Describe a ``stripe.StripeError`` as ``_charge_via_stripe`` decides on it.

    :return: dict ``{'kind', 'decline_code', 'code', 'message', 'intent_id'}``;
        ``kind`` is ``'card'`` (a decline: failed), ``'unknown'`` (Stripe may
        have charged: ask again later with the same key), ``'missing_method'``
        (the card or customer is gone in Stripe: a hard decline) or
        ``'refused'`` (Stripe refused the request without charging: a soft
        decline)
    """
    body = error.json_body if isinstance(error.json_body, dict) else {}
    details = body.get("error") if isinstance(body.get("error"), dict) else {}
    result = {
        "kind": "refused",
        "decline_code": "processing_error",
        # The SDK leaves ``code`` empty on some errors (429 rate_limit): the body has it.
        "code": error.code or details.get("code"),
        "message": _message(error),
        "intent_id": None,
    }
    if isinstance(error, stripe.CardError):
        result.update(
            kind="card",
            decline_code=details.get("decline_code") or error.code or "card_declined",
            intent_id=(details.get("payment_intent") or {}).get("id"),
        )
    elif isinstance(error, stripe.RateLimitError):
        # 429 (or a 400 "rate_limit"): nothing was charged; ask again later.
        result.update(code="rate_limit")
    elif isinstance(error, stripe.APIConnectionError | stripe.APIError | stripe.IdempotencyError):
        result.update(kind="unknown", decline_code=None)
    elif (
        isinstance(error, stripe.InvalidRequestError)
        and error.code == "resource_missing"
        and error.param in ("customer", "payment_method")
    ):
        result.update(kind="missing_method", decline_code="payment_method_missing")
    return result


def create_or_find_intent(
    params,
    api_key,
    idempotency_key,
    intent_id=None,
    search_key=None,
    api_base=None,
    max_network_retries=None,
):
    """Find the attempt's PaymentIntent, or create it with the idempotency key.

    - ``intent_id`` given: the intent is retrieved;
    - else ``search_key`` given: the intent carrying it in its metadata
      (``metadata['odoo_idempotency_key']``) is searched;
    - when neither found one: the intent is created with ``params`` and
      ``Idempotency-Key: idempotency_key`` (Stripe answers a repeated key
      with the first result).

    :param dict params: the PaymentIntent parameters
        (``_prepare_stripe_payment_intent_values``)
    :param str api_key: the company's secret key
    :param str api_base: Stripe's address (default ``https://api.stripe.com``;
        tests and benchmarks give a local fake server)
    :param max_network_retries: the SDK's retries of a connection error or
        409/5xx answer with the same key (default ``stripe.max_network_retries``)
    :return: dict ``{'intent': dict or None, 'error': dict or None}``, the
        error as ``classify_error`` describes it. An exception that is not a
        ``stripe.StripeError`` (a bug) propagates.
    """
    try:
        client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=(
                stripe.max_network_retries if max_network_retries is None else max_network_retries
            ),
            http_client=shared_http_client(),
        )
        intents = client.v1.payment_intents
        intent = None
        if intent_id:
            intent = intents.retrieve(intent_id)
        elif search_key:
            found = intents.search({"query": search_query(search_key)})
            intent = found.data[0] if found.data else None
        if intent is None:
            intent = intents.create(params, {"idempotency_key": idempotency_key})
    except stripe.StripeError as error:
        return {"intent": None, "error": classify_error(error)}
    return {"intent": intent.to_dict(), "error": None}
